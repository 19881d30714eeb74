package migrate

import (
	"errors"
	"io/fs"
	"path"
	"strings"
)

// ReadDir parses every "*.sql" file directly in dir of fsys (os.DirFS,
// embed.FS, fstest.MapFS, …), in name order. Subdirectories and names that
// start with "." (editor backup and lock files) are skipped. Every file is
// read and parsed before ReadDir returns: problems in several files are
// returned together (errors.Join), each a *ParseError whose File is the
// file's path in fsys (dir joined with its name). A directory without
// migrations gives no files and no error. opts are passed to Parse
// (WithEngine: the engine whose rules split the statements).
func ReadDir(fsys fs.FS, dir string, opts ...ParseOption) ([]*File, error) {
	entries, err := fs.ReadDir(fsys, dir)
	if err != nil {
		return nil, err
	}
	var (
		files []*File
		errs  []error
	)
	for _, e := range entries { // fs.ReadDir sorts by name
		name := e.Name()
		if e.IsDir() || !strings.HasSuffix(name, ".sql") || strings.HasPrefix(name, ".") {
			continue
		}
		p := path.Join(dir, name)
		src, err := fs.ReadFile(fsys, p)
		if err != nil {
			return nil, err
		}
		f, err := Parse(name, src, opts...)
		if err != nil {
			var pe *ParseError
			if errors.As(err, &pe) {
				pe.File = p
			}
			errs = append(errs, err)
			continue
		}
		files = append(files, f)
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return files, nil
}
