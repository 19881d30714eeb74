package sqlite

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/retortdb/retort/diff"
	"github.com/retortdb/retort/schema"
)

func TestNarrows(t *testing.T) {
	tests := []struct {
		from, to string
		strict   bool
		want     bool
	}{
		{"TEXT", "INTEGER", false, true},
		{"VARCHAR(200)", "INT", false, true},
		{"INTEGER", "TEXT", false, true}, // a real stored in it keeps 15 digits as text
		{"INTEGER", "REAL", false, true}, // integers above 2^53 round
		{"NUMERIC(10,2)", "DOUBLE", false, true},
		{"REAL", "TEXT", false, true},
		{"BLOB", "TEXT", false, true},
		{"", "INTEGER", false, true},
		{"ANY", "INTEGER", true, true},
		{"ANY", "TEXT", false, true},                  // ANY is NUMERIC outside STRICT
		{"VARCHAR(200)", "VARCHAR(10)", false, false}, // lengths mean nothing to SQLite
		{"TEXT", "CLOB", false, false},
		{"INTEGER", "BIGINT", false, false},
		{"BIGINT", "TINYINT", false, false}, // same affinity: SQLite stores the same value
		{"INTEGER", "NUMERIC", false, false},
		{"DECIMAL(10,2)", "INTEGER", false, false},
		{"REAL", "INTEGER", false, false},
		{"REAL", "NUMERIC", false, false},
		{"TEXT", "BLOB", false, false},
		{"INTEGER", "", false, false},
		{"INTEGER", "ANY", true, false},
		{"TEXT", "ANY", false, true}, // NUMERIC outside STRICT
	}
	d := New()
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%s to %s strict %t", tt.from, tt.to, tt.strict), func(t *testing.T) {
			from := &schema.Table{Name: "t", Strict: tt.strict, Columns: []*schema.Column{{Name: "c", Type: tt.from}}}
			to := &schema.Table{Name: "t", Strict: tt.strict, Columns: []*schema.Column{{Name: "c", Type: tt.to}}}
			mc := &diff.ModifyColumn{From: from.Columns[0], To: to.Columns[0], What: diff.ChangeType}
			if got := d.Narrows(&diff.ModifyTable{From: from, To: to, Changes: []diff.Change{mc}}, mc); got != tt.want {
				t.Errorf("Narrows = %t, want %t", got, tt.want)
			}
		})
	}
}

// TestStoredIsWhatSQLiteStores compares the conversion narrowCheck writes
// in SQL with what SQLite does when it stores a value in a column of each
// affinity.
func TestStoredIsWhatSQLiteStores(t *testing.T) {
	db := openMemory(t)
	ctx := context.Background()
	values := []string{"'007'", "'7'", "' 7 '", "'1.0'", "'1.50'", "'3.0e+5'", "'1e400'", "'0x10'", "'12abc'", "'abc'", "''",
		"'9223372036854775807'", "'9223372036854775808'", "'-0'", "7", "-7", "9223372036854775807", "9007199254740993",
		"1.0", "1.5", "0.30000000000000004", "1e20", "1e300", "-0.0", "x'00ff'", "x''"}
	types := map[affinity]string{affText: "TEXT", affNumeric: "NUMERIC", affInteger: "INTEGER", affReal: "REAL", affBlob: "BLOB"}
	for a, typ := range types {
		if _, err := db.ExecContext(ctx, "CREATE TABLE "+quote("t_"+typ)+" (v "+typ+")"); err != nil {
			t.Fatal(err)
		}
		for _, v := range values {
			if _, err := db.ExecContext(ctx, "INSERT INTO "+quote("t_"+typ)+" VALUES ("+v+")"); err != nil {
				t.Fatal(err)
			}
		}
		rows, err := db.QueryContext(ctx, "SELECT quote(v), typeof(v) FROM "+quote("t_"+typ)+" ORDER BY rowid")
		if err != nil {
			t.Fatal(err)
		}
		var want [][2]string
		for rows.Next() {
			var w [2]string
			if err := rows.Scan(&w[0], &w[1]); err != nil {
				t.Fatal(err)
			}
			want = append(want, w)
		}
		rows.Close()
		for i, w := range want {
			var got, gotType string
			e := stored(a, "x")
			if err := db.QueryRowContext(ctx, "SELECT quote("+e+"), typeof("+e+") FROM (SELECT "+values[i]+" AS x)").Scan(&got, &gotType); err != nil {
				t.Fatal(err)
			}
			if got != w[0] || gotType != w[1] {
				t.Errorf("%s stored as %s: SQLite stores %s (%s), stored() gives %s (%s)", values[i], typ, w[0], w[1], got, gotType)
			}
		}
	}
}

func TestNarrowCheck(t *testing.T) {
	db := openMemory(t)
	ctx := context.Background()
	if _, err := db.ExecContext(ctx, `CREATE TABLE "t" ("id" INTEGER PRIMARY KEY, "c" TEXT)`); err != nil {
		t.Fatal(err)
	}
	from := &schema.Table{Name: "t", Columns: []*schema.Column{{Name: "c", Type: "TEXT"}}}
	to := &schema.Table{Name: "t", Columns: []*schema.Column{{Name: "c", Type: "INTEGER"}}}
	mc := &diff.ModifyColumn{From: from.Columns[0], To: to.Columns[0], What: diff.ChangeType}
	check := narrowCheck(&diff.ModifyTable{From: from, To: to}, mc)
	for _, v := range []string{"'7'", "'-12'", "'abc'", "NULL"} {
		if _, err := db.ExecContext(ctx, `INSERT INTO "t" ("c") VALUES (`+v+`)`); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := db.ExecContext(ctx, check); err != nil {
		t.Fatalf("values that survive TEXT → INTEGER: %v", err)
	}
	if _, err := db.ExecContext(ctx, `INSERT INTO "t" ("c") VALUES ('007'), ('1.0'), (' 8'), ('1e3')`); err != nil {
		t.Fatal(err)
	}
	_, err := db.ExecContext(ctx, check)
	if err == nil {
		t.Fatal("check passed with '007', '1.0', ' 8' and '1e3' in a TEXT column becoming INTEGER")
	}
	for _, want := range []string{`retort: 4 row(s) of t would lose data in column c changed from TEXT to INTEGER; e.g. "007", "1.0", " 8", "1e3"`} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not say %q", err, want)
		}
	}
}
