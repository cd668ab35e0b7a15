package channels

import (
	"go/parser"
	"go/token"
	"os"
	"strings"
	"testing"
)

// TestNoParleyImports keeps the dependency rule: channels is the core that
// bots, search and webhooks build on, so it imports none of them.
func TestNoParleyImports(t *testing.T) {
	files, err := os.ReadDir(".")
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	for _, f := range files {
		if !strings.HasSuffix(f.Name(), ".go") {
			continue
		}
		parsed, err := parser.ParseFile(fset, f.Name(), nil, parser.ImportsOnly)
		if err != nil {
			t.Fatal(err)
		}
		for _, imp := range parsed.Imports {
			if strings.Contains(imp.Path.Value, "github.com/parley-chat/parley/") {
				t.Errorf("%s imports %s: channels must not import other Parley packages", f.Name(), imp.Path.Value)
			}
		}
	}
}
