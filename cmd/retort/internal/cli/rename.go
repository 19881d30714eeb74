package cli

import (
	"errors"

	"github.com/retortdb/retort"
	"github.com/retortdb/retort/internal/renamehint"
)

// locateGuesses fills in where each guessed rename's hint goes in the
// schema file (file, line and the line's text), so that the message shows
// the line to write.
func locateGuesses(err error, file, src, engine string) error {
	var ge *retort.RenameGuessError
	if !errors.As(err, &ge) {
		return err
	}
	for i, g := range ge.Guesses {
		line, text := renamehint.Locate(src, engine, g.Kind, g.Table, g.To)
		if line > 0 {
			ge.Guesses[i].File, ge.Guesses[i].Line, ge.Guesses[i].Text = file, line, text
		}
	}
	return err
}
