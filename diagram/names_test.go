package diagram_test

import (
	"bytes"
	"context"
	"encoding/xml"
	"io"
	"testing"

	"github.com/retortdb/retort/diagram"
)

// TestOddNamesAreDrawn lays out tables whose names Graphviz's label
// parser and SVG writer treat specially; SVG's self-check fails when a
// table is not drawn.
func TestOddNamesAreDrawn(t *testing.T) {
	s := load(t, `CREATE TABLE "user-data" (id INTEGER PRIMARY KEY, "it's" TEXT);
CREATE TABLE "naïve ü 表" (id INTEGER PRIMARY KEY, "a--b" TEXT, x INTEGER REFERENCES "user-data"(id));
CREATE TABLE "ctl`+"\x01"+`x" (id INTEGER PRIMARY KEY);
CREATE TABLE "amp&lt;" (id INTEGER PRIMARY KEY, "  " TEXT);
CREATE TABLE "\" (id INTEGER PRIMARY KEY);`)
	g, err := diagram.FromSchema(s, diagram.Options{})
	if err != nil {
		t.Fatal(err)
	}
	svg, err := g.SVG(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	// The SVG is a document of its own: it must be well-formed XML.
	dec := xml.NewDecoder(bytes.NewReader(svg))
	for {
		if _, err := dec.Token(); err == io.EOF {
			break
		} else if err != nil {
			t.Fatalf("SVG is not well-formed XML: %v", err)
		}
	}
}
