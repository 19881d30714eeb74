package sqlite

import (
	"context"
	"strings"
	"testing"

	"github.com/retortdb/retort/dialect"
	"github.com/retortdb/retort/diff"
	"github.com/retortdb/retort/internal/sqltok"
)

// FuzzParseCreateTable feeds arbitrary text to the CREATE TABLE reader. It
// must never panic. When SQLite itself accepts the text, what the reader
// finds must agree with what SQLite reports: the same columns, as many
// foreign keys as pragma_foreign_key_list, every named key found under its
// name, as many checks as the statement has CHECK keywords; and the schema
// written back by the engine must load into the same schema.
//
// Seeds live in testdata/fuzz/FuzzParseCreateTable.
func FuzzParseCreateTable(f *testing.F) {
	f.Add("CREATE TABLE t (id INTEGER PRIMARY KEY, p INT REFERENCES t)")
	f.Fuzz(func(t *testing.T, src string) {
		parseCreateTable(src)
		parseCreateIndex(src)
		if !singleCreateTable(src) {
			return
		}
		db := openMemory(t)
		if _, err := db.Exec(src); err != nil {
			return // not valid SQLite: only the no-panic property applies
		}
		d := New()
		s, err := d.Inspect(context.Background(), db)
		if err != nil {
			t.Fatalf("SQLite accepted the statement but Inspect failed: %v", err)
		}
		stored := map[string]string{}
		for _, line := range queryRows(t, db, `SELECT name || char(0) || sql FROM sqlite_schema WHERE type = 'table' AND sql IS NOT NULL`) {
			name, text, _ := strings.Cut(line, "\x00")
			stored[strings.ToLower(name)] = text
		}
		for _, tb := range s.Tables {
			text := stored[strings.ToLower(tb.Name)]
			def := parseCreateTable(text)
			if !isCreateAsSelect(text) {
				if len(def.columns) != len(tb.Columns) {
					t.Errorf("table %q: parser found %d columns, SQLite %d\n%s", tb.Name, len(def.columns), len(tb.Columns), text)
				} else {
					for i, c := range tb.Columns {
						if !strings.EqualFold(def.columns[i].name, c.Name) {
							t.Errorf("table %q: column %d is %q to the parser, %q to SQLite\n%s", tb.Name, i, def.columns[i].name, c.Name, text)
						}
					}
				}
			}
			if len(def.fks) != len(tb.ForeignKeys) {
				t.Errorf("table %q: parser found %d foreign keys, SQLite %d\n%s", tb.Name, len(def.fks), len(tb.ForeignKeys), text)
			}
			for _, fd := range def.fks {
				if fd.name == "" {
					continue
				}
				found := false
				for _, fk := range tb.ForeignKeys {
					found = found || fk.Name == fd.name
				}
				if !found {
					t.Errorf("table %q: foreign key %q lost its name\n%s", tb.Name, fd.name, text)
				}
			}
			if want := countKeyword(text, "CHECK"); len(tb.Checks) != want {
				t.Errorf("table %q: %d checks inspected, the statement has %d\n%s", tb.Name, len(tb.Checks), want, text)
			}
		}

		// SQLite folds only ASCII letters in names; retort's lookups use
		// Unicode folding, so names such as "É" and "é", distinct to SQLite,
		// would meet. The round trip is checked for ASCII input only.
		if !isASCII(src) {
			return
		}
		script := d.SQL(s)
		back := openMemory(t)
		if err := dialect.Load(context.Background(), back, "written.sql", script); err != nil {
			t.Fatalf("the engine's SQL for an inspected schema does not load: %v\ninput:\n%s\nwritten:\n%s", err, src, script)
		}
		if changes := diff.Compare(s, inspect(t, d, back)); len(changes) > 0 {
			t.Errorf("written back, the schema differs:\n%s\ninput:\n%s\nwritten:\n%s", describe(changes), src, script)
		}
	})
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

// singleCreateTable reports whether src is one CREATE [TEMP] TABLE statement
// and nothing else that could reach outside a scratch database.
func singleCreateTable(src string) bool {
	if strings.Contains(src, ";") || strings.Contains(strings.ToUpper(src), "ATTACH") || strings.ContainsRune(src, 0) {
		return false
	}
	toks := sqltok.Significant(sqltok.Tokenize(src, sqltok.Options{}))
	if len(toks) < 3 || !toks[0].Is("CREATE") {
		return false
	}
	i := 1
	if toks[i].Is("TEMP") || toks[i].Is("TEMPORARY") {
		i++
	}
	return toks[i].Is("TABLE")
}

func isCreateAsSelect(text string) bool {
	p := newParser(text)
	for !p.done() && !p.is("TABLE") {
		p.i++
	}
	p.accept("TABLE")
	if p.accept("IF") {
		p.accept("NOT")
		p.accept("EXISTS")
	}
	p.qualifiedIdent()
	return !p.punct("(")
}

// countKeyword counts the bare words kw in src (reserved words such as
// CHECK cannot be bare identifiers, so each one starts a constraint).
func countKeyword(src, kw string) int {
	n := 0
	for _, tok := range sqltok.Tokenize(src, sqltok.Options{}) {
		if tok.Is(kw) {
			n++
		}
	}
	return n
}

func TestParseCreateTable(t *testing.T) {
	for _, tt := range []struct {
		name, sql string
		check     func(t *testing.T, def *tableDef)
	}{
		{
			name: "match clause recorded",
			sql:  `CREATE TABLE t (a INT REFERENCES p (id) MATCH FULL ON DELETE CASCADE, b INT REFERENCES p MATCH simple)`,
			check: func(t *testing.T, def *tableDef) {
				if len(def.fks) != 2 || def.fks[0].match != "FULL" || def.fks[1].match != "SIMPLE" {
					t.Errorf("fks = %+v, want MATCH FULL and SIMPLE", def.fks)
				}
			},
		},
		{
			name: "keywords inside strings and comments are not constraints",
			sql:  "CREATE TABLE t (a TEXT DEFAULT 'CHECK (x)' /* CHECK (y) */, b TEXT -- REFERENCES z\n)",
			check: func(t *testing.T, def *tableDef) {
				if len(def.checks) != 0 || len(def.fks) != 0 || len(def.columns) != 2 {
					t.Errorf("def = %+v, want two columns and nothing else", def)
				}
			},
		},
		{
			name: "table constraints without commas between them",
			sql:  `CREATE TABLE t (a INT, b INT, PRIMARY KEY (a) ON CONFLICT ABORT CONSTRAINT u UNIQUE (b) CHECK (a > 0) CONSTRAINT f FOREIGN KEY (b) REFERENCES p (id) CHECK (b > 0))`,
			check: func(t *testing.T, def *tableDef) {
				if len(def.checks) != 2 || len(def.uniques) != 1 || def.uniques[0].name != "u" || len(def.fks) != 1 || def.fks[0].name != "f" {
					t.Errorf("checks = %+v, uniques = %+v, fks = %+v; want 2 checks, unique u, key f", def.checks, def.uniques, def.fks)
				}
			},
		},
		{
			name: "unterminated input",
			sql:  `CREATE TABLE t (a INT CHECK (a > (`,
			check: func(t *testing.T, def *tableDef) {
				if len(def.columns) != 1 || def.columns[0].name != "a" {
					t.Errorf("columns = %+v, want a", def.columns)
				}
			},
		},
	} {
		t.Run(tt.name, func(t *testing.T) { tt.check(t, parseCreateTable(tt.sql)) })
	}
}
