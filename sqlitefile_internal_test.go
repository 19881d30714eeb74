package retort

import (
	"os"
	"path/filepath"
	"slices"
	"testing"
)

func TestSimilarFiles(t *testing.T) {
	dir := t.TempDir()
	for _, name := range []string{"app.db", "app.sqlite", "apps.db", "application.db", "notes.txt", "zzz.db"} {
		if err := os.WriteFile(filepath.Join(dir, name), nil, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	tests := []struct {
		name, missing string
		want          []string
	}{
		{"one letter off", "apq.db", []string{"app.db", "app.sqlite", "apps.db"}},
		{"same stem, other extension", "app.sqlite3", []string{"app.db", "app.sqlite", "apps.db"}},
		{"longer name, two letters off", "applicaton.db", []string{"application.db"}},
		{"nothing alike", "inventory.db", nil},
		{"not database files", "notes.db", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := similarFiles(filepath.Join(dir, tt.missing)); !slices.Equal(got, tt.want) {
				t.Errorf("similarFiles(%s) = %v, want %v", tt.missing, got, tt.want)
			}
		})
	}
}
