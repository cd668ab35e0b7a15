package main

import (
	"flag"
	"io"
	"os"
	"strings"
	"testing"
)

// TestREADME_ConfigurationTable keeps the README's configuration table in
// step with the flags: every flag and its environment twin must be listed.
func TestREADME_ConfigurationTable(t *testing.T) {
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	cfg := DefaultConfig()
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	if err := cfg.bindFlags(fs); err != nil {
		t.Fatal(err)
	}
	fs.VisitAll(func(f *flag.Flag) {
		row := "| `--" + f.Name + "` | `" + envName(f.Name) + "` |"
		if !strings.Contains(string(readme), row) {
			t.Errorf("README.md has no configuration row starting %q", row)
		}
	})
}
