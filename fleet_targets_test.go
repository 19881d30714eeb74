package retort

import (
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestReadTargets(t *testing.T) {
	dir := t.TempDir()
	for _, n := range []string{"a.db", "b.db", "c.sqlite"} {
		if err := os.WriteFile(filepath.Join(dir, n), nil, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	tests := []struct {
		name    string
		text    string
		want    []string // Redacted, in order
		wantErr string
	}{
		{name: "urls comments and blanks", text: "# tenants\n\npostgres://u:secret@h1/app\n  # indented comment\nmysql://root@h2:3306/t1\n",
			want: []string{"postgres://u:xxxxx@h1/app", "mysql://root@h2:3306/t1"}},
		{name: "sqlite glob expands sorted", text: "sqlite:*.db\n", want: []string{"sqlite:a.db", "sqlite:b.db"}},
		{name: "relative sqlite path keeps its name", text: "sqlite:c.sqlite\n", want: []string{"sqlite:c.sqlite"}},
		{name: "bad url names the line", text: "sqlite:a.db\n\nftp://h/x\n", wantErr: "targets.txt:3: database url"},
		{name: "password never in error", text: "postgres://u:secret@h1/app?connect_timeout=x\n", wantErr: "targets.txt:1:"},
		{name: "glob matching nothing", text: "sqlite:a.db\nsqlite:*.none\n", wantErr: `targets.txt:2: glob "sqlite:*.none" matches no file`},
		{name: "named twice", text: "sqlite:a.db\nsqlite:*.db\n", wantErr: "targets.txt:2: sqlite:a.db is named twice (first on line 1)"},
		{name: "memory refused", text: "sqlite::memory:\n", wantErr: "targets.txt:1: sqlite::memory:: an in-memory database cannot be a fleet target"},
		{name: "empty file", text: "# nothing\n\n", wantErr: "targets.txt:1: names no database"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ReadTargets("targets.txt", strings.NewReader(tt.text), dir)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want %q in it", err, tt.wantErr)
				}
				if strings.Contains(err.Error(), "secret") {
					t.Fatalf("error shows the password: %v", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var names []string
			for _, g := range got {
				names = append(names, g.Redacted)
			}
			if strings.Join(names, " ") != strings.Join(tt.want, " ") {
				t.Fatalf("targets = %q, want %q", names, tt.want)
			}
		})
	}
}

func TestReadTargetsRelativePath(t *testing.T) {
	got, err := ReadTargets("t", strings.NewReader("sqlite:x/a.db?mode=rw\n"), "/srv")
	if err != nil {
		t.Fatal(err)
	}
	if got[0].Path != "/srv/x/a.db" || got[0].Query != "mode=rw" {
		t.Fatalf("path %q query %q, want /srv/x/a.db and mode=rw", got[0].Path, got[0].Query)
	}
}

func TestGlobTargets(t *testing.T) {
	dir := t.TempDir()
	for _, n := range []string{"t2.db", "t1.db", "t10.db", "other.txt"} {
		if err := os.WriteFile(filepath.Join(dir, n), nil, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	tests := []struct {
		name, pattern string
		want          []string // base names
		wantErr       string
	}{
		{name: "star", pattern: "sqlite:" + dir + "/t*.db", want: []string{"t1.db", "t10.db", "t2.db"}},
		{name: "class", pattern: "sqlite:" + dir + "/t[12].db?mode=rw", want: []string{"t1.db", "t2.db"}},
		{name: "no match", pattern: "sqlite:" + dir + "/*.sqlite", wantErr: "matches no file"},
		{name: "bad pattern", pattern: "sqlite:" + dir + "/[", wantErr: "syntax error in pattern"},
		{name: "not sqlite", pattern: "postgres://h/*", wantErr: "only a SQLite URL"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := GlobTargets(tt.pattern, "")
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var names []string
			for _, g := range got {
				names = append(names, filepath.Base(g.Path))
				if !strings.HasPrefix(g.DSN, "file:") {
					t.Errorf("DSN %q", g.DSN)
				}
			}
			if strings.Join(names, " ") != strings.Join(tt.want, " ") {
				t.Fatalf("got %q, want %q", names, tt.want)
			}
		})
	}
}

func TestSchemaTarget(t *testing.T) {
	base, err := ParseURL("postgres://u:secret@h/app?sslmode=disable&search_path=public")
	if err != nil {
		t.Fatal(err)
	}
	got, err := schemaTarget(base, "Tenant 1")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(got.DSN, "search_path=%22Tenant%201%22") || strings.Contains(got.DSN, "public") {
		t.Errorf("DSN %s: want the quoted schema alone on the search path", got.DSN)
	}
	if got.Redacted != "postgres://u:xxxxx@h/app?schema=Tenant+1&sslmode=disable" {
		t.Errorf("Redacted %s", got.Redacted)
	}
}

func TestPatternTargetsRefuseOtherEngines(t *testing.T) {
	tests := []struct {
		name    string
		fn      func() error
		wantErr string
	}{
		{name: "schema pattern on mysql", fn: func() error {
			_, err := SchemaTargets(t.Context(), "mysql://root@h/db", "t_%")
			return err
		}, wantErr: "a schema pattern needs a PostgreSQL database"},
		{name: "database pattern on sqlite", fn: func() error {
			_, err := DatabaseTargets(t.Context(), "sqlite:a.db", "t_%")
			return err
		}, wantErr: "a database pattern needs a MySQL/MariaDB server"},
		{name: "empty schema pattern", fn: func() error {
			_, err := SchemaTargets(t.Context(), "postgres://u@127.0.0.1:1/db", " ")
			return err
		}, wantErr: "empty schema pattern"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := tt.fn(); err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("err = %v, want %q", err, tt.wantErr)
			}
		})
	}
}

func FuzzReadTargets(f *testing.F) {
	f.Add("# c\nsqlite:a.db\npostgres://u:SECRET@h/db\n")
	f.Add("postgres://u:SECRET@h/db?connect_timeout=x\n")
	f.Add("mysql://u:SECRET@h:3306/db\nmysql://u:SECRET@h:3306/db\n")
	f.Add("mysql://root@h:3306/x\n\n\nsqlite:*.db")
	f.Add("postgres://u:p#w@h/db")
	f.Fuzz(func(t *testing.T, text string) {
		dir := t.TempDir()
		ts, err := ReadTargets("f", strings.NewReader(text), dir)
		if err != nil {
			// A URL whose password is SECRET (and the only SECRET in
			// the text) must not show it.
			for _, line := range strings.Split(text, "\n") {
				if strings.Count(text, "SECRET") != 1 {
					break
				}
				u, perr := url.Parse(strings.TrimSpace(line))
				if perr != nil {
					continue
				}
				if pw, ok := u.User.Password(); ok && pw == "SECRET" && strings.Contains(err.Error(), pw) {
					t.Fatalf("password in error: %v", err)
				}
			}
			return
		}
		if len(ts) == 0 {
			t.Fatal("no targets and no error")
		}
		for _, tg := range ts {
			if tg.DSN == "" || tg.Dialect == "" {
				t.Fatalf("incomplete target %+v", tg)
			}
		}
	})
}

func TestDatabaseTarget(t *testing.T) {
	base, err := ParseURL("mysql://root:secret@h:3307/admin?timeout=5s")
	if err != nil {
		t.Fatal(err)
	}
	got, err := databaseTarget(base, "tenant_7")
	if err != nil {
		t.Fatal(err)
	}
	if want := "root:secret@tcp(h:3307)/tenant_7?parseTime=true&timeout=5s"; got.DSN != want {
		t.Errorf("DSN %s, want %s", got.DSN, want)
	}
	if got.Redacted != "mysql://root:xxxxx@h:3307/tenant_7?timeout=5s" || got.Host != "h:3307" {
		t.Errorf("Redacted %s, Host %s", got.Redacted, got.Host)
	}
}
