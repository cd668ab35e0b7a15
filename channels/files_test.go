package channels

import (
	"bytes"
	"image"
	"image/png"
	"testing"
)

func TestSniffType(t *testing.T) {
	var pic bytes.Buffer
	if err := png.Encode(&pic, image.NewRGBA(image.Rect(0, 0, 1, 1))); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		head []byte
		want string
	}{
		{"empty", nil, "application/octet-stream"},
		{"PNG", pic.Bytes(), "image/png"},
		{"plain text", []byte("just some notes\n"), "text/plain; charset=utf-8"},
		{"HTML", []byte("<html><script>alert(1)</script></html>"), "text/html; charset=utf-8"},
		{"SVG", []byte(`<svg xmlns="http://www.w3.org/2000/svg"></svg>`), "image/svg+xml"},
		{"SVG after a declaration, a comment and a doctype", []byte("\n<?xml version=\"1.0\"?>\n<!-- logo -->\n<!DOCTYPE svg>\n<SVG>"), "image/svg+xml"},
		{"XML that is not SVG", []byte(`<?xml version="1.0"?><svgish/>`), "text/xml; charset=utf-8"},
		{"text that mentions svg", []byte("see <svg> below"), "text/plain; charset=utf-8"},
		{"unknown bytes", []byte{0, 1, 2, 3, 0xff, 0xfe}, "application/octet-stream"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := sniffType(tt.head); got != tt.want {
				t.Errorf("sniffType(%.40q) = %q, want %q", tt.head, got, tt.want)
			}
		})
	}
}
