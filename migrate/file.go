// Package migrate reads and writes retort migration files, orders them in a
// revision graph (parents, heads, merges) and computes the upgrade and
// downgrade paths between sets of applied revisions.
//
// A migration file holds both directions, in dbmate's section markers, under
// three retort header lines:
//
//	-- retort:revision 20261125103000
//	-- retort:parent 20261120090000
//	-- retort:message add ON DELETE CASCADE to notes.author_id
//
//	-- migrate:up
//	ALTER TABLE …;
//
//	-- migrate:down
//	ALTER TABLE …;
//
// A plain dbmate file (no retort headers) is accepted too: its revision is
// the version number that starts its name and its parent is the previous
// file in name order (see NewGraph).
package migrate

import (
	"errors"
	"fmt"
	"github.com/retortdb/retort/internal/editdist"
	"path"
	"slices"
	"strings"
	"unicode"

	"github.com/retortdb/retort/internal/sqlsplit"
	"github.com/retortdb/retort/internal/sqltok"
)

// Direction says which section of a migration file runs.
type Direction int8

const (
	// Up applies a migration (its "-- migrate:up" section).
	Up Direction = 1
	// Down reverts a migration (its "-- migrate:down" section).
	Down Direction = -1
)

// String returns "up" or "down".
func (d Direction) String() string {
	switch d {
	case Up:
		return "up"
	case Down:
		return "down"
	}
	return fmt.Sprintf("Direction(%d)", int8(d))
}

// TxMode says whether the statements of a section run inside transactions.
type TxMode uint8

const (
	// TxOn runs each segment of a section in its own transaction. It is the
	// default.
	TxOn TxMode = iota
	// TxOff runs a section outside any transaction. A section marker
	// followed by "transaction:false" selects it.
	TxOff
)

// String returns the marker option that selects m: "transaction:true" or
// "transaction:false".
func (m TxMode) String() string {
	switch m {
	case TxOn:
		return "transaction:true"
	case TxOff:
		return "transaction:false"
	}
	return fmt.Sprintf("TxMode(%d)", uint8(m))
}

// Statement is one SQL statement of a migration file.
type Statement struct {
	// SQL is the statement without its terminating semicolon and without
	// the comments before it.
	SQL string
	// Line is the 1-based line of the file on which the statement starts.
	Line int
}

// Segment is a run of statements that share one transaction. A
// "-- retort:commit" line inside a section ends one segment and starts the
// next. "-- retort:commit transaction:false" ends one segment and starts
// one that runs outside any transaction (for statements such as PostgreSQL's
// CREATE INDEX CONCURRENTLY); its progress is recorded once it has run, like
// any segment's.
type Segment struct {
	Statements []Statement
	// NoTx runs the segment outside any transaction.
	NoTx bool
}

// Section is the up or the down part of a migration file.
type Section struct {
	// Tx is the section's transaction mode.
	Tx TxMode
	// Segments holds the section's statements, split at "-- retort:commit"
	// lines. Parse never returns an empty segment; a section without
	// statements has no segments.
	Segments []Segment
	// Line is the 1-based line of the section's marker, or 0 when the file
	// has no such marker (a file without "-- migrate:down").
	Line int
}

// Statements returns the statements of every segment of s, in order.
func (s Section) Statements() []Statement {
	var out []Statement
	for _, seg := range s.Segments {
		out = append(out, seg.Statements...)
	}
	return out
}

// File is a parsed migration file.
type File struct {
	// Name is the file name, such as "20261125103000_add_cascade.sql".
	Name string
	// Revision is the file's revision id.
	Revision string
	// Parents are the revisions this one follows: none for a first
	// revision ("-- retort:parent base"), two or more for a merge. Parse
	// leaves Parents nil for a file without headers; NewGraph fills them in.
	Parents []string
	// Message is the one-line description from "-- retort:message".
	Message string
	// Up and Down are the file's two sections. A Down without statements
	// marks an irreversible migration.
	Up, Down Section
	// Checksum is the file's checksum (see the Checksum function): it
	// changes when a statement or a directive changes, not when only
	// comments or white space do.
	Checksum string
	// legacy is the version-1 checksum (SHA-256 of the bytes), accepted
	// from version tables written by older retort.
	legacy string
	// Headers reports whether the file had retort headers. A file without
	// them is a plain dbmate file.
	Headers bool
	// Engine is the engine whose lexical rules split the file's
	// statements (see WithEngine); "" for the rules common to SQLite and
	// PostgreSQL.
	Engine string
	// Go is set for the placeholder of a Go migration (a
	// "-- retort:go" line; see GoPlaceholder): its up and down are Go
	// functions, and Up and Down are empty.
	Go *GoPlaceholder
	// Annotations are the comments written for tools that read the file
	// rather than for the runner, in file order: "-- retort:nolint …" and
	// "-- retort: destructive".
	Annotations []Annotation
}

// AnnotationKind says what an Annotation is.
type AnnotationKind uint8

const (
	// Nolint is "-- retort:nolint CODE[,CODE]": findings of retort lint
	// that the author has seen and accepts. Arg holds the codes as written.
	Nolint AnnotationKind = iota + 1
	// DestructiveMark is "-- retort: destructive", which autogenerate
	// writes above a statement that drops or narrows data.
	DestructiveMark
)

// Annotation is one annotation comment of a migration file. Annotations
// do not change what runs, and "-- retort:nolint" lines are left out of
// the checksum: adding one to an applied migration is not an edit.
type Annotation struct {
	Kind AnnotationKind
	// Line is the comment's 1-based line.
	Line int
	// Section is Up or Down for a comment inside that section, 0 for one
	// in the header (before "-- migrate:up").
	Section Direction
	// Arg is the text after the keyword, trimmed.
	Arg string
}

// Section returns f.Up for Up and f.Down for Down.
func (f *File) Section(d Direction) Section {
	if d == Down {
		return f.Down
	}
	return f.Up
}

// ParseError is a malformed migration file.
type ParseError struct {
	// File is the file's name (its path below the directory for ReadDir).
	File string
	// Line is the 1-based line of the problem.
	Line int
	// Msg describes the problem.
	Msg string
}

// Error returns "<file>:<line>: <msg>".
func (e *ParseError) Error() string { return fmt.Sprintf("%s:%d: %s", e.File, e.Line, e.Msg) }

// ParseOption configures Parse, ReadDir and NewFile.
type ParseOption func(*File)

// WithEngine splits the file's statements, and finds its directives, by
// the lexical rules of the engine called name, a dialect's Name: "sqlite",
// "postgres" or "mysql". They differ where it matters: on MySQL "# …" is a
// comment and 'it\'s' a string, on PostgreSQL $$ … $$ is one. Without
// WithEngine (or with ""), files are lexed by the rules SQLite and
// PostgreSQL share, dollar quotes included: right for those two engines,
// wrong for MySQL files. A File records the engine in Engine.
func WithEngine(name string) ParseOption {
	return func(f *File) { f.Engine = name }
}

// Directive keywords, lower case.
const (
	kwRevision = "retort:revision"
	kwParent   = "retort:parent"
	kwMessage  = "retort:message"
	kwBegin    = "retort:begin"
	kwEnd      = "retort:end"
	kwCommit   = "retort:commit"
	kwUp       = "migrate:up"
	kwDown     = "migrate:down"
	kwGo       = "retort:go"
	kwNolint   = "retort:nolint"
)

var keywords = []string{kwRevision, kwParent, kwMessage, kwBegin, kwEnd, kwCommit, kwUp, kwDown, kwGo, kwNolint}

// Parse parses the migration file called name (a base name such as
// "20261125103000_add_cascade.sql") with contents src. Problems are
// reported as a *ParseError naming name and the line.
//
// The revision is taken from the "-- retort:revision" header, which must
// match the part of name before the first "_"; without headers it is that
// part of name, which must then be a version number. Lines before
// "-- migrate:up" may hold only comments and retort headers. A file with any
// retort header must have a "-- retort:parent" header ("base" for a first
// revision).
//
// A file with a "-- retort:go" line is the placeholder of a Go migration
// (see GoPlaceholder): it needs the revision and parent headers, and may
// hold no section marker and no SQL.
//
// Statements are split by the rules of the engine WithEngine names.
func Parse(name string, src []byte, opts ...ParseOption) (*File, error) {
	f := &File{Name: name, legacy: legacyChecksum(src)}
	for _, o := range opts {
		o(f)
	}
	f.Checksum = checksumFor(src, f.Engine)
	p := &parser{
		name:  name,
		text:  strings.TrimPrefix(string(src), "\ufeff"),
		f:     f,
		lex:   sqlsplit.LexOptions(f.Engine),
		split: sqlsplit.For(f.Engine),
	}
	if err := p.parse(); err != nil {
		return nil, err
	}
	return p.f, nil
}

type parser struct {
	name  string
	text  string // file contents without a byte-order mark
	f     *File
	lex   sqltok.Options // the engine's lexical rules
	split sqlsplit.Func  // the engine's splitter

	sec       *Section // section being read; nil before "-- migrate:up"
	segStart  int      // byte offset in text where the current segment starts
	segLine   int      // line of the directive the current segment follows
	segNoTx   bool     // the current segment follows "-- retort:commit transaction:false"
	beginLine int      // line of an open "-- retort:begin", 0 if none

	upLine, downLine int
	headerLine       int // line of the first retort header
	revLine          int
	parentLine       int // line of the first -- retort:parent
	msgLine          int
	revSet           bool
	parentSet        bool
	parentBase       bool
	msgSet           bool
	parents          []string
}

func (p *parser) errorf(line int, format string, args ...any) error {
	return &ParseError{File: p.name, Line: line, Msg: fmt.Sprintf(format, args...)}
}

func (p *parser) parse() error {
	toks := sqltok.Tokenize(p.text, p.lex)
	if t, what := unterminated(toks, p.lex); what != "" {
		return p.errorf(t.Line, "unterminated %s", what)
	}
	lineStart := true // only space since the last newline
	for _, t := range toks {
		atStart := lineStart
		switch t.Kind {
		case sqltok.Space:
			if strings.Contains(t.Text, "\n") {
				lineStart = true
			}
			continue
		case sqltok.Comment:
			lineStart = false
			if isDestructiveMark(t.Text) && atStart {
				p.annotate(DestructiveMark, t.Line, "")
				continue
			}
			kw, arg, ok := splitDirective(t.Text)
			if !ok {
				continue
			}
			if !atStart {
				return p.errorf(t.Line, "-- %s must start a line", kw)
			}
			if err := p.directive(t, kw, arg); err != nil {
				return err
			}
		default:
			lineStart = false
			if p.f.Go != nil {
				return p.errorf(t.Line, "SQL in a Go migration's placeholder (-- retort:go at line %d): its up and down are Go code, the file holds only headers", p.f.Go.Line)
			}
			if p.sec == nil {
				return p.errorf(t.Line, "SQL before -- migrate:up (only comments and -- retort: headers may come first)")
			}
		}
	}
	if p.f.Go != nil {
		return p.finishGo()
	}
	if p.upLine == 0 {
		return p.errorf(1, "no -- migrate:up marker")
	}
	if err := p.endSegment(len(p.text)); err != nil {
		return err
	}
	return p.finish()
}

// directive handles one directive comment t.
func (p *parser) directive(t sqltok.Token, kw, arg string) error {
	switch kw {
	case kwRevision, kwParent, kwMessage:
		if p.sec != nil {
			return p.errorf(t.Line, "-- %s after -- migrate:up (headers come first)", kw)
		}
		if p.headerLine == 0 {
			p.headerLine = t.Line
		}
		return p.header(t.Line, kw, arg)
	case kwGo:
		if p.sec != nil {
			return p.errorf(t.Line, "-- retort:go after -- migrate:up (a Go migration's placeholder has no sections)")
		}
		if p.headerLine == 0 {
			p.headerLine = t.Line
		}
		return p.goHeader(t.Line, arg)
	case kwUp, kwDown:
		return p.marker(t, kw, arg)
	case kwNolint:
		if arg == "" {
			return p.errorf(t.Line, "-- retort:nolint needs the codes it accepts (e.g. -- retort:nolint RT101)")
		}
		p.annotate(Nolint, t.Line, arg)
		return nil
	case kwBegin, kwEnd, kwCommit:
	default:
		msg := fmt.Sprintf("unknown directive %q", "-- "+kw)
		if s := suggest(kw); s != "" {
			msg += fmt.Sprintf(" (did you mean -- %s?)", s)
		}
		return p.errorf(t.Line, "%s", msg)
	}
	noTx := kw == kwCommit && strings.EqualFold(arg, "transaction:false")
	if arg != "" && !noTx {
		if kw == kwCommit {
			return p.errorf(t.Line, "unexpected %q after -- %s (want transaction:false or nothing)", arg, kw)
		}
		return p.errorf(t.Line, "unexpected %q after -- %s", arg, kw)
	}
	switch kw {
	case kwBegin:
		if p.sec == nil {
			return p.errorf(t.Line, "-- retort:begin before -- migrate:up")
		}
		if p.beginLine != 0 {
			return p.errorf(t.Line, "-- retort:begin inside another -- retort:begin block (opened at line %d)", p.beginLine)
		}
		p.beginLine = t.Line
	case kwEnd:
		if p.beginLine == 0 {
			return p.errorf(t.Line, "-- retort:end without -- retort:begin")
		}
		p.beginLine = 0
	case kwCommit:
		if p.sec == nil {
			return p.errorf(t.Line, "-- retort:commit outside a section (before -- migrate:up)")
		}
		if p.sec.Tx == TxOff {
			return p.errorf(t.Line, "-- retort:commit in a transaction:false section (line %d)", p.sec.Line)
		}
		if p.beginLine != 0 {
			return p.errorf(t.Line, "-- retort:commit inside the -- retort:begin block opened at line %d", p.beginLine)
		}
		if err := p.endSegment(t.Pos); err != nil {
			return err
		}
		p.segStart, p.segLine, p.segNoTx = t.Pos+len(t.Text), t.Line, noTx
	}
	return nil
}

// annotate records an annotation comment on line.
func (p *parser) annotate(kind AnnotationKind, line int, arg string) {
	var sec Direction
	switch p.sec {
	case &p.f.Up:
		sec = Up
	case &p.f.Down:
		sec = Down
	}
	p.f.Annotations = append(p.f.Annotations, Annotation{Kind: kind, Line: line, Section: sec, Arg: arg})
}

// isDestructiveMark reports whether a comment is "-- retort: destructive"
// (any case and spacing).
func isDestructiveMark(comment string) bool {
	if !strings.HasPrefix(comment, "--") {
		return false
	}
	f := strings.Fields(strings.ToLower(comment[2:]))
	return len(f) == 2 && f[0] == "retort:" && f[1] == "destructive"
}

// marker handles "-- migrate:up" and "-- migrate:down".
func (p *parser) marker(t sqltok.Token, kw, arg string) error {
	if p.f.Go != nil {
		return p.errorf(t.Line, "-- %s in a Go migration's placeholder (-- retort:go at line %d): its up and down are Go code, the file holds only headers", kw, p.f.Go.Line)
	}
	var tx TxMode
	seen := ""
	for _, opt := range strings.Fields(arg) {
		switch strings.ToLower(opt) {
		case "transaction:false":
			tx = TxOff
		case "transaction:true":
			tx = TxOn
		default:
			return p.errorf(t.Line, "unknown option %q after -- %s (want transaction:false)", opt, kw)
		}
		if seen != "" {
			return p.errorf(t.Line, "option %q repeats %q after -- %s", opt, seen, kw)
		}
		seen = opt
	}
	if kw == kwUp {
		if p.upLine != 0 {
			return p.errorf(t.Line, "duplicate -- migrate:up marker (first at line %d)", p.upLine)
		}
		p.upLine = t.Line
	} else {
		if p.downLine != 0 {
			return p.errorf(t.Line, "duplicate -- migrate:down marker (first at line %d)", p.downLine)
		}
		if p.upLine == 0 {
			return p.errorf(t.Line, "-- migrate:down before -- migrate:up")
		}
		p.downLine = t.Line
	}
	if p.sec != nil {
		if err := p.endSegment(t.Pos); err != nil {
			return err
		}
	}
	p.sec = &p.f.Up
	if kw == kwDown {
		p.sec = &p.f.Down
	}
	p.sec.Tx, p.sec.Line = tx, t.Line
	p.segStart, p.segLine, p.segNoTx = t.Pos+len(t.Text), t.Line, false
	return nil
}

// endSegment splits the current segment, p.text[p.segStart:end], into
// statements and appends them to the current section.
func (p *parser) endSegment(end int) error {
	if p.beginLine != 0 {
		return p.errorf(p.beginLine, "-- retort:begin without -- retort:end")
	}
	// The segment starts on line p.segLine, right after a directive.
	stmts, err := p.split(p.text[p.segStart:end])
	if err != nil {
		var se *sqlsplit.Error
		if errors.As(err, &se) {
			return p.errorf(p.segLine+se.Line-1, "%s", se.Msg)
		}
		return p.errorf(p.segLine, "%v", err)
	}
	if len(stmts) == 0 {
		return nil
	}
	seg := Segment{Statements: make([]Statement, len(stmts)), NoTx: p.segNoTx}
	for i, s := range stmts {
		seg.Statements[i] = Statement{SQL: s.SQL, Line: p.segLine + s.Line - 1}
	}
	p.sec.Segments = append(p.sec.Segments, seg)
	return nil
}

// header handles the three retort headers.
func (p *parser) header(line int, kw, arg string) error {
	switch kw {
	case kwRevision:
		if p.revSet {
			return p.errorf(line, "duplicate -- retort:revision header (first at line %d)", p.revLine)
		}
		if arg == "" {
			return p.errorf(line, "empty revision")
		}
		if !validRevision(arg) {
			return p.errorf(line, "invalid revision %q (want letters and digits)", arg)
		}
		if prefix, ok := namePrefix(p.name); ok && prefix != arg {
			return p.errorf(line, "revision %s does not match the file name %q (want %s_…)", arg, p.name, arg)
		}
		p.revSet, p.revLine, p.f.Revision = true, line, arg
	case kwParent:
		ids := strings.FieldsFunc(arg, func(r rune) bool { return r == ',' || unicode.IsSpace(r) })
		if len(ids) == 0 {
			return p.errorf(line, "-- retort:parent needs a revision or base")
		}
		for _, id := range ids {
			switch {
			case strings.EqualFold(id, "base"):
				if p.parentSet || len(ids) > 1 {
					return p.errorf(line, "parent base cannot be combined with other parents")
				}
				p.parentBase = true
			case p.parentBase:
				return p.errorf(line, "parent base cannot be combined with other parents")
			case !validRevision(id):
				return p.errorf(line, "invalid parent revision %q (want letters and digits, or base)", id)
			case slices.Contains(p.parents, id):
				return p.errorf(line, "duplicate parent %s", id)
			default:
				p.parents = append(p.parents, id)
			}
		}
		if !p.parentSet {
			p.parentLine = line
		}
		p.parentSet = true
	case kwMessage:
		if p.msgSet {
			return p.errorf(line, "duplicate -- retort:message header (first at line %d)", p.msgLine)
		}
		p.msgSet, p.msgLine, p.f.Message = true, line, arg
	}
	return nil
}

// finish settles the revision and parents once the whole file is read.
func (p *parser) finish() error {
	f := p.f
	f.Headers = p.revSet || p.parentSet || p.msgSet
	if f.Headers && !p.parentSet {
		return p.errorf(p.headerLine, "missing -- retort:parent header (write \"-- retort:parent base\" for a first revision)")
	}
	f.Parents = p.parents
	if !p.revSet {
		prefix, _ := namePrefix(p.name)
		switch {
		case prefix == "":
			return p.errorf(1, "empty revision: file name %q does not start with <revision>_", p.name)
		case !f.Headers && !allDigits(prefix):
			return p.errorf(1, "file name %q does not start with a version number (want <version>_<name>.sql)", p.name)
		case !validRevision(prefix):
			return p.errorf(1, "file name %q does not start with a valid revision (want letters and digits)", p.name)
		}
		f.Revision = prefix
	}
	if slices.Contains(f.Parents, f.Revision) {
		return p.errorf(p.parentLine, "revision %s cannot be its own parent", f.Revision)
	}
	return nil
}

// splitDirective returns the lower-case keyword and the trimmed rest of a
// "-- retort:…" or "-- migrate:…" comment. ok is false for other comments.
func splitDirective(comment string) (kw, arg string, ok bool) {
	if !strings.HasPrefix(comment, "--") {
		return "", "", false
	}
	body := strings.TrimSpace(comment[2:])
	kw, arg = body, ""
	if i := strings.IndexFunc(body, unicode.IsSpace); i >= 0 {
		kw, arg = body[:i], strings.TrimSpace(body[i:])
	}
	kw = strings.ToLower(kw)
	if !strings.HasPrefix(kw, "retort:") && !strings.HasPrefix(kw, "migrate:") {
		return "", "", false
	}
	// "-- retort: destructive" (a space after the colon) is an annotation
	// for readers, not a directive.
	if kw == "retort:" || kw == "migrate:" {
		return "", "", false
	}
	return kw, arg, true
}

// unterminated returns the last token and what it is when it is a string,
// quoted identifier or block comment that runs to the end of the input.
func unterminated(toks []sqltok.Token, opt sqltok.Options) (sqltok.Token, string) {
	if len(toks) == 0 {
		return sqltok.Token{}, ""
	}
	t := toks[len(toks)-1]
	var what string
	switch t.Kind {
	case sqltok.String:
		what = "string"
		if strings.HasPrefix(t.Text, "$") {
			what = "dollar-quoted string"
		}
	case sqltok.QuotedIdent:
		what = "quoted identifier"
	case sqltok.Comment:
		what = "comment"
	default:
		return t, ""
	}
	// A terminated token ends before a newline put after it; an
	// unterminated one swallows it.
	if len(sqltok.Tokenize(t.Text+"\n", opt)) > 1 {
		return t, ""
	}
	return t, what
}

// suggest returns the known keyword closest to an unknown one, if it is
// within two edits.
func suggest(kw string) string {
	best, bestDist := "", 3
	for _, k := range keywords {
		if d := editdist.Distance(kw, k); d < bestDist {
			best, bestDist = k, d
		}
	}
	return best
}

// namePrefix returns the part of a file name before its first "_" (or
// before ".sql" when there is no "_"). ok is false for an empty name.
func namePrefix(name string) (prefix string, ok bool) {
	if name == "" {
		return "", false
	}
	base := strings.TrimSuffix(path.Base(name), ".sql")
	if i := strings.IndexByte(base, '_'); i >= 0 {
		base = base[:i]
	}
	return base, true
}

// validRevision reports whether s can be a revision id: ASCII letters and
// digits, and not one of the target keywords head, heads and base.
func validRevision(s string) bool {
	if s == "" || strings.EqualFold(s, "head") || strings.EqualFold(s, "heads") || strings.EqualFold(s, "base") {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z') {
			return false
		}
	}
	return true
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}
