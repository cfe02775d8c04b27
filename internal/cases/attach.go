package cases

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"os"
	"path"
	"path/filepath"
	"strconv"
	"strings"

	"shiliu/internal/audit"
	"shiliu/internal/auth"
	"shiliu/internal/db"
	"shiliu/internal/errs"
)

// MaxAttachment is the largest file a case takes: 10 MB.
const MaxAttachment = 10 << 20

// attachmentTypes are the content types a case takes, as sniffed from the
// file's first bytes (never from its name): photos and PDF.
var attachmentTypes = map[string]string{
	"image/jpeg":      ".jpg",
	"image/png":       ".png",
	"image/webp":      ".webp",
	"image/gif":       ".gif",
	"application/pdf": ".pdf",
}

func attachErr(key string) error {
	return &errs.Error{Kind: errs.Invalid, Key: key, Fields: map[string]string{"file": key}}
}

// Attach stores a photo or PDF of a case, read from r, under
// DataDir/attachments/<yyyy>/<random>, with its SHA-256. Anything that is
// not a JPEG, PNG, WebP or GIF image or a PDF by its content
// ("err.attachment_type"), or is larger than 10 MB
// ("err.attachment_too_large"), is refused and nothing is kept. The name
// is only what the user called the file.
func (s *Service) Attach(ctx context.Context, a *auth.Actor, caseID int64, name string, r io.Reader) (*Attachment, error) {
	if err := a.RequireAny(auth.CaseHandle, auth.CaseIntake); err != nil {
		return nil, err
	}
	if !a.Can(auth.CaseHandle) && !a.Can(auth.CaseIntake) {
		return nil, errs.E(errs.Forbidden, "err.forbidden")
	}
	c, err := s.Get(ctx, a, caseID)
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	if _, err := io.Copy(&buf, io.LimitReader(r, MaxAttachment+1)); err != nil {
		return nil, fmt.Errorf("read attachment: %w", err)
	}
	if buf.Len() > MaxAttachment {
		return nil, attachErr("err.attachment_too_large")
	}
	data := buf.Bytes()
	ct, _, _ := mime.ParseMediaType(http.DetectContentType(data))
	ext, ok := attachmentTypes[ct]
	if !ok || len(data) == 0 {
		return nil, attachErr("err.attachment_type")
	}
	name = cleanName(name)
	if name == "" {
		name = "attachment" + ext
	}
	sum := sha256.Sum256(data)
	rnd := make([]byte, 16)
	if _, err := rand.Read(rnd); err != nil {
		return nil, err
	}
	now := s.Now()
	rel := path.Join("attachments", strconv.Itoa(now.In(cst).Year()), hex.EncodeToString(rnd))
	full := filepath.Join(s.DataDir, filepath.FromSlash(rel))
	if err := os.MkdirAll(filepath.Dir(full), 0o700); err != nil {
		return nil, fmt.Errorf("attachment directory: %w", err)
	}
	if err := writeNew(full, data); err != nil {
		return nil, err
	}
	att := &Attachment{CaseID: c.ID, Name: name, ContentType: ct, Size: int64(len(data)), SHA256: hex.EncodeToString(sum[:]),
		Username: a.Who().Username, CreatedAt: formatTime(now), path: rel}
	err = s.DB.WithTx(ctx, func(tx *db.Tx) error {
		var err error
		att.ID, err = tx.InsertID(ctx, `INSERT INTO case_attachments (case_id, name, content_type, size, sha256, path, user_id, username, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`, c.ID, att.Name, att.ContentType, att.Size, att.SHA256, rel, nullID(userID(a)), att.Username, att.CreatedAt)
		if err != nil {
			return fmt.Errorf("insert attachment: %w", err)
		}
		if err := s.event(ctx, tx, a, c.ID, event{Action: ActAttach, From: c.Status, To: c.Status, Note: att.Name}); err != nil {
			return err
		}
		return audit.Write(ctx, tx, audit.Entry{Who: a.Who(), Action: audit.ActionCreate, Entity: "case_attachment", EntityID: strconv.FormatInt(att.ID, 10),
			Detail: map[string]any{"case_id": c.ID, "name": att.Name, "content_type": att.ContentType, "size": att.Size, "sha256": att.SHA256}})
	})
	if err != nil {
		os.Remove(full)
		return nil, err
	}
	return att, nil
}

// writeNew writes a file that must not exist yet, readable by the owner.
func writeNew(name string, data []byte) error {
	f, err := os.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return fmt.Errorf("store attachment: %w", err)
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		os.Remove(name)
		return fmt.Errorf("store attachment: %w", err)
	}
	if err := f.Close(); err != nil {
		os.Remove(name)
		return fmt.Errorf("store attachment: %w", err)
	}
	return nil
}

// cleanName keeps the last element of an uploaded file's name, without
// control characters, at most 100 characters.
func cleanName(s string) string {
	s = strings.ReplaceAll(s, "\\", "/")
	if i := strings.LastIndexByte(s, '/'); i >= 0 {
		s = s[i+1:]
	}
	s = strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f {
			return -1
		}
		return r
	}, s)
	s = strings.TrimSpace(s)
	if s == "." || s == ".." {
		return ""
	}
	if r := []rune(s); len(r) > 100 {
		s = string(r[len(r)-100:])
	}
	return s
}

const attCols = `id, case_id, name, content_type, size, sha256, path, username, created_at`

func scanAttachment(sc interface{ Scan(...any) error }) (*Attachment, error) {
	var at Attachment
	err := sc.Scan(&at.ID, &at.CaseID, &at.Name, &at.ContentType, &at.Size, &at.SHA256, &at.path, &at.Username, &at.CreatedAt)
	return &at, err
}

// Attachments lists a case's files, oldest first.
func (s *Service) Attachments(ctx context.Context, a *auth.Actor, caseID int64) ([]*Attachment, error) {
	if err := a.Require(auth.CaseRead); err != nil {
		return nil, err
	}
	if _, err := s.Get(ctx, a, caseID); err != nil {
		return nil, err
	}
	rows, err := s.DB.Query(ctx, `SELECT `+attCols+` FROM case_attachments WHERE case_id = ? ORDER BY id`, caseID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*Attachment
	for rows.Next() {
		at, err := scanAttachment(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, at)
	}
	return out, rows.Err()
}

// OpenAttachment returns a file of a case in the actor's scope, open for
// reading; the caller closes it. Serve it with its ContentType and as an
// attachment (Content-Disposition), never sniffed again by the browser.
func (s *Service) OpenAttachment(ctx context.Context, a *auth.Actor, caseID, id int64) (*Attachment, *os.File, error) {
	if err := a.Require(auth.CaseRead); err != nil {
		return nil, nil, err
	}
	if _, err := s.Get(ctx, a, caseID); err != nil {
		return nil, nil, err
	}
	at, err := scanAttachment(s.DB.QueryRow(ctx, `SELECT `+attCols+` FROM case_attachments WHERE id = ? AND case_id = ?`, id, caseID))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil, errs.ErrNotFound
	}
	if err != nil {
		return nil, nil, err
	}
	f, err := os.Open(filepath.Join(s.DataDir, filepath.FromSlash(at.path)))
	if err != nil {
		return nil, nil, fmt.Errorf("open attachment %d: %w", id, err)
	}
	return at, f, nil
}

// AttachmentFile opens an attachment by its own id, checking that its case
// is in the actor's scope (a file outside it is not found).
func (s *Service) AttachmentFile(ctx context.Context, a *auth.Actor, id int64) (*Attachment, *os.File, error) {
	if err := a.Require(auth.CaseRead); err != nil {
		return nil, nil, err
	}
	var caseID int64
	if err := s.DB.QueryRow(ctx, `SELECT case_id FROM case_attachments WHERE id = ?`, id).Scan(&caseID); err != nil {
		return nil, nil, errs.ErrNotFound
	}
	return s.OpenAttachment(ctx, a, caseID, id)
}
