package channels

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/parley-chat/parley/channels/sqlite"
)

const fileColumns = `f.id, f.uploader_id, f.name, f.content_type, f.size, f.sha256, f.width, f.height, f.created_at`

func scanFile(row interface{ Scan(...any) error }, f *File, prefix ...any) error {
	return row.Scan(append(prefix, &f.ID, &f.UploaderID, &f.Name, &f.ContentType, &f.Size, &f.SHA256, &f.Width, &f.Height, &f.CreatedAt)...)
}

// insertFile records an uploaded file's metadata and sets f.ID.
func (st *store) insertFile(tx *sqlite.Tx, f *File) error {
	res, err := tx.Exec(`INSERT INTO files (uploader_id, name, content_type, size, sha256, width, height, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, f.UploaderID, f.Name, f.ContentType, f.Size, f.SHA256, f.Width, f.Height, f.CreatedAt)
	if err != nil {
		return err
	}
	f.ID, err = res.LastInsertId()
	return err
}

// canReadFile is true for the uploader, for everyone when the file was
// shared in a public channel (whose messages everyone may read), and for
// members of a private channel or DM where it was shared.
const canReadFile = `(f.uploader_id = ?1 OR EXISTS (SELECT 1 FROM message_files mf JOIN channels c ON c.id = mf.channel_id
	WHERE mf.file_id = f.id AND (c.kind = 'public'
		OR EXISTS (SELECT 1 FROM members m WHERE m.channel_id = c.id AND m.user_id = ?1))))`

// readableFile loads file id unless it is deleted or userID may not read
// it (see canReadFile); found is false then.
func (st *store) readableFile(ctx context.Context, userID, id int64) (f File, found bool, err error) {
	err = scanFile(st.db.ReadRow(ctx, `SELECT `+fileColumns+` FROM files f
		WHERE f.id = ?2 AND f.deleted_at IS NULL AND `+canReadFile, userID, id), &f)
	if errors.Is(err, sql.ErrNoRows) {
		return File{}, false, nil
	}
	if err != nil {
		return File{}, false, fmt.Errorf("load file %d: %w", id, err)
	}
	return f, true, nil
}

// unlinkFiles detaches a deleted message's files, marks those no longer
// shared anywhere deleted at now, and returns the hashes of blobs nothing
// uses any more.
func (st *store) unlinkFiles(tx *sqlite.Tx, messageID, now int64) ([]string, error) {
	rows, err := tx.Query(`SELECT file_id FROM message_files WHERE message_id = ?`, messageID)
	if err != nil {
		return nil, err
	}
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return nil, err
		}
		ids = append(ids, id)
	}
	rows.Close()
	if _, err := tx.Exec(`DELETE FROM message_files WHERE message_id = ?`, messageID); err != nil {
		return nil, err
	}
	var orphans []string
	for _, id := range ids {
		var sha string
		err := tx.QueryRow(`UPDATE files SET deleted_at = ? WHERE id = ? AND deleted_at IS NULL
			AND NOT EXISTS (SELECT 1 FROM message_files WHERE file_id = ?) RETURNING sha256`, now, id, id).Scan(&sha)
		if errors.Is(err, sql.ErrNoRows) {
			continue
		}
		if err != nil {
			return nil, err
		}
		var inUse bool
		if err := tx.QueryRow(blobInUseSQL, sha).Scan(&inUse); err != nil {
			return nil, err
		}
		if !inUse {
			orphans = append(orphans, sha)
		}
	}
	return orphans, nil
}

const blobInUseSQL = `SELECT EXISTS (SELECT 1 FROM files WHERE sha256 = ? AND deleted_at IS NULL)`

// blobInUse reports whether a live file has the content hash sha.
func (st *store) blobInUse(ctx context.Context, sha string) (bool, error) {
	var inUse bool
	err := st.db.ReadRow(ctx, blobInUseSQL, sha).Scan(&inUse)
	return inUse, err
}

// loadMessageFiles adds the files of the messages in byID, whose ids are
// ids, listed for SQL in in.
func (st *store) loadMessageFiles(ctx context.Context, byID map[int64]*Message, in string, ids []any) error {
	rows, err := st.db.Reader.QueryContext(ctx, `SELECT mf.message_id, `+fileColumns+` FROM message_files mf
		JOIN files f ON f.id = mf.file_id WHERE mf.message_id IN `+in+` ORDER BY f.id`, ids...)
	if err != nil {
		return fmt.Errorf("load message files: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var mid int64
		var f File
		if err := scanFile(rows, &f, &mid); err != nil {
			return fmt.Errorf("scan file: %w", err)
		}
		byID[mid].Files = append(byID[mid].Files, f)
	}
	return rows.Err()
}
