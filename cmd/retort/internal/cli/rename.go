package cli

import (
	"errors"

	"github.com/retortdb/retort"
)

// locateGuesses fills in where each guessed rename's hint goes in the
// schema file (file, line and the line's text), so that the message shows
// the line to write.
func locateGuesses(err error, file, src, engine string) error {
	var ge *retort.RenameGuessError
	if errors.As(err, &ge) {
		ge.Locate(file, src, engine)
	}
	return err
}
