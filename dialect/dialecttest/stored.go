package dialecttest

import (
	"bytes"
	"encoding/json"
	"fmt"

	"github.com/retortdb/retort/schema"
)

// Stored is the form in which a case keeps an inspected schema (its
// from.json and to.json sections): the schema as the engine inspected it,
// with what schema.Schema's own JSON leaves out and planning needs: the
// engine's case rules and the rename hints of the file it was loaded from.
type Stored struct {
	Case    schema.CaseRules `json:"case"`
	Renames []schema.Rename  `json:"renames,omitempty"`
	Schema  *schema.Schema   `json:"schema"`
}

// EncodeSchema returns s as a stored JSON document: indented, fields in
// the model's order, ending in a newline. The same schema always gives the
// same text, so a stored copy can be compared with a fresh inspection.
func EncodeSchema(s *schema.Schema) (string, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	if err := enc.Encode(Stored{Case: s.Case, Renames: s.Renames, Schema: s}); err != nil {
		return "", fmt.Errorf("dialecttest: encode schema: %w", err)
	}
	return b.String(), nil
}

// DecodeSchema reads a document written by EncodeSchema back into the
// schema, with its case rules set on it and its tables and its rename
// hints restored. Unknown fields are an error: a document written by a
// newer model is not read half.
func DecodeSchema(doc string) (*schema.Schema, error) {
	dec := json.NewDecoder(bytes.NewReader([]byte(doc)))
	dec.DisallowUnknownFields()
	var st Stored
	if err := dec.Decode(&st); err != nil {
		return nil, fmt.Errorf("dialecttest: decode schema: %w", err)
	}
	if st.Schema == nil {
		return nil, fmt.Errorf("dialecttest: decode schema: no \"schema\"")
	}
	st.Schema.SetCase(st.Case)
	st.Schema.Renames = st.Renames
	return st.Schema, nil
}
