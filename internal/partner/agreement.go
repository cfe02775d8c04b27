package partner

import (
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

// MaxFileBytes caps an agreement's scan: 10 MB.
const MaxFileBytes = 10 << 20

// FileKind is an agreement's scanned file: a PDF or an image, by content.
var FileKind = files.Kind{Name: "agreement scan", Field: "file", MaxBytes: MaxFileBytes,
	Types: []string{files.PDF, files.JPEG, files.PNG, files.WebP, files.GIF},
	Keys:  files.Keys{Empty: "err.attachment_type", Type: "err.attachment_type", Mismatch: "err.attachment_mismatch", TooLarge: "err.attachment_too_large"}}

// Agreement is a signed agreement with a partner.
type Agreement struct {
	ID        int64
	PartnerID int64
	Title     string
	SignedOn  string
	// StartsOn and EndsOn are the term ('YYYY-MM-DD'); EndsOn '' has no end.
	StartsOn string
	EndsOn   string
	// FileID is the scan in the file store (0: none); FileMIME its type.
	FileID     int64
	FileMIME   string
	Note       string
	RemindedAt string
	Version    int
	CreatedAt  string
	// State on the day it was read: current, ending (within
	// ReminderDays), ended, future.
	State string
	// DaysLeft until the end, for ending agreements.
	DaysLeft int
}

// The states of an agreement.
const (
	StateCurrent = "current"
	StateEnding  = "ending"
	StateEnded   = "ended"
	StateFuture  = "future"
)

// AgreementInput is what a form or the API gives for an agreement.
type AgreementInput struct {
	Title    string
	SignedOn string
	StartsOn string
	EndsOn   string
	Note     string
	// FileName and File are the scan, if any.
	FileName string
	File     io.Reader
}

func (s *Service) state(g *Agreement) {
	today := s.Today()
	switch {
	case g.StartsOn > today:
		g.State = StateFuture
	case g.EndsOn != "" && g.EndsOn < today:
		g.State = StateEnded
	case g.EndsOn != "":
		t, _ := time.Parse(db.DateLayout, today)
		e, _ := time.Parse(db.DateLayout, g.EndsOn)
		if g.DaysLeft = int(e.Sub(t).Hours() / 24); g.DaysLeft <= ReminderDays {
			g.State = StateEnding
		} else {
			g.State = StateCurrent
		}
	default:
		g.State = StateCurrent
	}
}

const agreementCols = `g.id, g.partner_id, g.title, g.signed_on, g.starts_on, g.ends_on, COALESCE(g.file_id, 0), COALESCE(f.mime, ''), g.note, g.reminded_at,
	g.version, g.created_at`

const agreementFrom = ` FROM agreements g LEFT JOIN files f ON f.id = g.file_id`

func (s *Service) scanAgreement(sc db.Scanner) (*Agreement, error) {
	var g Agreement
	err := sc.Scan(&g.ID, &g.PartnerID, &g.Title, &g.SignedOn, &g.StartsOn, &g.EndsOn, &g.FileID, &g.FileMIME, &g.Note, &g.RemindedAt, &g.Version, &g.CreatedAt)
	s.state(&g)
	return &g, err
}

func (s *Service) agreements(ctx context.Context, partnerID int64) ([]*Agreement, error) {
	rows, err := s.DB.Query(ctx, `SELECT `+agreementCols+agreementFrom+` WHERE g.partner_id = ? ORDER BY g.starts_on DESC, g.id DESC`, partnerID)
	return db.Collect(rows, err, s.scanAgreement)
}

// AddAgreement records an agreement of a partner of the actor's subtree,
// with its scan stored in the same transaction.
func (s *Service) AddAgreement(ctx context.Context, a *auth.Actor, partnerID int64, in AgreementInput) (*Agreement, error) {
	if err := a.Require(auth.PartnerEdit); err != nil {
		return nil, err
	}
	f := checkAgreement(&in)
	var id int64
	err := s.DB.WithTx(ctx, func(tx *db.Tx) error {
		p, err := s.get(ctx, tx, a, partnerID)
		if err != nil {
			return err
		}
		if !holds(a, p.OrgPath) {
			return errs.ErrOutOfScope
		}
		if len(f) > 0 {
			return errs.InvalidFields(f)
		}
		var fileID int64
		if in.File != nil {
			st, err := s.Files.PutTx(ctx, tx, FileKind, in.FileName, in.File, a.UserID)
			if err != nil {
				return err
			}
			fileID = st.ID
		}
		now := db.FormatTime(s.Now())
		id, err = tx.InsertID(ctx, `INSERT INTO agreements (partner_id, title, signed_on, starts_on, ends_on, file_id, note, created_by, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, partnerID, in.Title, in.SignedOn, in.StartsOn, in.EndsOn, db.NullID(fileID), in.Note,
			db.NullID(a.UserID), now, now)
		if err != nil {
			return fmt.Errorf("insert agreement: %w", err)
		}
		return audit.Write(ctx, tx, audit.Entry{Who: a.Who(), Action: audit.ActionCreate, Entity: "agreement", EntityID: strconv.FormatInt(id, 10),
			Detail: map[string]any{"partner_id": partnerID, "title": in.Title, "starts_on": in.StartsOn, "ends_on": in.EndsOn, "file_id": fileID}})
	})
	if err != nil {
		return nil, err
	}
	return s.Agreement(ctx, a, id)
}

// checkAgreement trims and checks an agreement's fields, returning the
// field errors (none: valid) with the dates normalised in in.
func checkAgreement(in *AgreementInput) map[string]string {
	f := map[string]string{}
	in.Title, in.Note = strings.TrimSpace(in.Title), strings.TrimSpace(in.Note)
	switch {
	case in.Title == "":
		f["title"] = "err.required"
	case ref.TooLong(in.Title, 100):
		f["title"] = "err.too_long"
	}
	if ref.TooLong(in.Note, 2000) {
		f["note"] = "err.too_long"
	}
	date := func(field, v string, required bool) string {
		if strings.TrimSpace(v) == "" {
			if required {
				f[field] = "err.required"
			}
			return ""
		}
		t, ok := ref.ParseDate(v)
		if !ok {
			f[field] = "err.date_invalid"
			return ""
		}
		return t.Format(db.DateLayout)
	}
	in.SignedOn = date("signed_on", in.SignedOn, false)
	in.StartsOn = date("starts_on", in.StartsOn, true)
	in.EndsOn = date("ends_on", in.EndsOn, false)
	if in.StartsOn == "" && in.SignedOn != "" && f["starts_on"] == "err.required" {
		in.StartsOn = in.SignedOn // the term starts when it is signed, unless said otherwise
		delete(f, "starts_on")
	}
	if in.EndsOn != "" && in.StartsOn != "" && in.EndsOn < in.StartsOn {
		f["ends_on"] = "err.agreement_ends"
	}
	return f
}

// UpdateAgreement changes an agreement's title, dates or note (a renewal
// moves its end) and, when a new scan is given, replaces the scan; the
// reminder is sent again for a new end date. version is the one the form
// was read at.
func (s *Service) UpdateAgreement(ctx context.Context, a *auth.Actor, id int64, version int, in AgreementInput) (*Agreement, error) {
	if err := a.Require(auth.PartnerEdit); err != nil {
		return nil, err
	}
	f := checkAgreement(&in)
	err := s.DB.WithTx(ctx, func(tx *db.Tx) error {
		old, err := s.scanAgreement(tx.QueryRow(ctx, `SELECT `+agreementCols+agreementFrom+` WHERE g.id = ?`, id))
		if errors.Is(err, sql.ErrNoRows) {
			return errs.ErrNotFound
		}
		if err != nil {
			return err
		}
		p, err := s.get(ctx, tx, a, old.PartnerID)
		if err != nil {
			return err
		}
		if !holds(a, p.OrgPath) {
			return errs.ErrOutOfScope
		}
		if len(f) > 0 {
			return errs.InvalidFields(f)
		}
		if old.Version != version {
			return errs.E(errs.Conflict, "err.version_conflict")
		}
		fileID := old.FileID
		if in.File != nil {
			st, err := s.Files.PutTx(ctx, tx, FileKind, in.FileName, in.File, a.UserID)
			if err != nil {
				return err
			}
			fileID = st.ID
		}
		reminded := old.RemindedAt
		if in.EndsOn != old.EndsOn {
			reminded = ""
		}
		res, err := tx.Exec(ctx, `UPDATE agreements SET title = ?, signed_on = ?, starts_on = ?, ends_on = ?, file_id = ?, note = ?, reminded_at = ?,
			version = version + 1, updated_at = ? WHERE id = ? AND version = ?`, in.Title, in.SignedOn, in.StartsOn, in.EndsOn, db.NullID(fileID), in.Note,
			reminded, db.FormatTime(s.Now()), id, version)
		if err != nil {
			return fmt.Errorf("update agreement: %w", err)
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return errs.E(errs.Conflict, "err.version_conflict")
		}
		changes := map[string]any{}
		diff := func(k, was, now string) {
			if was != now {
				changes[k] = map[string]string{"from": was, "to": now}
			}
		}
		diff("title", old.Title, in.Title)
		diff("signed_on", old.SignedOn, in.SignedOn)
		diff("starts_on", old.StartsOn, in.StartsOn)
		diff("ends_on", old.EndsOn, in.EndsOn)
		diff("note", old.Note, in.Note)
		if fileID != old.FileID {
			changes["file_id"] = map[string]int64{"from": old.FileID, "to": fileID}
		}
		return audit.Write(ctx, tx, audit.Entry{Who: a.Who(), Action: audit.ActionUpdate, Entity: "agreement", EntityID: strconv.FormatInt(id, 10),
			Detail: map[string]any{"partner_id": old.PartnerID, "changes": changes}})
	})
	if err != nil {
		return nil, err
	}
	return s.Agreement(ctx, a, id)
}

// Agreement returns an agreement of a partner the actor may see.
func (s *Service) Agreement(ctx context.Context, a *auth.Actor, id int64) (*Agreement, error) {
	if err := a.Require(auth.CommunityView); err != nil {
		return nil, err
	}
	g, err := s.scanAgreement(s.DB.QueryRow(ctx, `SELECT `+agreementCols+agreementFrom+` WHERE g.id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, errs.ErrNotFound
	}
	if err != nil {
		return nil, err
	}
	if _, err := s.get(ctx, s.DB, a, g.PartnerID); err != nil {
		return nil, err
	}
	return g, nil
}

// OpenFile opens an agreement's scan, only for a user whose own subtree
// holds the partner (a committee reads its subdistrict's partners but not
// the subdistrict's signed papers).
func (s *Service) OpenFile(ctx context.Context, a *auth.Actor, agreementID int64) (*files.Reader, error) {
	if err := a.Require(auth.CommunityView); err != nil {
		return nil, err
	}
	var partnerID, fileID int64
	err := s.DB.QueryRow(ctx, `SELECT partner_id, COALESCE(file_id, 0) FROM agreements WHERE id = ?`, agreementID).Scan(&partnerID, &fileID)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, errs.ErrNotFound
	}
	if err != nil {
		return nil, err
	}
	p, err := s.get(ctx, s.DB, a, partnerID)
	if err != nil {
		return nil, err
	}
	if !MayOpenFiles(a, p) {
		return nil, errs.ErrOutOfScope
	}
	if fileID == 0 {
		return nil, errs.ErrNotFound
	}
	return s.Files.Open(ctx, fileID)
}

// NotifyAgreementEnding is the kind of the reminder's notification.
const NotifyAgreementEnding = "agreement_ending"

// RemindEnding tells the staff of each partner's unit (admins, staff and
// committee staff attached to it) of every agreement that ends within
// ReminderDays, once per agreement: the agreement is marked reminded in
// the transaction that writes the notifications, with a conditional
// UPDATE, so several instances running it at once remind once. It returns
// how many agreements it reminded of. It is the housekeeping loop's (the
// system), so it takes no actor.
func (s *Service) RemindEnding(ctx context.Context) (int, error) {
	today := s.Today()
	last := s.Now().In(ref.China).AddDate(0, 0, ReminderDays).Format(db.DateLayout)
	type due struct {
		id, orgID, partnerID int64
		title, partner, ends string
	}
	rows, err := s.DB.Query(ctx, `SELECT g.id, x.org_id, x.id, g.title, x.name, g.ends_on FROM agreements g JOIN partners x ON x.id = g.partner_id
		WHERE g.reminded_at = '' AND g.ends_on <> '' AND g.ends_on >= ? AND g.ends_on <= ? AND x.active = 1 ORDER BY g.ends_on, g.id`, today, last)
	list, err := db.Collect(rows, err, func(sc db.Scanner) (due, error) {
		var d due
		return d, sc.Scan(&d.id, &d.orgID, &d.partnerID, &d.title, &d.partner, &d.ends)
	})
	if err != nil {
		return 0, fmt.Errorf("agreements ending: %w", err)
	}
	n := 0
	for _, d := range list {
		first := false
		err := s.DB.WithTx(ctx, func(tx *db.Tx) error {
			res, err := tx.Exec(ctx, `UPDATE agreements SET reminded_at = ? WHERE id = ? AND reminded_at = ''`, db.FormatTime(s.Now()), d.id)
			if err != nil {
				return err
			}
			if k, _ := res.RowsAffected(); k == 0 {
				return nil // another instance was first
			}
			first = true
			rows, err := tx.Query(ctx, `SELECT id FROM users WHERE org_id = ? AND role IN (?, ?, ?) AND disabled = 0 ORDER BY id`, d.orgID,
				string(auth.StreetAdmin), string(auth.StreetStaff), string(auth.CommitteeStaff))
			users, err := db.Collect(rows, err, db.ScanID)
			if err != nil {
				return err
			}
			sys := auth.System("reminder")
			if err := audit.Write(ctx, tx, audit.Entry{Who: sys.Who(), Action: "remind", Entity: "agreement", EntityID: strconv.FormatInt(d.id, 10),
				Detail: map[string]any{"ends_on": d.ends, "users": len(users)}}); err != nil {
				return err
			}
			if s.Notify == nil || len(users) == 0 {
				return nil
			}
			return s.Notify.NotifyTx(ctx, tx, users, NotifyAgreementEnding, d.partner+" · "+d.title, d.ends, "/partners/"+strconv.FormatInt(d.partnerID, 10))
		})
		if err != nil {
			return n, fmt.Errorf("remind agreement %d: %w", d.id, err)
		}
		if first {
			n++
		}
	}
	return n, nil
}
