package channels

import (
	"errors"
	"fmt"
	"net/http"
)

// The errors callers branch on. Wrap them with context (%w); Error maps them
// to HTTP statuses and stable codes in one place.
var (
	ErrNotFound        = errors.New("not found")
	ErrForbidden       = errors.New("forbidden")
	ErrUnauthenticated = errors.New("unauthenticated")
	ErrConflict        = errors.New("conflict")
	ErrRateLimited     = errors.New("rate limited")
	ErrTooLarge        = errors.New("too large")
	ErrGone            = errors.New("gone")
	// ErrUnavailable is a dependency that is down for now (a search
	// backend): 503, worth retrying later.
	ErrUnavailable = errors.New("unavailable")
)

// Error is a client-safe error: a stable machine code, a sentence safe to
// show, and the sentinel it belongs to (which decides the HTTP status).
type Error struct {
	Kind    error
	Code    string
	Message string
	Field   string
}

func (e *Error) Error() string { return e.Message }
func (e *Error) Unwrap() error { return e.Kind }

// InputError reports invalid input in a field; it maps to 400.
type InputError struct {
	Code    string
	Field   string
	Message string
}

func (e *InputError) Error() string { return e.Message }

// Invalid returns an InputError for field.
func Invalid(code, field, format string, args ...any) error {
	return &InputError{Code: code, Field: field, Message: fmt.Sprintf(format, args...)}
}

// newErr builds an *Error of the given kind.
func newErr(kind error, code, message string) error {
	return &Error{Kind: kind, Code: code, Message: message}
}

// NotFound is the 404 for a resource the caller cannot see.
func NotFound(what string) error {
	return newErr(ErrNotFound, what+"_not_found", what+" not found")
}

// Unavailable is the 503 for a dependency that is down for now.
func Unavailable(code, message string) error {
	return newErr(ErrUnavailable, code, message)
}

// Forbidden is the 403 for a known resource the caller may not change.
func Forbidden(code, message string) error {
	return newErr(ErrForbidden, code, message)
}

// RateLimited is the 429 for a caller over a limit.
func RateLimited(code, message string) error {
	return newErr(ErrRateLimited, code, message)
}

// Conflict is the 409 for a clash with existing state.
func Conflict(code, message string) error {
	return newErr(ErrConflict, code, message)
}

// HTTPError is what an API response says about err.
type HTTPError struct {
	Status  int    `json:"-"`
	Code    string `json:"code"`
	Message string `json:"message"`
	Field   string `json:"field,omitempty"`
}

// ToHTTP maps err to a status, a stable code and a safe message. Anything
// unrecognised is a 500 whose details stay in the log.
func ToHTTP(err error) HTTPError {
	var in *InputError
	if errors.As(err, &in) {
		return HTTPError{Status: http.StatusBadRequest, Code: in.Code, Message: in.Message, Field: in.Field}
	}
	var rl *RateLimitError
	if errors.As(err, &rl) {
		return HTTPError{Status: http.StatusTooManyRequests, Code: "rate_limited", Message: "too many posts to this channel; retry later"}
	}
	var e *Error
	if errors.As(err, &e) {
		return HTTPError{Status: statusOf(e.Kind), Code: e.Code, Message: e.Message, Field: e.Field}
	}
	for _, k := range []struct {
		err  error
		code string
	}{
		{ErrNotFound, "not_found"}, {ErrForbidden, "forbidden"}, {ErrUnauthenticated, "unauthenticated"},
		{ErrConflict, "conflict"}, {ErrRateLimited, "rate_limited"}, {ErrTooLarge, "too_large"},
	} {
		if errors.Is(err, k.err) {
			return HTTPError{Status: statusOf(k.err), Code: k.code, Message: k.err.Error()}
		}
	}
	return HTTPError{Status: http.StatusInternalServerError, Code: "internal_error", Message: "internal server error"}
}

func statusOf(kind error) int {
	switch kind {
	case ErrNotFound:
		return http.StatusNotFound
	case ErrForbidden:
		return http.StatusForbidden
	case ErrUnauthenticated:
		return http.StatusUnauthorized
	case ErrConflict:
		return http.StatusConflict
	case ErrRateLimited:
		return http.StatusTooManyRequests
	case ErrTooLarge:
		return http.StatusRequestEntityTooLarge
	case ErrGone:
		return http.StatusGone
	case ErrUnavailable:
		return http.StatusServiceUnavailable
	}
	return http.StatusInternalServerError
}
