package cli

import (
	"os"
	"path/filepath"
	"testing"
)

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
