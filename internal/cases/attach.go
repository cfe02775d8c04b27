package cases

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"strconv"

	"shiliu/internal/audit"
	"shiliu/internal/auth"
	"shiliu/internal/db"
	"shiliu/internal/errs"
	"shiliu/internal/files"
)

// MaxAttachment is the largest file a case takes: 10 MB.
const MaxAttachment = 10 << 20

// AttachmentKind is what a case takes, as sniffed from the file's first
// bytes (never from its name): photos and PDF, up to 10 MB.
var AttachmentKind = files.Kind{Name: "case attachment", Field: "file", MaxBytes: MaxAttachment,
	Types: []string{files.JPEG, files.PNG, files.WebP, files.GIF, files.PDF},
	Keys:  files.Keys{Empty: "err.attachment_type", Type: "err.attachment_type", Mismatch: "err.attachment_mismatch", TooLarge: "err.attachment_too_large"}}

// Attach stores a photo or PDF of a case, read from r, in the file store,
// in the transaction that records it. Anything that is not a JPEG, PNG,
// WebP or GIF image or a PDF by its content ("err.attachment_type"), is
// named as another kind of file ("err.attachment_mismatch"), or is larger
// than 10 MB ("err.attachment_too_large"), is refused and nothing is kept.
// The name is only what the user called the file.
func (s *Service) Attach(ctx context.Context, a *auth.Actor, caseID int64, name string, r io.Reader) (*Attachment, error) {
	if err := a.RequireAny(auth.CaseHandle, auth.CaseIntake); err != nil {
		return nil, err
	}
	c, err := s.Get(ctx, a, caseID)
	if err != nil {
		return nil, err
	}
	var att *Attachment
	err = s.DB.WithTx(ctx, func(tx *db.Tx) error {
		f, err := s.Files.PutTx(ctx, tx, AttachmentKind, name, r, a.UserID)
		if err != nil {
			return err
		}
		name := files.CleanName(name)
		if name == "" {
			name = "attachment" + extOf(f.MIME)
		}
		att = &Attachment{CaseID: c.ID, Name: name, ContentType: f.MIME, Size: f.Size, SHA256: f.SHA256,
			Username: a.Who().Username, CreatedAt: formatTime(s.Now()), fileID: f.ID}
		att.ID, err = tx.InsertID(ctx, `INSERT INTO case_attachments (case_id, name, content_type, size, sha256, path, file_id, user_id, username, created_at)
			VALUES (?, ?, ?, ?, ?, '', ?, ?, ?, ?)`, c.ID, att.Name, att.ContentType, att.Size, att.SHA256, f.ID, db.NullID(a.UserID), att.Username, att.CreatedAt)
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
		return nil, err
	}
	return att, nil
}

// extOf is the extension a nameless attachment is given.
func extOf(ct string) string {
	switch ct {
	case files.JPEG:
		return ".jpg"
	case files.PNG:
		return ".png"
	case files.WebP:
		return ".webp"
	case files.GIF:
		return ".gif"
	case files.PDF:
		return ".pdf"
	}
	return ""
}

const attCols = `id, case_id, name, content_type, size, sha256, COALESCE(file_id, 0), username, created_at`

func scanAttachment(sc interface{ Scan(...any) error }) (*Attachment, error) {
	var at Attachment
	err := sc.Scan(&at.ID, &at.CaseID, &at.Name, &at.ContentType, &at.Size, &at.SHA256, &at.fileID, &at.Username, &at.CreatedAt)
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
	return db.Collect(rows, err, scanAttachment)
}

// OpenAttachment returns a file of a case in the actor's scope, open for
// reading; the caller closes it. Serve it with its ContentType and as an
// attachment (Content-Disposition), never sniffed again by the browser.
// The case's scope is checked here: the store does not know who may see
// what.
func (s *Service) OpenAttachment(ctx context.Context, a *auth.Actor, caseID, id int64) (*Attachment, *files.Reader, error) {
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
	if at.fileID == 0 {
		// Still on disk: moved into the store at start-up (MoveDiskFiles).
		return nil, nil, fmt.Errorf("attachment %d: not yet moved into the file store", id)
	}
	f, err := s.Files.Open(ctx, at.fileID)
	if err != nil {
		return nil, nil, fmt.Errorf("open attachment %d: %w", id, err)
	}
	return at, f, nil
}

// AttachmentFile opens an attachment by its own id, checking that its case
// is in the actor's scope (a file outside it is not found).
func (s *Service) AttachmentFile(ctx context.Context, a *auth.Actor, id int64) (*Attachment, *files.Reader, error) {
	if err := a.Require(auth.CaseRead); err != nil {
		return nil, nil, err
	}
	var caseID int64
	if err := s.DB.QueryRow(ctx, `SELECT case_id FROM case_attachments WHERE id = ?`, id).Scan(&caseID); err != nil {
		return nil, nil, errs.ErrNotFound
	}
	return s.OpenAttachment(ctx, a, caseID, id)
}
