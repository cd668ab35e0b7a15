// Package ui is Parley's web client, embedded in the binary and served as
// static files. It imports nothing of Parley's: it speaks HTTP and WebSocket.
package ui

import (
	"embed"
	"io/fs"
	"net/http"
)

//go:embed static
var static embed.FS

// Handler serves the web client.
func Handler() http.Handler {
	sub, _ := fs.Sub(static, "static")
	return http.FileServer(http.FS(sub))
}
