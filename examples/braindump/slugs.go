package main

import (
	"context"
	"strings"
	"unicode"

	"github.com/retortdb/retort/dialect"
	"github.com/retortdb/retort/migrate"
)

// backfillSlugs is a Go migration: it gives every note written before
// notes had slugs the slug of its title. Its placeholder is
// migrations/20261201120000_backfill_note_slugs.sql; change Version (there
// too) when the backfill changes in a way that matters.
var backfillSlugs = migrate.GoMigration{
	Revision: "20261201120000",
	Version:  "1",
	Up: func(ctx context.Context, tx dialect.Querier) error {
		rows, err := tx.QueryContext(ctx, `SELECT id, title FROM notes WHERE slug = ''`)
		if err != nil {
			return err
		}
		titles := map[int64]string{}
		for rows.Next() {
			var id int64
			var title string
			if err := rows.Scan(&id, &title); err != nil {
				rows.Close()
				return err
			}
			titles[id] = title
		}
		if err := rows.Close(); err != nil {
			return err
		}
		for id, title := range titles {
			if _, err := tx.ExecContext(ctx, `UPDATE notes SET slug = ? WHERE id = ?`, slug(title), id); err != nil {
				return err
			}
		}
		return nil
	},
	Down: func(ctx context.Context, tx dialect.Querier) error {
		_, err := tx.ExecContext(ctx, `UPDATE notes SET slug = ''`)
		return err
	},
}

// slug turns a title into the part of a note's URL: letters and digits of
// any script, lower-cased, every run of anything else one "-". SQL has no
// portable way to say this, hence a Go migration.
func slug(title string) string {
	return strings.Join(strings.FieldsFunc(strings.ToLower(title), func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r)
	}), "-")
}
