package migrate

import (
	"crypto/sha256"
	"encoding/json"
	"sync"

	"github.com/retortdb/retort/schema"
)

// Rehearsals remembers the rehearsals that passed (see Runner.Rehearse), so
// that a database whose schema and pending statements are those of one
// already rehearsed (the tenants of a fleet, all alike) is not rehearsed
// again: the same statements on a copy of the same schema, on the same
// server, would give the same result. The schema's name (a MySQL
// database's) is not part of the comparison. Share one only between the
// databases of one server. The zero value is ready to use; it is safe for
// concurrent use.
type Rehearsals struct {
	mu     sync.Mutex
	passed map[[sha256.Size]byte]bool
}

// key identifies a rehearsal: the schema without its name, and the
// statements.
func (c *Rehearsals) key(live *schema.Schema, stmts []string) ([sha256.Size]byte, bool) {
	s := *live
	s.Name = ""
	data, err := json.Marshal(struct {
		Schema *schema.Schema
		Stmts  []string
	}{&s, stmts})
	if err != nil {
		return [sha256.Size]byte{}, false
	}
	return sha256.Sum256(data), true
}

// done reports whether the rehearsal of k passed before.
func (c *Rehearsals) done(k [sha256.Size]byte) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.passed[k]
}

// pass records that the rehearsal of k passed.
func (c *Rehearsals) pass(k [sha256.Size]byte) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.passed == nil {
		c.passed = map[[sha256.Size]byte]bool{}
	}
	c.passed[k] = true
}
