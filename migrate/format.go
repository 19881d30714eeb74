package migrate

import (
	"bytes"
	"strings"

	"github.com/retortdb/retort/internal/sqlsplit"
	"github.com/retortdb/retort/internal/sqltok"
)

// Format returns the canonical text of f: the three retort headers, a blank
// line, the up section, a blank line and the down section. Each statement
// starts on its own line and ends with ";"; a "-- retort:commit" line
// separates segments, and a statement that would not split back as one
// (it holds a ";" that only a "-- retort:begin" block kept together) is
// wrapped in "-- retort:begin" / "-- retort:end". The output is
// deterministic and Parse reads back the same revision, parents, message
// and statements; comments between statements are not kept.
//
// A Go migration's placeholder (f.Go set) is written as its headers and
// its "-- retort:go" line, without sections.
//
// Format writes f.Parents as they are, "base" when there are none, so a
// file without headers should come from a Graph (Graph.Get), which fills in
// its parent.
func Format(f *File) []byte {
	var b bytes.Buffer
	b.WriteString(sqltok.CommentLine("retort:revision "+f.Revision) + "\n")
	parents := "base"
	if len(f.Parents) > 0 {
		parents = strings.Join(f.Parents, ", ")
	}
	b.WriteString(sqltok.CommentLine("retort:parent "+parents) + "\n")
	header := "retort:message"
	if msg := strings.TrimSpace(strings.ReplaceAll(f.Message, "\n", " ")); msg != "" {
		header += " " + msg
	}
	if f.Go != nil {
		b.WriteString(sqltok.CommentLine(header) + "\n")
		b.WriteString(sqltok.CommentLine(kwGo+" version:"+f.Go.Version+" program:"+f.Go.Program) + "\n")
		return b.Bytes()
	}
	b.WriteString(sqltok.CommentLine(header) + "\n\n")
	writeSection(&b, kwUp, f.Up, f.Engine)
	b.WriteString("\n")
	writeSection(&b, kwDown, f.Down, f.Engine)
	return b.Bytes()
}

func writeSection(b *bytes.Buffer, kw string, s Section, engine string) {
	if s.Tx == TxOff {
		kw += " transaction:false"
	}
	b.WriteString(sqltok.CommentLine(kw) + "\n")
	first := true
	for _, seg := range s.Segments {
		if len(seg.Statements) == 0 {
			continue
		}
		switch {
		case seg.NoTx:
			b.WriteString("-- retort:commit transaction:false\n")
		case !first:
			b.WriteString("-- retort:commit\n")
		}
		first = false
		for _, st := range seg.Statements {
			writeStatement(b, st.SQL, engine)
		}
	}
}

// writeStatement writes sql and its terminating ";".
func writeStatement(b *bytes.Buffer, sql, engine string) {
	// Comment lines above a statement (autogenerate's notes and
	// "-- retort: destructive" marks) are written as they are.
	for strings.HasPrefix(sql, "--") {
		line, rest, _ := strings.Cut(sql, "\n")
		b.WriteString(line + "\n")
		sql = rest
	}
	term := ";\n"
	if endsInLineComment(sql, engine) {
		term = "\n;\n" // a ";" on the same line would be part of the comment
	}
	if splitsAlone(sql, term, engine) {
		b.WriteString(sql + term)
		return
	}
	b.WriteString("-- retort:begin\n" + sql + term + "-- retort:end\n")
}

// splitsAlone reports whether sql followed by term splits back as exactly
// sql, ending where term ends, by the engine's rules.
func splitsAlone(sql, term, engine string) bool {
	const next = "SELECT 1"
	got, err := sqlsplit.For(engine)(sql + term + next)
	return err == nil && len(got) == 2 && got[0].SQL == sql && got[1].SQL == next
}

func endsInLineComment(sql, engine string) bool {
	toks := sqltok.Tokenize(sql, sqlsplit.LexOptions(engine))
	if len(toks) == 0 {
		return false
	}
	last := toks[len(toks)-1]
	return last.Kind == sqltok.Comment && (strings.HasPrefix(last.Text, "--") || strings.HasPrefix(last.Text, "#"))
}

// NewFile returns a migration file with headers, named
// "<revision>_<slug>.sql" after Slug(message) ("<revision>.sql" when the
// slug is empty), with its checksum set to that of Format's output. The
// message's runs of white space, newlines included, become single spaces,
// and control characters are escaped (sqltok.EscapeLine), so that it stays
// one comment line and Parse reads back the same message.
// NewFile does not validate revision and parents; Parse of the formatted
// file does. WithEngine sets the engine whose splitter decides which
// statements need the block.
func NewFile(revision string, parents []string, message string, up, down Section, opts ...ParseOption) *File {
	msg := sqltok.EscapeLine(strings.Join(strings.Fields(message), " "))
	f := &File{
		Revision: revision,
		Message:  msg,
		Up:       up,
		Down:     down,
		Headers:  true,
	}
	for _, o := range opts {
		o(f)
	}
	if len(parents) > 0 {
		f.Parents = append([]string(nil), parents...)
	}
	f.Name = revision + ".sql"
	if slug := Slug(msg); slug != "" {
		f.Name = revision + "_" + slug + ".sql"
	}
	src := Format(f)
	f.Checksum, f.legacy = checksumFor(src, f.Engine), legacyChecksum(src)
	return f
}

// slugMax is the longest slug Slug returns.
const slugMax = 50

// Slug turns a message into the descriptive part of a file name: lower-case
// ASCII letters and digits, with every run of other characters replaced by
// one "_", no "_" at either end, at most 50 bytes. It returns "" for a
// message without ASCII letters or digits.
func Slug(message string) string {
	var b strings.Builder
	sep := false
	for _, r := range strings.ToLower(message) {
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' {
			if sep && b.Len() > 0 {
				b.WriteByte('_')
			}
			sep = false
			b.WriteRune(r)
			continue
		}
		sep = true
	}
	s := b.String()
	if len(s) > slugMax {
		s = strings.TrimRight(s[:slugMax], "_")
	}
	return s
}
