package retort

import (
	"fmt"
	"strings"

	"github.com/retortdb/retort/diff"
	"github.com/retortdb/retort/internal/renamehint"
	"github.com/retortdb/retort/schema"
)

// WithAssumeRenames makes Autogenerate write the renames it guesses (see
// RenameGuessError) instead of refusing: each guessed drop and add becomes
// a rename.
func WithAssumeRenames() Option {
	return option("WithAssumeRenames", inAutogenerate, func(c *config) error { c.assumeRenames = true; return nil })
}

// WithoutRenameGuess makes Autogenerate write a drop and an add that look
// like a rename as they are (as "-- retort:not-renamed-from old" does for
// one object).
func WithoutRenameGuess() Option {
	return option("WithoutRenameGuess", inAutogenerate, func(c *config) error { c.noRenameGuess = true; return nil })
}

// RenameGuess is a drop and an add that look like a rename, with where the
// hint goes: File and Line of the object in the desired schema (0 when
// unknown) and the text of that line.
type RenameGuess struct {
	diff.Guess
	File string
	Line int
	Text string
}

// RenameGuessError is returned by Autogenerate when the change drops a
// column (or table) and adds one that looks like it renamed: it writes
// nothing, so that the user says which it is — a hint in the desired
// schema ("-- retort:renamed-from old" or "-- retort:not-renamed-from
// old"), WithAssumeRenames or WithoutRenameGuess.
type RenameGuessError struct {
	Guesses []RenameGuess
}

func (e *RenameGuessError) Error() string {
	var b strings.Builder
	b.WriteString("this change drops and adds what looks like a rename; say which it is (or use --assume-renames / --no-rename-guess):")
	for _, g := range e.Guesses {
		what := fmt.Sprintf("column %s.%s", g.Table, g.To)
		if g.Kind == schema.RenameTable {
			what = "table " + g.To
		}
		fmt.Fprintf(&b, "\n  %s looks renamed from %s", what, g.From)
		if g.Line > 0 {
			fmt.Fprintf(&b, "; add to %s:%d:\n    %s %s", g.File, g.Line, g.Text, g.Hint())
		} else {
			fmt.Fprintf(&b, "; add %q to the line of %s", g.Hint(), what)
		}
		fmt.Fprintf(&b, "\n    (or \"-- retort:not-renamed-from %s\" if %s is new and %s goes away)", g.From, g.To, g.From)
	}
	return b.String()
}

// Locate fills in where each guess's hint goes in the desired schema's SQL
// src, read from file (the file name messages show) for engine: the
// guess's File, Line and Text (the line that defines the object), so that
// the message shows the line to write. Guesses src does not define are
// left as they are.
func (e *RenameGuessError) Locate(file, src, engine string) {
	for i, g := range e.Guesses {
		line, text := renamehint.Locate(src, engine, g.Kind, g.Table, g.To)
		if line > 0 {
			e.Guesses[i].File, e.Guesses[i].Line, e.Guesses[i].Text = file, line, text
		}
	}
}

// guessRenames returns the renames up's changes look like, given the
// options; with WithAssumeRenames it adds them to desired's hints instead
// and reports none.
func guessRenames(cfg *config, up *Plan, desired *schema.Schema) (*schema.Schema, []RenameGuess) {
	if cfg.noRenameGuess {
		return desired, nil
	}
	guesses := diff.GuessRenames(up.Changes, desired)
	if len(guesses) == 0 {
		return desired, nil
	}
	if cfg.assumeRenames {
		d := *desired
		d.Renames = append([]schema.Rename(nil), desired.Renames...)
		for _, g := range guesses {
			d.Renames = append(d.Renames, schema.Rename{Kind: g.Kind, Table: g.Table, From: g.From, To: g.To, File: "--assume-renames"})
		}
		return &d, nil
	}
	out := make([]RenameGuess, len(guesses))
	for i, g := range guesses {
		out[i] = RenameGuess{Guess: g}
	}
	return desired, out
}

// renameAdvice returns the lines that tell how to plan guesses as renames,
// or "" for none.
func renameAdvice(guesses []diff.Guess) string {
	var b strings.Builder
	for _, g := range guesses {
		what := fmt.Sprintf("column %s.%s", g.Table, g.To)
		if g.Kind == schema.RenameTable {
			what = "table " + g.To
		}
		fmt.Fprintf(&b, "\n%s looks renamed from %s: to keep its data, add %q to its line in the schema", what, g.From, g.Hint())
	}
	return b.String()
}
