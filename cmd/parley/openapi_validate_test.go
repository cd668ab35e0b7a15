package main

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/legacy"
)

// openAPIRouter finds the documented operation of a request; built once.
var openAPIRouter = sync.OnceValues(func() (routers.Router, error) {
	doc, err := loadOpenAPI()
	if err != nil {
		return nil, err
	}
	return legacy.NewRouter(doc)
})

// checkOpenAPI fails the test when a response does not match openapi.yaml:
// an undocumented route or status, a missing header, or a JSON body that
// does not fit its schema. Every /api/v1 route must be documented (the
// catch-all 404 and 405 answers aside); other paths are checked when the
// document has them. Bodies the document does not describe as JSON (file
// downloads) are not inspected.
func checkOpenAPI(t testing.TB, req *http.Request, res *http.Response, body []byte) {
	t.Helper()
	router, err := openAPIRouter()
	if err != nil {
		t.Fatalf("openapi.yaml: %v", err)
		return
	}
	what := req.Method + " " + req.URL.Path
	route, params, err := router.FindRoute(req)
	if err != nil {
		// The catch-all answers of routes.go for unknown paths and methods.
		code := (&response{Body: body}).Error()
		switch {
		case !strings.HasPrefix(req.URL.Path, "/api/v1/"):
		case res.StatusCode == http.StatusNotFound && code == "route_not_found":
		case res.StatusCode == http.StatusMethodNotAllowed && code == "method_not_allowed":
		default:
			t.Errorf("openapi: %s answered %d but is not documented in openapi.yaml: %v", what, res.StatusCode, err)
		}
		return
	}
	opts := &openapi3filter.Options{IncludeResponseStatus: true, MultiError: true}
	if ref := route.Operation.Responses.Status(res.StatusCode); ref != nil && ref.Value != nil &&
		ref.Value.Content["application/json"] == nil {
		opts.ExcludeResponseBody = true
	}
	in := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: &openapi3filter.RequestValidationInput{Request: req, PathParams: params, Route: route},
		Status:                 res.StatusCode,
		Header:                 res.Header,
		Body:                   io.NopCloser(bytes.NewReader(body)),
		Options:                opts,
	}
	if err := openapi3filter.ValidateResponse(context.Background(), in); err != nil {
		t.Errorf("openapi: %s (%s %s) answered %d, which does not match openapi.yaml: %v\nbody: %.2000s",
			what, route.Method, route.Path, res.StatusCode, err, body)
	}
}
