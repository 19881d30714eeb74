package retort_test

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// Limits every function of the module's non-test Go code keeps to (the
// project's rule: no function over ~120 lines or cyclomatic complexity
// ~40), so that the code stays easy to change.
const (
	maxFuncLines = 120
	maxFuncCyclo = 40
)

// funcSizeAllowed lists the functions over the limits on purpose, keyed
// "path/from/root.go Func" (methods as "(*T).M"). The test fails for an
// entry that is within the limits again, so that the list only shrinks.
var funcSizeAllowed = map[string]string{
	// Lexers: one loop over the input with a case per kind of token reads
	// best as one function.
	"internal/sqltok/sqltok.go lexOne":    "lexer",
	"internal/sqlsplit/mysql.go MySQL":    "lexer (statement splitter)",
	"internal/sqlsplit/sqlsplit.go Split": "lexer (statement splitter)",
	// Statement classifiers: a switch over the leading keywords, one case
	// per statement kind; a table of cases, not logic.
	"dialect/mysql/screen.go lead":            "token-switch table",
	"dialect/postgres/screen.go classifyLead": "token-switch table",
	"dialect/postgres/screen.go refusedLead":  "token-switch table",
}

// TestFunctionSizes walks the module's non-test Go files (not the
// separate modules under it, nor testdata) and fails for every function
// over maxFuncLines lines or maxFuncCyclo cyclomatic complexity that
// funcSizeAllowed does not list.
func TestFunctionSizes(t *testing.T) {
	seen := map[string]bool{}
	err := filepath.WalkDir(".", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if path != "." && (d.Name() == "testdata" || strings.HasPrefix(d.Name(), ".") || hasGoMod(path)) {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		src, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		over, err := oversized(filepath.ToSlash(path), src)
		if err != nil {
			return err
		}
		for _, f := range over {
			seen[f.key] = true
			if _, ok := funcSizeAllowed[f.key]; !ok {
				t.Errorf("%s: %s is %d lines, cyclomatic complexity %d (limits %d and %d): split it into smaller functions",
					f.pos, f.key, f.lines, f.cyclo, maxFuncLines, maxFuncCyclo)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for key, why := range funcSizeAllowed {
		if !seen[key] {
			t.Errorf("funcSizeAllowed: %s (%s) is within the limits now, or gone: remove its entry", key, why)
		}
	}
}

func hasGoMod(dir string) bool {
	_, err := os.Stat(filepath.Join(dir, "go.mod"))
	return err == nil
}

// TestFunctionSizeCheck checks the check itself on made-up functions.
func TestFunctionSizeCheck(t *testing.T) {
	long := "package p\n\nfunc long() {\n" + strings.Repeat("\tprintln()\n", 200) + "}\n"
	branchy := "package p\n\nfunc branchy(x int) {\n" + strings.Repeat("\tif x > 0 && x < 9 {\n\t\tprintln()\n\t}\n", 25) + "}\n"
	small := "package p\n\ntype T struct{}\n\nfunc (*T) small(x int) int {\n\tif x > 0 {\n\t\treturn 1\n\t}\n\treturn 0\n}\n"
	tests := []struct {
		name string
		src  string
		want []string
	}{
		{"a 200-line function is over", long, []string{"p.go long 201 1"}},
		{"50 conditions are over", branchy, []string{"p.go branchy 76 51"}},
		{"a small method is within", small, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			over, err := oversized("p.go", []byte(tt.src))
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, f := range over {
				got = append(got, fmt.Sprintf("%s %d %d", f.key, f.lines, f.cyclo))
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

type funcSize struct {
	key, pos     string
	lines, cyclo int
}

// oversized returns the functions of the Go file path (src) over the
// limits. Lines count from the func keyword to the closing brace.
func oversized(path string, src []byte) ([]funcSize, error) {
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, path, src, 0)
	if err != nil {
		return nil, err
	}
	var out []funcSize
	for _, d := range f.Decls {
		fd, ok := d.(*ast.FuncDecl)
		if !ok || fd.Body == nil {
			continue
		}
		start := fset.Position(fd.Pos())
		lines := fset.Position(fd.End()).Line - start.Line
		c := cyclomatic(fd)
		if lines > maxFuncLines || c > maxFuncCyclo {
			out = append(out, funcSize{key: path + " " + funcName(fd), pos: start.String(), lines: lines, cyclo: c})
		}
	}
	return out, nil
}

// funcName returns F, or (*T).M / (T).M for a method.
func funcName(fd *ast.FuncDecl) string {
	if fd.Recv == nil || len(fd.Recv.List) == 0 {
		return fd.Name.Name
	}
	typ := fd.Recv.List[0].Type
	star := ""
	if s, ok := typ.(*ast.StarExpr); ok {
		star, typ = "*", s.X
	}
	if ix, ok := typ.(*ast.IndexExpr); ok {
		typ = ix.X
	}
	if ix, ok := typ.(*ast.IndexListExpr); ok {
		typ = ix.X
	}
	name := "?"
	if id, ok := typ.(*ast.Ident); ok {
		name = id.Name
	}
	return "(" + star + name + ")." + fd.Name.Name
}

// cyclomatic returns 1 + the number of decisions in n: if, for, range,
// each non-default case and select clause, each && and ||.
func cyclomatic(n ast.Node) int {
	c := 1
	ast.Inspect(n, func(n ast.Node) bool {
		switch x := n.(type) {
		case *ast.IfStmt, *ast.ForStmt, *ast.RangeStmt:
			c++
		case *ast.CaseClause:
			if x.List != nil {
				c++
			}
		case *ast.CommClause:
			if x.Comm != nil {
				c++
			}
		case *ast.BinaryExpr:
			if x.Op == token.LAND || x.Op == token.LOR {
				c++
			}
		}
		return true
	})
	return c
}
