package migrate

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"strings"

	"github.com/retortdb/retort/internal/sqlsplit"
	"github.com/retortdb/retort/internal/sqltok"
)

// checksumV2 prefixes the checksums Checksum computes. A checksum without a
// prefix is the version-1 form: the hex SHA-256 of the file's bytes, which
// retort before version 2 recorded.
const checksumV2 = "v2:"

// Checksum returns the checksum of a migration file's contents: "v2:" and
// the unpadded base64url SHA-256 (46 characters in all) of its significant tokens and its directive comments
// ("-- migrate:…", "-- retort:…" except "-- retort:nolint", "-- retort: destructive"), so that an
// edit of plain comments or white space between tokens does not change it
// and any edit of a statement or a directive does. Text inside strings and
// quoted identifiers counts exactly.
//
// Checksum lexes by the rules SQLite and PostgreSQL share; Parse and
// NewFile use the rules of the file's engine (WithEngine), so that, say, a
// MySQL "#" comment is a comment there.
func Checksum(src []byte) string { return checksumFor(src, "") }

// checksumFor is Checksum with the lexical rules of engine.
func checksumFor(src []byte, engine string) string {
	h := sha256.New()
	text := strings.TrimPrefix(string(src), "\ufeff")
	for _, t := range sqltok.Tokenize(text, sqlsplit.LexOptions(engine)) {
		switch t.Kind {
		case sqltok.Space:
			continue
		case sqltok.Comment:
			d, ok := directiveText(t.Text)
			if !ok {
				continue
			}
			h.Write([]byte("--"))
			h.Write([]byte(d))
		default:
			h.Write([]byte{byte(t.Kind)})
			h.Write([]byte(t.Text))
		}
		h.Write([]byte{0})
	}
	// Base64 keeps it within the version table's VARCHAR(64) column.
	return checksumV2 + base64.RawURLEncoding.EncodeToString(h.Sum(nil))
}

// directiveText returns a directive comment's text with its runs of white
// space made single spaces, and ok false for a plain comment.
func directiveText(comment string) (string, bool) {
	if !strings.HasPrefix(comment, "--") {
		return "", false
	}
	body := strings.Join(strings.Fields(comment[2:]), " ")
	lower := strings.ToLower(body)
	if !strings.HasPrefix(lower, "retort:") && !strings.HasPrefix(lower, "migrate:") {
		return "", false
	}
	// "-- retort:nolint" speaks to retort lint only: adding one to an
	// applied migration is not an edit.
	if f := strings.Fields(lower); f[0] == kwNolint {
		return "", false
	}
	return body, true
}

// legacyChecksum is the version-1 checksum of src: the hex SHA-256 of its
// bytes.
func legacyChecksum(src []byte) string {
	sum := sha256.Sum256(src)
	return hex.EncodeToString(sum[:])
}

// ChecksumMatches reports whether recorded, a checksum from the version
// table, is that of f as it is now: its current checksum, or the version-1
// checksum of the same bytes (recorded by retort before version 2).
// Outdated reports the second case, in which the record should be rewritten
// with f.Checksum.
func ChecksumMatches(recorded string, f *File) (ok, outdated bool) {
	switch {
	case recorded == f.Checksum:
		return true, false
	case f.legacy != "" && recorded == f.legacy:
		return true, true
	}
	return false, false
}
