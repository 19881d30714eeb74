package diagram_test

import (
	"bytes"
	"context"
	"encoding/json"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/retortdb/retort/diagram"
)

// chromium returns the headless browser, or skips the test when there is
// none, unless RETORT_TEST_CHROMIUM is set (CI sets it): then a missing
// browser fails the test.
func chromium(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if os.Getenv("RETORT_TEST_CHROMIUM") != "" {
		t.Fatal("RETORT_TEST_CHROMIUM is set but no chromium is installed (apt-get install chromium)")
	}
	t.Skip("no chromium: install Debian's chromium package to run the browser tests")
	return ""
}

func runChromium(t *testing.T, bin string, args ...string) []byte {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	base := []string{"--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
		"--user-data-dir=" + t.TempDir(), "--no-first-run", "--disable-extensions"}
	cmd := exec.CommandContext(ctx, bin, append(base, args...)...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("chromium %v: %v\n%s", args, err, stderr.String())
	}
	return out
}

// probe is added to a copy of the page under test: once laid out, it
// lists each SVG text element that the browser rendered with a size, and
// how many were drawn with none.
const probe = `<script>
window.addEventListener("load", () => {
  const drawn = [], empty = [];
  for (const t of document.querySelectorAll("svg text")) {
    const r = t.getBoundingClientRect();
    (r.width > 0 && r.height > 0 ? drawn : empty).push(t.textContent);
  }
  const svg = document.querySelector("svg").getBoundingClientRect();
  const pre = document.createElement("pre");
  pre.id = "probe";
  pre.textContent = JSON.stringify({drawn, empty, width: svg.width, height: svg.height});
  document.body.appendChild(pre);
});
</script>`

// TestHTMLInChromium opens the change diagram's HTML page in headless
// Chromium, checks that every table, column and edge label was rendered
// (laid out with a size), and that a screenshot of it is not blank.
func TestHTMLInChromium(t *testing.T) {
	bin := chromium(t)
	g, err := diagram.FromChange(load(t, before), load(t, after), diagram.Options{})
	if err != nil {
		t.Fatal(err)
	}
	page, err := g.HTML(context.Background(), "Change <test>")
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(page, []byte("<script")) || regexp.MustCompile(`(?i)(src|href)="(https?:)?//`).Match(page) {
		t.Fatal("the page must hold no script and reference nothing outside itself")
	}
	dir := t.TempDir()
	path := filepath.Join(dir, "change.html")
	if err := os.WriteFile(path, page, 0o644); err != nil {
		t.Fatal(err)
	}
	// The copy with the probe allows inline scripts; nothing else changes.
	probed := strings.Replace(string(page), "default-src 'none';", "default-src 'none'; script-src 'unsafe-inline';", 1)
	probed = strings.Replace(probed, "</body>", probe+"</body>", 1)
	probePath := filepath.Join(dir, "probe.html")
	if err := os.WriteFile(probePath, []byte(probed), 0o644); err != nil {
		t.Fatal(err)
	}
	dom := runChromium(t, bin, "--virtual-time-budget=10000", "--dump-dom", "file://"+probePath)
	m := regexp.MustCompile(`(?s)<pre id="probe">(.*?)</pre>`).FindSubmatch(dom)
	if m == nil {
		t.Fatalf("the probe did not run; DOM:\n%.2000s", dom)
	}
	var got struct {
		Drawn, Empty  []string
		Width, Height float64
	}
	if err := json.Unmarshal([]byte(htmlUnescape(string(m[1]))), &got); err != nil {
		t.Fatal(err)
	}
	if got.Width < 200 || got.Height < 100 {
		t.Errorf("the diagram is %gx%g px: too small to be drawn", got.Width, got.Height)
	}
	drawn := strings.Join(got.Drawn, "\n")
	for _, n := range g.Nodes {
		if !containsLine(got.Drawn, n.Name) {
			t.Errorf("table %q not rendered", n.Name)
		}
		for _, c := range n.Columns {
			if !containsLine(got.Drawn, c.Name) {
				t.Errorf("column %s.%s not rendered", n.Name, c.Name)
			}
		}
	}
	for _, e := range g.Edges {
		if e.Uses {
			continue
		}
		for _, line := range strings.Split(e.Label(), "\n") {
			if !strings.Contains(drawn, line) {
				t.Errorf("edge %s → %s: label line %q not rendered", e.From.Name, e.To.Name, line)
			}
		}
	}
	if len(got.Empty) > 0 {
		t.Errorf("text laid out with no size: %q", got.Empty)
	}

	shot := filepath.Join(dir, "shot.png")
	runChromium(t, bin, "--window-size=1200,900", "--screenshot="+shot, "file://"+path)
	f, err := os.Open(shot)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatalf("screenshot: %v", err)
	}
	colours := map[[3]uint32]bool{}
	b := img.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y += 3 {
		for x := b.Min.X; x < b.Max.X; x += 3 {
			r, g, bl, _ := img.At(x, y).RGBA()
			colours[[3]uint32{r >> 12, g >> 12, bl >> 12}] = true
		}
	}
	// Green, red and amber marks, text and background: a blank or
	// monochrome page has far fewer.
	if len(colours) < 6 {
		t.Errorf("the screenshot has %d colours: the page looks blank", len(colours))
	}
}

func containsLine(lines []string, s string) bool {
	for _, l := range lines {
		if l == s {
			return true
		}
	}
	return false
}

func htmlUnescape(s string) string {
	return strings.NewReplacer("&lt;", "<", "&gt;", ">", "&quot;", `"`, "&#39;", "'", "&amp;", "&").Replace(s)
}

// TestMermaidRenders renders the Mermaid text with Mermaid itself (the
// npm package, whose path RETORT_TEST_MERMAID_JS gives; .ci/run installs
// it) in headless Chromium: the text must parse, and every table must be
// drawn.
func TestMermaidRenders(t *testing.T) {
	js := os.Getenv("RETORT_TEST_MERMAID_JS")
	if js == "" {
		t.Skip("RETORT_TEST_MERMAID_JS is not set (npm install mermaid@11; point it at dist/mermaid.min.js)")
	}
	if _, err := os.Stat(js); err != nil {
		t.Fatalf("RETORT_TEST_MERMAID_JS: %v", err)
	}
	bin := chromium(t)
	one, err := diagram.FromSchema(load(t, before), diagram.Options{})
	if err != nil {
		t.Fatal(err)
	}
	change, err := diagram.FromChange(load(t, before), load(t, after), diagram.Options{})
	if err != nil {
		t.Fatal(err)
	}
	for name, g := range map[string]*diagram.Graph{"schema": one, "change": change} {
		t.Run(name, func(t *testing.T) {
			text, _ := json.Marshal(g.Mermaid())
			page := `<!DOCTYPE html><html><head><meta charset="utf-8"><script src="file://` + js + `"></script></head><body><pre id="out"></pre><script>
mermaid.initialize({startOnLoad: false});
mermaid.render("d", ` + string(text) + `).then(
  r => { document.getElementById("out").textContent = "OK " + r.svg; },
  e => { document.getElementById("out").textContent = "ERROR " + (e.message || e); });
</script></body></html>`
			path := filepath.Join(t.TempDir(), "mermaid.html")
			if err := os.WriteFile(path, []byte(page), 0o644); err != nil {
				t.Fatal(err)
			}
			dom := htmlUnescape(string(runChromium(t, bin, "--allow-file-access-from-files", "--virtual-time-budget=15000", "--dump-dom", "file://"+path)))
			m := regexp.MustCompile(`(?s)<pre id="out">(.*?)</pre>`).FindStringSubmatch(dom)
			if m == nil || !strings.HasPrefix(m[1], "OK ") {
				out := "(nothing)"
				if m != nil {
					out = m[1]
				}
				t.Fatalf("Mermaid did not render the diagram: %.500s\n%s", out, g.Mermaid())
			}
			for _, n := range g.Nodes {
				if !strings.Contains(m[1], n.Name) {
					t.Errorf("Mermaid's SVG lacks table %q", n.Name)
				}
			}
		})
	}
}
