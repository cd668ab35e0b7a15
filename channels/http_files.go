package channels

import (
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"
)

// multipartSlack is the room allowed beyond the file limit for the multipart
// framing around the file.
const multipartSlack = 64 << 10

func (h *Handler) uploadFile(c *gin.Context) error {
	ExtendReadDeadline(c.Writer, h.opts.UploadTimeout)
	limit := h.svc.opts.MaxUploadBytes
	c.Request.Body = http.MaxBytesReader(c.Writer, c.Request.Body, limit+multipartSlack)
	mr, err := c.Request.MultipartReader()
	if err != nil {
		return Invalid("invalid_multipart", "file", "upload the file as multipart/form-data in a field named file")
	}
	for {
		part, err := mr.NextPart()
		if err != nil {
			var mbe *http.MaxBytesError
			if errors.As(err, &mbe) {
				return newErr(ErrTooLarge, "file_too_large", fmt.Sprintf("files are limited to %d bytes", limit))
			}
			return Invalid("missing_file", "file", "the form has no field named file")
		}
		if part.FormName() != "file" {
			part.Close()
			continue
		}
		src := &uploadReader{r: part}
		f, err := h.svc.UploadFile(c.Request.Context(), ActorFrom(c), part.FileName(), src)
		part.Close()
		var mbe *http.MaxBytesError
		if err != nil && src.err != nil && !errors.As(src.err, &mbe) {
			// The client's body broke off or is not valid multipart: its
			// fault, not a server error.
			return Invalid("invalid_multipart", "file", "the upload ended early or is not valid multipart/form-data")
		}
		if err != nil {
			return err
		}
		c.JSON(http.StatusCreated, f)
		return nil
	}
}

// ExtendReadDeadline gives the rest of a request's body d from now (when d
// is positive). The server's read deadline is short, so that anonymous slow
// bodies cannot hold connections; an upload calls this once its caller is
// authenticated, so a large file gets through a slow link.
func ExtendReadDeadline(w http.ResponseWriter, d time.Duration) {
	if d > 0 {
		_ = http.NewResponseController(w).SetReadDeadline(time.Now().Add(d))
	}
}

// uploadReader remembers why reading the upload failed, to tell a broken
// request from a failure on the server's side.
type uploadReader struct {
	r   io.Reader
	err error
}

func (u *uploadReader) Read(p []byte) (int, error) {
	n, err := u.r.Read(p)
	if err != nil && err != io.EOF {
		u.err = err
	}
	return n, err
}

func (h *Handler) getFile(c *gin.Context) error {
	id, err := PathID(c, "id", "file")
	if err != nil {
		return err
	}
	f, blob, err := h.svc.File(c.Request.Context(), ActorFrom(c), id)
	if err != nil {
		return err
	}
	defer blob.Close()
	disposition := "attachment"
	if ServeInline(f.ContentType) {
		disposition = "inline"
	}
	hdr := c.Writer.Header()
	hdr.Set("Content-Type", f.ContentType)
	hdr.Set("Content-Disposition", mime.FormatMediaType(disposition, map[string]string{"filename": f.Name}))
	hdr.Set("X-Content-Type-Options", "nosniff")
	hdr.Set("Content-Security-Policy", "default-src 'none'; sandbox")
	hdr.Set("Cache-Control", "private, max-age=3600")
	http.ServeContent(c.Writer, c.Request, "", time.UnixMilli(f.CreatedAt), blob)
	return nil
}
