package channels

import (
	"errors"
	"fmt"
	"mime"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"
)

// multipartSlack is the room allowed beyond the file limit for the multipart
// framing around the file.
const multipartSlack = 64 << 10

func (h *Handler) uploadFile(c *gin.Context) error {
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
		f, err := h.svc.UploadFile(c.Request.Context(), ActorFrom(c), part.FileName(), part)
		part.Close()
		if err != nil {
			return err
		}
		c.JSON(http.StatusCreated, f)
		return nil
	}
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
