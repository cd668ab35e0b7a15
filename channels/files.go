package channels

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"image"
	_ "image/gif" // register decoders so uploads keep their dimensions
	_ "image/jpeg"
	_ "image/png"
	"io"
	"mime"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"unicode/utf8"

	"github.com/parley-chat/parley/channels/sqlite"
)

// inlineTypes are the content types a browser may show in place; every other
// type is served as a download, so uploaded HTML, SVG or JS never runs.
var inlineTypes = map[string]bool{
	"image/png": true, "image/jpeg": true, "image/gif": true, "image/webp": true,
	"video/mp4": true, "video/webm": true, "audio/mpeg": true, "audio/ogg": true, "audio/wav": true,
	"text/plain; charset=utf-8": true, "application/json": true,
}

// ServeInline reports whether a file of this type may be displayed inline.
func ServeInline(contentType string) bool { return inlineTypes[contentType] }

// UploadFile stores an uploaded file under its content hash and records its
// metadata. The content type is sniffed from the bytes, not taken from the
// client.
func (s *Service) UploadFile(ctx context.Context, actor *Actor, name string, r io.Reader) (*File, error) {
	if err := RequireScope(actor, ScopeFilesWrite); err != nil {
		return nil, err
	}
	name = filepath.Base(strings.ReplaceAll(name, "\\", "/"))
	if name == "." || name == "/" || name == "" || !utf8.ValidString(name) {
		name = "file"
	}
	if utf8.RuneCountInString(name) > 255 {
		return nil, Invalid("invalid_name", "file", "file names are at most 255 characters")
	}
	tmpDir := filepath.Join(s.filesDir(), "tmp")
	if err := os.MkdirAll(tmpDir, 0o750); err != nil {
		return nil, fmt.Errorf("upload: %w", err)
	}
	tmp, err := os.CreateTemp(tmpDir, "upload-*")
	if err != nil {
		return nil, fmt.Errorf("upload: %w", err)
	}
	defer os.Remove(tmp.Name())
	defer tmp.Close()

	hash := sha256.New()
	var head bytes.Buffer
	limit := s.opts.MaxUploadBytes
	n, err := io.Copy(io.MultiWriter(tmp, hash, &limitedBuffer{buf: &head, max: 512}), io.LimitReader(r, limit+1))
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return nil, newErr(ErrTooLarge, "file_too_large", fmt.Sprintf("files are limited to %d bytes", limit))
		}
		return nil, fmt.Errorf("upload: receive file: %w", err)
	}
	if n > limit {
		return nil, newErr(ErrTooLarge, "file_too_large", fmt.Sprintf("files are limited to %d bytes", limit))
	}
	if err := tmp.Sync(); err != nil {
		return nil, fmt.Errorf("upload: sync: %w", err)
	}
	f := &File{UploaderID: actor.ID, Name: name, Size: n, SHA256: hex.EncodeToString(hash.Sum(nil)), CreatedAt: nowMillis()}
	f.ContentType = sniffType(head.Bytes())
	if strings.HasPrefix(f.ContentType, "image/") {
		if _, err := tmp.Seek(0, io.SeekStart); err == nil {
			if cfg, _, err := image.DecodeConfig(tmp); err == nil {
				f.Width, f.Height = ptr(cfg.Width), ptr(cfg.Height)
			}
		}
	}
	// Holding blobMu until the row is written keeps removeBlobs from
	// deleting a blob this upload is about to use.
	s.blobMu.RLock()
	defer s.blobMu.RUnlock()
	dst := s.blobPath(f.SHA256)
	if _, err := os.Stat(dst); errors.Is(err, os.ErrNotExist) {
		if err := os.MkdirAll(filepath.Dir(dst), 0o750); err != nil {
			return nil, fmt.Errorf("upload: %w", err)
		}
		if err := os.Rename(tmp.Name(), dst); err != nil {
			return nil, fmt.Errorf("upload: store blob: %w", err)
		}
	}
	err = s.db.Write(ctx, func(tx *sqlite.Tx) error { return s.st.insertFile(tx, f) })
	if err != nil {
		return nil, fmt.Errorf("upload: record file: %w", err)
	}
	return f, nil
}

// sniffType decides a file's content type from its first bytes only: a
// name is the client's word, and an empty or unrecognised file named .png
// must not be served as an image.
func sniffType(head []byte) string {
	if len(head) == 0 {
		return "application/octet-stream" // DetectContentType calls nothing text/plain
	}
	t := http.DetectContentType(head)
	mt, _, _ := mime.ParseMediaType(t)
	switch {
	case (mt == "text/plain" || mt == "text/xml") && isSVG(head):
		return "image/svg+xml" // DetectContentType has no signature for SVG
	case mt == "text/plain":
		return "text/plain; charset=utf-8"
	}
	return t
}

// isSVG reports whether head opens an SVG document: <svg after any
// whitespace, XML declaration, comments and doctype.
func isSVG(head []byte) bool {
	rest := bytes.TrimLeft(head, " \t\r\n\ufeff")
	for {
		var end []byte
		switch {
		case bytes.HasPrefix(rest, []byte("<?")):
			end = []byte("?>")
		case bytes.HasPrefix(rest, []byte("<!--")):
			end = []byte("-->")
		case bytes.HasPrefix(rest, []byte("<!")):
			end = []byte(">")
		default:
			if len(rest) < 5 || !bytes.EqualFold(rest[:4], []byte("<svg")) {
				return false
			}
			return strings.IndexByte(" \t\r\n>/", rest[4]) >= 0
		}
		i := bytes.Index(rest, end)
		if i < 0 {
			return false
		}
		rest = bytes.TrimLeft(rest[i+len(end):], " \t\r\n")
	}
}

type limitedBuffer struct {
	buf *bytes.Buffer
	max int
}

func (l *limitedBuffer) Write(p []byte) (int, error) {
	if room := l.max - l.buf.Len(); room > 0 {
		l.buf.Write(p[:min(room, len(p))])
	}
	return len(p), nil
}

func (s *Service) blobPath(sha string) string {
	return filepath.Join(s.filesDir(), sha[:2], sha[2:4], sha)
}

// File returns a file's metadata and an open reader on its bytes, if the
// actor may read it: its uploader, anyone where it was shared in a public
// channel, and members of a private channel or DM where it was shared.
func (s *Service) File(ctx context.Context, actor *Actor, id int64) (*File, *os.File, error) {
	if err := RequireScope(actor, ScopeFilesRead); err != nil {
		return nil, nil, err
	}
	f, found, err := s.st.readableFile(ctx, actor.ID, id)
	if err != nil {
		return nil, nil, err
	}
	if !found {
		return nil, nil, NotFound("file")
	}
	blob, err := os.Open(s.blobPath(f.SHA256))
	if err != nil {
		return nil, nil, fmt.Errorf("open file %d: %w", id, err)
	}
	return &f, blob, nil
}

// attachableFiles returns the files with the given ids if the actor may read
// each of them; any other id is file_not_found.
func (s *Service) attachableFiles(ctx context.Context, actor *Actor, ids []int64) ([]File, error) {
	files := []File{}
	seen := map[int64]bool{}
	for _, id := range ids {
		if seen[id] {
			continue
		}
		seen[id] = true
		f, found, err := s.st.readableFile(ctx, actor.ID, id)
		if err != nil {
			return nil, err
		}
		if !found {
			return nil, newErr(ErrNotFound, "file_not_found", fmt.Sprintf("file %d not found", id))
		}
		files = append(files, f)
	}
	return files, nil
}

// removeBlobs deletes blobs after the commit, unless an upload has reused
// one meanwhile.
func (s *Service) removeBlobs(ctx context.Context, shas []string) {
	if len(shas) == 0 {
		return
	}
	s.blobMu.Lock()
	defer s.blobMu.Unlock()
	for _, sha := range shas {
		if inUse, err := s.st.blobInUse(ctx, sha); err != nil || inUse {
			continue
		}
		if err := os.Remove(s.blobPath(sha)); err != nil && !errors.Is(err, os.ErrNotExist) {
			s.log.Warn("remove file blob", "sha256", sha, "err", err)
		}
	}
}
