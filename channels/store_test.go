package channels

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// sqlText is how a statement of SQL starts.
var sqlText = regexp.MustCompile(`^\s*(SELECT|INSERT|UPDATE|DELETE|WITH|CREATE|ALTER|DROP|PRAGMA)\b`)

// TestStore_HoldsAllSQL keeps the seam between rules and storage: outside
// the store (store_*.go) no file of the core or its realtime gateway holds
// SQL text or runs a statement itself, so that another database is another
// store and nothing else.
func TestStore_HoldsAllSQL(t *testing.T) {
	// Not Query: gin's Context.Query reads a URL parameter.
	runs := map[string]bool{"Exec": true, "QueryRow": true, "QueryContext": true,
		"QueryRowContext": true, "ExecContext": true, "ReadRow": true, "BeginTx": true}
	for _, dir := range []string{".", "realtime"} {
		files, err := os.ReadDir(dir)
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range files {
			name := f.Name()
			if !strings.HasSuffix(name, ".go") || strings.HasSuffix(name, "_test.go") || strings.HasPrefix(name, "store") {
				continue
			}
			path := filepath.Join(dir, name)
			parsed, err := parser.ParseFile(token.NewFileSet(), path, nil, 0)
			if err != nil {
				t.Fatal(err)
			}
			ast.Inspect(parsed, func(n ast.Node) bool {
				switch n := n.(type) {
				case *ast.BasicLit:
					if n.Kind == token.STRING && sqlText.MatchString(strings.Trim(n.Value, "`\"")) {
						t.Errorf("%s holds SQL (%.40s…): it belongs in the store", path, n.Value)
					}
				case *ast.SelectorExpr:
					if runs[n.Sel.Name] {
						t.Errorf("%s calls %s itself: statements run in the store", path, n.Sel.Name)
					}
				}
				return true
			})
		}
	}
}
