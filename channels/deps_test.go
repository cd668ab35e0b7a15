package channels

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// TestDependencyRule keeps the design's arrows: each package (its non-test
// files) imports only the Parley packages listed for it. The core imports
// only its SQLite leaf, which imports nothing of ours; nothing imports bots;
// ui imports nothing. cmd/parley wires everything and is not listed; the
// benchmark suite under it reaches the workspace only through the services.
func TestDependencyRule(t *testing.T) {
	const mod = "github.com/parley-chat/parley/"
	allowed := map[string][]string{
		"channels":          {"channels/sqlite"},
		"channels/sqlite":   {},
		"channels/realtime": {"channels"},
		// Slack's ids, ts and shapes, written once for every surface.
		"channels/slackwire": {"channels"},
		// Test support for the packages built on the core; only tests import it.
		"channels/channelstest": {"channels", "channels/sqlite"},
		"search":                {"channels", "channels/sqlite"},
		"webhooks":              {"channels", "channels/sqlite", "channels/slackwire"},
		"bots":                  {"channels", "channels/sqlite", "channels/slackwire", "webhooks"},
		"ui":                    {},
		// The benchmark suite seeds through the services, never their tables.
		"cmd/parley/bench": {"channels", "channels/realtime", "bots", "webhooks", "search"},
	}
	fset := token.NewFileSet()
	for pkg, may := range allowed {
		dir := filepath.Join("..", filepath.FromSlash(pkg))
		files, err := os.ReadDir(dir)
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range files {
			if !strings.HasSuffix(f.Name(), ".go") || strings.HasSuffix(f.Name(), "_test.go") {
				continue
			}
			parsed, err := parser.ParseFile(fset, filepath.Join(dir, f.Name()), nil, parser.ImportsOnly)
			if err != nil {
				t.Fatal(err)
			}
			for _, imp := range parsed.Imports {
				path := strings.Trim(imp.Path.Value, `"`)
				if dep, ours := strings.CutPrefix(path, mod); ours && !slices.Contains(may, dep) {
					t.Errorf("%s/%s imports %s: %s may import only %v of Parley's packages", pkg, f.Name(), dep, pkg, may)
				}
			}
		}
	}
}

// TestTablesStayHome keeps the other half of the rule: a package reaches
// the core's data through its Go API, never its tables, so no statement
// outside the core names one of them. (A package's own migrations may
// move data over once; they are SQL files, not Go.)
func TestTablesStayHome(t *testing.T) {
	core := regexp.MustCompile(`(?i)\b(FROM|JOIN|INTO|UPDATE)\s+(users|tokens|invites|channels|members|messages|mentions|reactions|idempotency_keys|files|message_files|events)\b`)
	fset := token.NewFileSet()
	for _, pkg := range []string{"bots", "webhooks", "search", "channels/realtime", "cmd/parley", "cmd/parley/bench"} {
		dir := filepath.Join("..", filepath.FromSlash(pkg))
		files, err := os.ReadDir(dir)
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range files {
			if !strings.HasSuffix(f.Name(), ".go") || strings.HasSuffix(f.Name(), "_test.go") {
				continue
			}
			parsed, err := parser.ParseFile(fset, filepath.Join(dir, f.Name()), nil, 0)
			if err != nil {
				t.Fatal(err)
			}
			ast.Inspect(parsed, func(n ast.Node) bool {
				if lit, ok := n.(*ast.BasicLit); ok && lit.Kind == token.STRING {
					if m := core.FindString(lit.Value); m != "" {
						t.Errorf("%s/%s runs SQL on the core's tables (%q): go through the channels service", pkg, f.Name(), m)
					}
				}
				return true
			})
		}
	}
}
