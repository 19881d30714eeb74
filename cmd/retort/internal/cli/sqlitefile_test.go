package cli

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

func TestFindUpStopsAtTheWorkTree(t *testing.T) {
	top := t.TempDir()
	repo := filepath.Join(top, "repo")
	deep := filepath.Join(repo, "a", "b")
	if err := os.MkdirAll(filepath.Join(repo, ".git"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(deep, 0o755); err != nil {
		t.Fatal(err)
	}
	// A retort.toml above the work tree is not found.
	if err := os.WriteFile(filepath.Join(top, "retort.toml"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if got, want := findUp(deep, "retort.toml"), filepath.Join(deep, "retort.toml"); got != want {
		t.Errorf("findUp above the work tree = %s, want %s (not found)", got, want)
	}
	if err := os.WriteFile(filepath.Join(repo, "a", "retort.toml"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if got, want := findUp(deep, "retort.toml"), filepath.Join(repo, "a", "retort.toml"); got != want {
		t.Errorf("findUp = %s, want %s", got, want)
	}
}
