package migrate

import (
	"embed"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"testing"
	"testing/fstest"

	"github.com/google/go-cmp/cmp"
)

//go:embed testdata/dir
var embedded embed.FS

const (
	plainUsers = "-- migrate:up\nCREATE TABLE users (id integer primary key);\n-- migrate:down\nDROP TABLE users;\n"
	notesFile  = "-- retort:revision 20240102000000\n-- retort:parent 20240101000000\n-- retort:message add notes\n-- migrate:up\nCREATE TABLE notes (id integer);\n"
)

// names returns "<name> <revision>" for each file.
func names(files []*File) []string {
	var out []string
	for _, f := range files {
		out = append(out, f.Name+" "+f.Revision)
	}
	return out
}

func TestReadDir(t *testing.T) {
	wantTwo := []string{"20240101000000_create_users.sql 20240101000000", "20240102000000_add_notes.sql 20240102000000"}
	tests := []struct {
		name string
		fsys fs.FS
		dir  string
		want []string
	}{
		{
			name: "map fs sorted by name, skipping other files",
			fsys: fstest.MapFS{
				"migrations/20240102000000_add_notes.sql":    {Data: []byte(notesFile)},
				"migrations/20240101000000_create_users.sql": {Data: []byte(plainUsers)},
				"migrations/README.md":                       {Data: []byte("not a migration")},
				"migrations/old/1_x.sql":                     {Data: []byte("not read: subdirectory")},
				"migrations/.#20240103000000_lock.sql":       {Data: []byte("editor lock file")},
				"20240103000000_outside.sql":                 {Data: []byte("not in the directory")},
			},
			dir:  "migrations",
			want: wantTwo,
		},
		{
			name: "embed fs",
			fsys: embedded,
			dir:  "testdata/dir",
			want: wantTwo,
		},
		{
			name: "empty directory",
			fsys: fstest.MapFS{"migrations": {Mode: fs.ModeDir}},
			dir:  "migrations",
			want: nil,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			files, err := ReadDir(tt.fsys, tt.dir)
			if err != nil {
				t.Fatal(err)
			}
			if d := cmp.Diff(tt.want, names(files)); d != "" {
				t.Errorf("ReadDir mismatch (-want +got):\n%s", d)
			}
		})
	}
}

func TestReadDirOS(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "20240101000000_create_users.sql"), []byte(plainUsers), 0o644); err != nil {
		t.Fatal(err)
	}
	files, err := ReadDir(os.DirFS(dir), ".")
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff([]string{"20240101000000_create_users.sql 20240101000000"}, names(files)); d != "" {
		t.Errorf("ReadDir mismatch (-want +got):\n%s", d)
	}
	if got := files[0].Up.Statements(); len(got) != 1 || got[0].Line != 2 {
		t.Errorf("Up statements = %+v", got)
	}
}

func TestReadDirErrors(t *testing.T) {
	t.Run("every bad file is named with its path", func(t *testing.T) {
		fsys := fstest.MapFS{
			"m/1_a.sql": {Data: []byte("-- migrate:up\nSELECT 1;\n")},
			"m/2_b.sql": {Data: []byte("-- retort:parnet 1\n-- migrate:up\n")},
			"m/3_c.sql": {Data: []byte("-- migrate:up\n-- migrate:up\n")},
		}
		_, err := ReadDir(fsys, "m")
		want := "m/2_b.sql:1: unknown directive \"-- retort:parnet\" (did you mean -- retort:parent?)\n" +
			"m/3_c.sql:2: duplicate -- migrate:up marker (first at line 1)"
		if err == nil || err.Error() != want {
			t.Fatalf("err = %v, want\n%s", err, want)
		}
		var pe *ParseError
		if !errors.As(err, &pe) || pe.File != "m/2_b.sql" || pe.Line != 1 {
			t.Errorf("errors.As(*ParseError) = %+v", pe)
		}
	})
	t.Run("missing directory", func(t *testing.T) {
		_, err := ReadDir(fstest.MapFS{}, "nope")
		if !errors.Is(err, fs.ErrNotExist) {
			t.Fatalf("err = %v, want fs.ErrNotExist", err)
		}
	})
}
