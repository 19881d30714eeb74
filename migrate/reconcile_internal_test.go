package migrate

import (
	"context"
	"database/sql/driver"
	"errors"
	"fmt"
	"testing"

	"github.com/retortdb/retort/diff"
	"github.com/retortdb/retort/schema"
)

func TestUnknownOutcome(t *testing.T) {
	cancelled, cancel := context.WithCancel(context.Background())
	cancel()
	tests := []struct {
		name string
		ctx  context.Context
		err  error
		want bool
	}{
		{"server error", context.Background(), errors.New("Error 1060 (42S21): Duplicate column name 'c'"), false},
		{"context cancelled", cancelled, errors.New("some error"), true},
		{"wrapped context error", context.Background(), fmt.Errorf("x: %w", context.Canceled), true},
		{"bad connection", context.Background(), fmt.Errorf("x: %w", driver.ErrBadConn), true},
		{"go-sql-driver invalid connection", context.Background(), errors.New("invalid connection"), true},
		{"server gone away", context.Background(), errors.New("Error 2006: MySQL server has gone away"), true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := unknownOutcome(tt.ctx, tt.err); got != tt.want {
				t.Errorf("unknownOutcome(%v) = %v, want %v", tt.err, got, tt.want)
			}
		})
	}
}

func TestDuplicates(t *testing.T) {
	ix := &schema.Index{Name: "c", Parts: []schema.IndexPart{{Column: "c"}}}
	fk := &schema.ForeignKey{Name: "t_ibfk_1", Columns: []string{"p"}, RefTable: "p", RefColumns: []string{"id"}}
	from := &schema.Table{Name: "t", Indexes: []*schema.Index{ix}, ForeignKeys: []*schema.ForeignKey{fk}}
	mod := func(cs ...diff.Change) []diff.Change {
		return []diff.Change{&diff.ModifyTable{From: from, Changes: cs}}
	}
	tests := []struct {
		name    string
		changes []diff.Change
		want    bool
	}{
		{"index again under another name", mod(&diff.AddIndex{I: &schema.Index{Name: "c_2", Parts: ix.Parts}}), true},
		{"foreign key again under another name", mod(&diff.AddForeignKey{FK: &schema.ForeignKey{Name: "t_ibfk_2", Columns: fk.Columns, RefTable: "p", RefColumns: fk.RefColumns}}), true},
		{"unique index on the same column is new", mod(&diff.AddIndex{I: &schema.Index{Name: "u", Unique: true, Parts: ix.Parts}}), false},
		{"foreign key with another action is new", mod(&diff.AddForeignKey{FK: &schema.ForeignKey{Name: "x", Columns: fk.Columns, RefTable: "p", RefColumns: fk.RefColumns, OnDelete: schema.Cascade}}), false},
		{"a column is new", mod(&diff.AddColumn{C: &schema.Column{Name: "d"}}), false},
		{"a table is new", []diff.Change{&diff.AddTable{T: &schema.Table{Name: "u"}}}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := duplicates(tt.changes); got != tt.want {
				t.Errorf("duplicates = %v, want %v", got, tt.want)
			}
		})
	}
}
