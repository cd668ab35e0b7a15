package main

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"mime"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/parley-chat/parley/channels"
)

// pngImage encodes a w×h PNG.
func pngImage(t testing.TB, w, h int) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	img.Set(0, 0, color.RGBA{R: 255, A: 255})
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// uploadFile uploads content and requires 201.
func (c *client) uploadFile(name string, content []byte) channels.File {
	c.ts.t.Helper()
	res := c.upload(name, content)
	if res.Status != http.StatusCreated {
		c.ts.t.Fatalf("upload %s: status %d: %s", name, res.Status, res.Body)
	}
	var f channels.File
	if err := json.Unmarshal(res.Body, &f); err != nil {
		c.ts.t.Fatalf("upload %s: %v", name, err)
	}
	return f
}

func filePath(id int64) string { return fmt.Sprintf("/api/v1/files/%d", id) }

func TestAPI_UploadAndDownload(t *testing.T) {
	ts := newTestServer(t)
	ada := ts.signup("ada")
	pic := pngImage(t, 3, 2)

	tests := []struct {
		name        string
		file        string
		content     []byte
		contentType string
		disposition string
	}{
		{"PNG is shown inline", "pic.png", pic, "image/png", "inline"},
		{"plain text is shown inline", "notes.txt", []byte("just some notes\n"), "text/plain; charset=utf-8", "inline"},
		{"HTML is a download", "page.html", []byte("<html><body><script>alert(1)</script></body></html>"), "text/html; charset=utf-8", "attachment"},
		{"SVG is a download", "logo.svg", []byte(`<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>`), "image/svg+xml", "attachment"},
		{"HTML named .png is sniffed as HTML", "evil.png", []byte("<html><script>alert(1)</script></html>"), "text/html; charset=utf-8", "attachment"},
		{"unknown bytes are a download", "blob.bin", []byte{0, 1, 2, 3, 0xff, 0xfe}, "application/octet-stream", "attachment"},
		{"an empty file named .png is no image", "empty.png", []byte{}, "application/octet-stream", "attachment"},
		{"text named .html stays text", "words.html", []byte("just words"), "text/plain; charset=utf-8", "inline"},
		{"a non-ASCII name survives", "résumé €.txt", []byte("cv"), "text/plain; charset=utf-8", "inline"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := ada.uploadFile(tt.file, tt.content)
			sum := sha256.Sum256(tt.content)
			if f.ID == 0 || f.Name != tt.file || f.Size != int64(len(tt.content)) || f.SHA256 != hex.EncodeToString(sum[:]) ||
				f.ContentType != tt.contentType || f.UploaderID != ada.User.ID {
				t.Errorf("file = %+v", f)
			}
			res := ada.do("GET", filePath(f.ID), nil)
			if res.Status != http.StatusOK || !bytes.Equal(res.Body, tt.content) {
				t.Fatalf("download: status %d, %d bytes", res.Status, len(res.Body))
			}
			if got := res.Header.Get("Content-Type"); got != tt.contentType {
				t.Errorf("Content-Type = %q, want %q", got, tt.contentType)
			}
			disp, params, err := mime.ParseMediaType(res.Header.Get("Content-Disposition"))
			if err != nil || disp != tt.disposition || params["filename"] != tt.file {
				t.Errorf("Content-Disposition = %q, want %s with filename %q", res.Header.Get("Content-Disposition"), tt.disposition, tt.file)
			}
			if res.Header.Get("X-Content-Type-Options") != "nosniff" {
				t.Errorf("X-Content-Type-Options = %q", res.Header.Get("X-Content-Type-Options"))
			}
			if csp := res.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "sandbox") {
				t.Errorf("Content-Security-Policy = %q", csp)
			}
		})
	}

	t.Run("PNG keeps its width and height", func(t *testing.T) {
		f := ada.uploadFile("wide.png", pngImage(t, 7, 5))
		if f.Width == nil || f.Height == nil || *f.Width != 7 || *f.Height != 5 {
			t.Errorf("dimensions = %v x %v, want 7 x 5", f.Width, f.Height)
		}
	})

	t.Run("a directory in the name is dropped", func(t *testing.T) {
		f := ada.uploadFile("../../etc/passwd", []byte("x"))
		if f.Name != "passwd" {
			t.Errorf("name = %q", f.Name)
		}
	})

	t.Run("a form without a file field is 400", func(t *testing.T) {
		res := ada.withHeader("Content-Type", "multipart/form-data; boundary=b").
			do("POST", "/api/v1/files", "--b\r\nContent-Disposition: form-data; name=\"other\"\r\n\r\nx\r\n--b--\r\n")
		wantError(t, res, http.StatusBadRequest, "missing_file")
	})

	t.Run("a multipart body that breaks off is 400", func(t *testing.T) {
		res := ada.withHeader("Content-Type", "multipart/form-data; boundary=b").
			do("POST", "/api/v1/files", "--b\r\nContent-Disposition: form-data; name=\"file\"; filename=\"cut.txt\"\r\n\r\nno closing boundary")
		wantError(t, res, http.StatusBadRequest, "invalid_multipart")
	})

	t.Run("a body that is not multipart is 400", func(t *testing.T) {
		wantError(t, ada.do("POST", "/api/v1/files", map[string]any{"file": "x"}), http.StatusBadRequest, "invalid_multipart")
	})
}

func TestAPI_FileAccess(t *testing.T) {
	ts := newTestServer(t)
	ada := ts.signup("ada")
	bob := ts.signup("bob")
	carol := ts.signup("carol")
	secret := ada.createChannel("secret", true)
	ada.addMember(secret.ID, bob.User.ID)
	content := []byte("the launch codes")
	f := ada.uploadFile("codes.txt", content)

	var m channels.Message
	ada.mustJSON(http.StatusCreated, "POST", channelPath(secret.ID, "/messages"),
		map[string]any{"text": "see attached", "file_ids": []int64{f.ID}}, &m)

	t.Run("the message shows its files", func(t *testing.T) {
		if len(m.Files) != 1 || m.Files[0].ID != f.ID || m.Files[0].Name != "codes.txt" {
			t.Errorf("posted files = %+v", m.Files)
		}
		got := bob.getMessage(m.ID)
		if len(got.Files) != 1 || got.Files[0].ID != f.ID || got.Files[0].SHA256 != f.SHA256 {
			t.Errorf("GET files = %+v", got.Files)
		}
		if list := bob.messages(secret.ID, "").Items; len(list) != 1 || len(list[0].Files) != 1 {
			t.Errorf("listed = %+v", list)
		}
	})

	t.Run("a member of the channel downloads", func(t *testing.T) {
		res := bob.do("GET", filePath(f.ID), nil)
		if res.Status != http.StatusOK || !bytes.Equal(res.Body, content) {
			t.Errorf("bob: status %d body %q", res.Status, res.Body)
		}
	})

	t.Run("a non-member of the private channel gets 404", func(t *testing.T) {
		wantError(t, carol.do("GET", filePath(f.ID), nil), http.StatusNotFound, "file_not_found")
	})

	t.Run("the uploader always downloads, even unshared files", func(t *testing.T) {
		draft := bob.uploadFile("draft.txt", []byte("draft"))
		if res := bob.do("GET", filePath(draft.ID), nil); res.Status != http.StatusOK {
			t.Errorf("uploader: status %d", res.Status)
		}
		wantError(t, ada.do("GET", filePath(draft.ID), nil), http.StatusNotFound, "file_not_found")

		bob.mustJSON(http.StatusCreated, "POST", channelPath(secret.ID, "/messages"), map[string]any{"file_ids": []int64{draft.ID}}, nil)
		bob.mustJSON(http.StatusNoContent, "POST", channelPath(secret.ID, "/leave"), nil, nil)
		if res := bob.do("GET", filePath(draft.ID), nil); res.Status != http.StatusOK {
			t.Errorf("uploader after leaving the channel: status %d", res.Status)
		}
		ada.addMember(secret.ID, bob.User.ID)
	})

	t.Run("a file shared in a public channel is readable by everyone who can read the channel", func(t *testing.T) {
		general := ada.createChannel("general", false)
		shot := ada.uploadFile("shot.png", pngImage(t, 1, 1))
		ada.mustJSON(http.StatusCreated, "POST", channelPath(general.ID, "/messages"), map[string]any{"file_ids": []int64{shot.ID}}, nil)
		if res := carol.do("GET", filePath(shot.ID), nil); res.Status != http.StatusOK {
			t.Errorf("non-member of the public channel: status %d", res.Status)
		}
	})

	t.Run("a file the caller cannot see cannot be attached", func(t *testing.T) {
		mine := carol.createChannel("carols", false)
		res := carol.do("POST", channelPath(mine.ID, "/messages"), map[string]any{"text": "look", "file_ids": []int64{f.ID}})
		wantError(t, res, http.StatusNotFound, "file_not_found")
	})

	t.Run("deleting the message makes the file 404", func(t *testing.T) {
		ada.mustJSON(http.StatusNoContent, "DELETE", messagePath(m.ID, ""), nil, nil)
		for _, c := range []*client{ada, bob} {
			wantError(t, c.do("GET", filePath(f.ID), nil), http.StatusNotFound, "file_not_found")
		}
	})

	t.Run("a file shared twice outlives one of its messages", func(t *testing.T) {
		g := ada.uploadFile("shared.txt", []byte("twice"))
		var m1, m2 channels.Message
		ada.mustJSON(http.StatusCreated, "POST", channelPath(secret.ID, "/messages"), map[string]any{"file_ids": []int64{g.ID}}, &m1)
		ada.mustJSON(http.StatusCreated, "POST", channelPath(secret.ID, "/messages"), map[string]any{"file_ids": []int64{g.ID}}, &m2)
		ada.mustJSON(http.StatusNoContent, "DELETE", messagePath(m1.ID, ""), nil, nil)
		if res := bob.do("GET", filePath(g.ID), nil); res.Status != http.StatusOK || string(res.Body) != "twice" {
			t.Errorf("after deleting one message: status %d body %q", res.Status, res.Body)
		}
		if got := bob.getMessage(m2.ID).Files; !slices.ContainsFunc(got, func(f channels.File) bool { return f.ID == g.ID }) {
			t.Errorf("remaining message files = %+v", got)
		}
	})

	t.Run("identical uploads share bytes but not fate", func(t *testing.T) {
		a := ada.uploadFile("a.txt", []byte("same bytes"))
		b := ada.uploadFile("b.txt", []byte("same bytes"))
		var posted channels.Message
		ada.mustJSON(http.StatusCreated, "POST", channelPath(secret.ID, "/messages"), map[string]any{"file_ids": []int64{a.ID}}, &posted)
		ada.mustJSON(http.StatusNoContent, "DELETE", messagePath(posted.ID, ""), nil, nil)
		wantError(t, ada.do("GET", filePath(a.ID), nil), http.StatusNotFound, "file_not_found")
		if res := ada.do("GET", filePath(b.ID), nil); res.Status != http.StatusOK || string(res.Body) != "same bytes" {
			t.Errorf("the twin upload: status %d body %q", res.Status, res.Body)
		}
	})
}
