package search

import "fmt"

// Parsed is a query as typed, before names are resolved to ids: its terms
// and operators. Parse builds it.
type Parsed struct {
	Terms []Term
	// From: from:@username (or from:username); "me" stays "me".
	From []string
	// InChannels: in:#name; InDMs: in:@username (the DM with that person).
	InChannels []string
	InDMs      []string
	// Before (exclusive) and After (inclusive), unix ms, 0 when absent,
	// from before:/after:/on:/during: (dates are UTC).
	Before, After int64
	HasLink       bool
	HasFile       bool
	HasReaction   bool
	IsThread      bool
	IsBot         bool
}

// ParseError is a malformed query: which part is wrong and why.
type ParseError struct {
	Part   string // the offending token as typed, e.g. "before:2024-13-01"
	Reason string
}

func (e *ParseError) Error() string { return fmt.Sprintf("%s: %s", e.Part, e.Reason) }
