// Package docs is the rules and documents library (制度): the office's
// rules (befriending, study and fellowship, hardship help, information
// feedback, emergency handling), policy documents, meeting minutes and
// others. Each upload of a document is a new version and the earlier ones
// stay downloadable; the text of DOCX and plain-text uploads is extracted
// (or pasted for PDFs and scans) so documents are found by title and text.
//
// Visibility: a document belongs to an org unit. It is read by the users
// of that unit's subtree and by the users of the units below it — a user
// sees the documents of their own subtree and of every unit above them
// (a subdistrict's rules apply to its committees); a sibling's are not
// seen. A document is changed (a new version) only from its unit's
// subtree: a committee reads the subdistrict's rules but does not edit
// them.
package docs

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"shiliu/internal/audit"
	"shiliu/internal/auth"
	"shiliu/internal/db"
	"shiliu/internal/errs"
	"shiliu/internal/files"
	"shiliu/internal/ref"
)

// Category is a document's category.
type Category string

// The categories.
const (
	Rule    Category = "rule"    // 制度
	Policy  Category = "policy"  // 政策文件
	Minutes Category = "minutes" // 会议纪要
	Other   Category = "other"   // 其他
)

// Categories lists them in display order.
var Categories = []Category{Rule, Policy, Minutes, Other}

// Valid reports whether c is a known category.
func (c Category) Valid() bool {
	for _, x := range Categories {
		if c == x {
			return true
		}
	}
	return false
}

// Topic is what a rule is about.
type Topic string

// The rules' topics (DOMAIN.md: the office's five rules).
const (
	Befriending Topic = "befriending" // 交友联谊
	Study       Topic = "study"       // 学习联谊
	Hardship    Topic = "hardship"    // 帮困
	Feedback    Topic = "feedback"    // 信息反馈
	Emergency   Topic = "emergency"   // 应急处置
)

// Topics lists the rules' topics.
var Topics = []Topic{Befriending, Study, Hardship, Feedback, Emergency}

// Valid reports whether t is a known topic or none.
func (t Topic) Valid() bool {
	if t == "" {
		return true
	}
	for _, x := range Topics {
		if t == x {
			return true
		}
	}
	return false
}

// MaxDocBytes caps one upload: 20 MB.
const MaxDocBytes = 20 << 20

// DocKind is what the library keeps: PDF, DOCX, images and plain text.
var DocKind = files.Kind{Name: "document", Field: "file", MaxBytes: MaxDocBytes,
	Types: []string{files.PDF, files.DOCX, files.Text, files.JPEG, files.PNG, files.WebP, files.GIF},
	Keys:  files.Keys{Type: "err.doc_type", Mismatch: "err.attachment_mismatch", TooLarge: "err.doc_too_large"}}

// Service is the library.
type Service struct {
	DB    *db.DB
	Files *files.Store
	// Now is the clock (tests move it).
	Now func() time.Time
}

// New returns the service.
func New(d *db.DB) *Service { return &Service{DB: d, Files: files.New(d), Now: time.Now} }

// visible limits documents (column col names their unit) to the actor's
// subtree and the units above the actor (see the package comment).
func visible(a *auth.Actor, col string) (string, []any) { return a.Scope().InSubtreeOrAbove(col) }

// Input is a document's description.
type Input struct {
	// OrgID is the unit it belongs to (default: the actor's), in the
	// actor's subtree.
	OrgID    int64
	Category Category
	// Topic, for a rule.
	Topic Topic
	Title string
}

// Upload is one version's file.
type Upload struct {
	Name string
	R    io.Reader
	// Text is pasted text (a PDF's or a scan's), searched with the
	// extracted one.
	Text string
	// Note says what changed.
	Note string
}

func (s *Service) checkInput(ctx context.Context, q db.Querier, a *auth.Actor, in *Input, f map[string]string) error {
	in.Title = strings.TrimSpace(in.Title)
	switch {
	case in.Title == "":
		f["title"] = "err.required"
	case ref.TooLong(in.Title, 120):
		f["title"] = "err.too_long"
	}
	if !in.Category.Valid() {
		f["category"] = "err.required"
	}
	if in.Category != Rule {
		in.Topic = ""
	}
	if !in.Topic.Valid() {
		f["topic"] = "err.required"
	}
	if in.OrgID == 0 {
		in.OrgID = a.OrgID
	}
	var path string
	var archived int
	err := q.QueryRow(ctx, `SELECT path, archived FROM org_units WHERE id = ?`, in.OrgID).Scan(&path, &archived)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return err
	}
	if err != nil || archived != 0 || !a.Scope().Contains(path) {
		f["org_id"] = "err.org_unknown"
	}
	return nil
}

// Create adds a document with its first version.
func (s *Service) Create(ctx context.Context, a *auth.Actor, in Input, up Upload) (*Doc, error) {
	if err := a.Require(auth.DocEdit); err != nil {
		return nil, err
	}
	var id int64
	err := s.DB.WithTx(ctx, func(tx *db.Tx) error {
		f := map[string]string{}
		if err := s.checkInput(ctx, tx, a, &in, f); err != nil {
			return err
		}
		if up.R == nil {
			f["file"] = "err.doc_file_required"
		}
		if len(f) > 0 {
			return errs.InvalidFields(f)
		}
		now := db.FormatTime(s.Now())
		var err error
		id, err = tx.InsertID(ctx, `INSERT INTO docs (org_id, category, topic, title, created_by, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)`,
			in.OrgID, string(in.Category), string(in.Topic), in.Title, db.NullID(a.UserID), now, now)
		if err != nil {
			return fmt.Errorf("insert doc: %w", err)
		}
		if err := audit.Write(ctx, tx, audit.Entry{Who: a.Who(), Action: audit.ActionCreate, Entity: "doc", EntityID: strconv.FormatInt(id, 10),
			Detail: map[string]any{"org_id": in.OrgID, "category": in.Category, "title": in.Title}}); err != nil {
			return err
		}
		return s.addVersion(ctx, tx, a, id, 1, up)
	})
	if err != nil {
		return nil, err
	}
	return s.Get(ctx, a, id)
}

// AddVersion uploads a new version of a document of the actor's subtree;
// version is the document's as read.
func (s *Service) AddVersion(ctx context.Context, a *auth.Actor, id int64, version int, up Upload) (*Doc, error) {
	if err := a.Require(auth.DocEdit); err != nil {
		return nil, err
	}
	err := s.DB.WithTx(ctx, func(tx *db.Tx) error {
		d, err := s.writable(ctx, tx, a, id)
		if err != nil {
			return err
		}
		if up.R == nil {
			return errs.InvalidFields(map[string]string{"file": "err.doc_file_required"})
		}
		if d.Version != version {
			return errs.E(errs.Conflict, "err.version_conflict")
		}
		return s.addVersion(ctx, tx, a, id, d.CurrentSeq+1, up)
	})
	if err != nil {
		return nil, err
	}
	return s.Get(ctx, a, id)
}

// Update changes a document's title, category and topic (not its unit).
func (s *Service) Update(ctx context.Context, a *auth.Actor, id int64, version int, in Input) (*Doc, error) {
	if err := a.Require(auth.DocEdit); err != nil {
		return nil, err
	}
	err := s.DB.WithTx(ctx, func(tx *db.Tx) error {
		d, err := s.writable(ctx, tx, a, id)
		if err != nil {
			return err
		}
		in.OrgID = d.OrgID
		f := map[string]string{}
		if err := s.checkInput(ctx, tx, a, &in, f); err != nil {
			return err
		}
		if len(f) > 0 {
			return errs.InvalidFields(f)
		}
		res, err := tx.Exec(ctx, `UPDATE docs SET title = ?, category = ?, topic = ?, version = version + 1, updated_at = ? WHERE id = ? AND version = ?`,
			in.Title, string(in.Category), string(in.Topic), db.FormatTime(s.Now()), id, version)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return errs.E(errs.Conflict, "err.version_conflict")
		}
		return audit.Write(ctx, tx, audit.Entry{Who: a.Who(), Action: audit.ActionUpdate, Entity: "doc", EntityID: strconv.FormatInt(id, 10),
			Detail: map[string]any{"title": map[string]any{"old": d.Title, "new": in.Title}, "category": in.Category, "topic": in.Topic}})
	})
	if err != nil {
		return nil, err
	}
	return s.Get(ctx, a, id)
}

// addVersion stores version seq of document id: the file, its text, and
// the document's current text.
func (s *Service) addVersion(ctx context.Context, tx *db.Tx, a *auth.Actor, id int64, seq int, up Upload) error {
	up.Note, up.Text = strings.TrimSpace(up.Note), strings.TrimSpace(up.Text)
	if ref.TooLong(up.Note, 200) {
		return errs.InvalidFields(map[string]string{"note": "err.too_long"})
	}
	if ref.TooLong(up.Text, MaxBodyRunes) {
		return errs.InvalidFields(map[string]string{"text": "err.too_long"})
	}
	// The text is extracted from the bytes, so the upload is read whole
	// (at most MaxDocBytes; one byte more lets the store refuse it).
	b, err := io.ReadAll(io.LimitReader(up.R, MaxDocBytes+1))
	if err != nil {
		return fmt.Errorf("read upload: %w", err)
	}
	f, err := s.Files.PutTx(ctx, tx, DocKind, up.Name, bytes.NewReader(b), a.UserID)
	if err != nil {
		return err
	}
	body, err := extractText(f.MIME, b)
	if err != nil {
		return errs.InvalidFields(map[string]string{"file": "err.doc_unreadable"})
	}
	body = strings.TrimSpace(body)
	if up.Text != "" {
		body = strings.TrimSpace(body + "\n" + up.Text)
	}
	body = clip(body, MaxBodyRunes)
	name := files.CleanName(up.Name)
	vid, err := tx.InsertID(ctx, `INSERT INTO doc_versions (doc_id, seq, file_id, name, mime, size, body, note, created_by, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, id, seq, f.ID, name, f.MIME, f.Size, body, up.Note, db.NullID(a.UserID), db.FormatTime(s.Now()))
	if db.IsUniqueViolation(err) {
		return errs.E(errs.Conflict, "err.version_conflict")
	}
	if err != nil {
		return fmt.Errorf("insert doc version: %w", err)
	}
	res, err := tx.Exec(ctx, `UPDATE docs SET current_seq = ?, body = ?, version = version + 1, updated_at = ? WHERE id = ? AND current_seq = ?`,
		seq, body, db.FormatTime(s.Now()), id, seq-1)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return errs.E(errs.Conflict, "err.version_conflict")
	}
	return audit.Write(ctx, tx, audit.Entry{Who: a.Who(), Action: "upload", Entity: "doc", EntityID: strconv.FormatInt(id, 10),
		Detail: map[string]any{"seq": seq, "version_id": vid, "file_id": f.ID, "mime": f.MIME, "size": f.Size, "text_chars": len([]rune(body))}})
}
