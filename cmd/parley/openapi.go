package main

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"sync"

	"github.com/getkin/kin-openapi/openapi3"
)

//go:embed openapi.yaml
var openAPIYAML []byte

// loadOpenAPI parses and validates the API description.
func loadOpenAPI() (*openapi3.T, error) {
	doc, err := openapi3.NewLoader().LoadFromData(openAPIYAML)
	if err != nil {
		return nil, fmt.Errorf("load openapi.yaml: %w", err)
	}
	if err := doc.Validate(openapi3.NewLoader().Context); err != nil {
		return nil, fmt.Errorf("validate openapi.yaml: %w", err)
	}
	return doc, nil
}

// openAPIJSON is the document served at /api/v1/openapi.json. The embedded
// file never changes, so it is loaded and validated once per process.
var openAPIJSON = sync.OnceValues(func() ([]byte, error) {
	doc, err := loadOpenAPI()
	if err != nil {
		return nil, err
	}
	return json.Marshal(doc)
})
