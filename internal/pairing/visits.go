package pairing

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"shiliu/internal/audit"
	"shiliu/internal/auth"
	"shiliu/internal/db"
	"shiliu/internal/errs"
	"shiliu/internal/files"
	"shiliu/internal/ref"
)

// MaxPhotoBytes is the largest visit photo accepted.
const MaxPhotoBytes = 10 << 20

// PhotoKind is what a visit photo may be: an image by its content (never
// its name), up to MaxPhotoBytes.
var PhotoKind = files.Kind{Name: "visit photo", Field: "photo", MaxBytes: MaxPhotoBytes,
	Types: []string{files.JPEG, files.PNG, files.GIF, files.WebP},
	Keys:  files.Keys{Empty: "err.photo_empty", Type: "err.photo_type", Mismatch: "err.photo_mismatch", TooLarge: "err.photo_too_large"}}

// Photo is an uploaded image.
type Photo struct {
	Data     []byte
	Filename string
}

// VisitInput is what a form or the API gives for a visit.
type VisitInput struct {
	// Date defaults to today; not in the future, not before the pairing's
	// start (nor after its end, when it has ended).
	Date string
	// VisitorUserID defaults to the actor when VisitorName is empty too. A
	// liaison logs only their own visits.
	VisitorUserID int64
	// VisitorName names a visitor without an account (a volunteer).
	VisitorName string
	Help        string
	ValueCents  int64
	// Minutes the visit took: the helper's volunteer hours (0: not told).
	Minutes int
	Note    string
	Photo   *Photo
}

// Visit is a logged visit.
type Visit struct {
	ID            int64
	PairingID     int64
	Date          string
	VisitorUserID int64
	// VisitorName is the account's name, or the name given.
	VisitorName string
	Help        string
	ValueCents  int64
	Note        string
	HasPhoto    bool
	PhotoName   string
	PhotoType   string
	PhotoSize   int64
	CreatedBy   string // username
	CreatedAt   string
}

// mayLogVisit reports whether the actor may log a visit of a pairing in
// their scope: with PairingEdit when its target's committee is in the
// actor's subtree; with VisitLog when they are its helper, or (a liaison)
// when its target is assigned to them — which is all a liaison sees.
func mayLogVisit(a *auth.Actor, p *Pairing) bool {
	if mayEdit(a, p) {
		return true
	}
	if !a.Can(auth.VisitLog) {
		return false
	}
	return isLiaison(a) || p.HelperUserID == a.UserID
}

// MayLogVisit tells the web layer whether to offer the visit form.
func MayLogVisit(a *auth.Actor, p *Pairing) bool { return mayLogVisit(a, p) }

// MayEdit tells the web layer whether to offer editing and ending.
func MayEdit(a *auth.Actor, p *Pairing) bool { return mayEdit(a, p) }

// sniffPhoto checks a photo as the file store will (an image by its
// content, not over MaxPhotoBytes), so that its error is reported with the
// form's others. It returns the content type or a field error key.
func sniffPhoto(ph *Photo) (string, string) {
	if len(ph.Data) > MaxPhotoBytes {
		return "", PhotoKind.Keys.TooLarge
	}
	ct, err := PhotoKind.Check(ph.Data[:min(len(ph.Data), 512)], ph.Filename)
	if e, ok := errs.As(err); ok {
		return "", e.Fields[PhotoKind.Field]
	}
	return ct, ""
}

// LogVisit records a visit of a pairing, with its photo if any.
func (s *Service) LogVisit(ctx context.Context, a *auth.Actor, pairingID int64, in VisitInput) (*Visit, error) {
	if err := a.Require(auth.VisitLog); err != nil {
		return nil, err
	}
	f := map[string]string{}
	in.Date = s.pastDate(in.Date, "date", f)
	in.VisitorName, in.Help, in.Note = strings.TrimSpace(in.VisitorName), strings.TrimSpace(in.Help), strings.TrimSpace(in.Note)
	if ref.TooLong(in.VisitorName, 50) {
		f["visitor_name"] = "err.too_long"
	}
	if ref.TooLong(in.Help, 1000) {
		f["help"] = "err.too_long"
	}
	if ref.TooLong(in.Note, 2000) {
		f["note"] = "err.too_long"
	}
	if in.ValueCents < 0 || in.ValueCents > 1e11 {
		f["value_cents"] = "err.amount_invalid"
	}
	if in.Minutes < 0 || in.Minutes > 24*60 {
		f["minutes"] = "err.hours_day"
	}
	var ctype, photoName string
	if in.Photo != nil {
		var key string
		if ctype, key = sniffPhoto(in.Photo); key != "" {
			f["photo"] = key
		}
		photoName = files.CleanName(in.Photo.Filename)
	}
	if in.VisitorUserID == 0 && in.VisitorName == "" {
		in.VisitorUserID = a.UserID
	}
	// The pairing and the actor's right are checked before anything is
	// stored.
	p, err := s.Get(ctx, a, pairingID)
	if err != nil {
		return nil, err
	}
	if !mayLogVisit(a, p) {
		return nil, errForbidden
	}
	if f["date"] == "" {
		if in.Date < p.StartDate {
			f["date"] = "err.date_before_start"
		} else if p.Status == Ended && in.Date > p.EndedAt {
			f["date"] = "err.date_after_end"
		}
	}
	if in.VisitorUserID != 0 && in.VisitorUserID != a.UserID && in.VisitorUserID != p.HelperUserID {
		if isLiaison(a) {
			f["visitor_user_id"] = "err.user_unknown"
		} else if k, err := checkUser(ctx, s.DB, a, in.VisitorUserID, append([]auth.Role{auth.Liaison}, officialRoles...), "err.user_unknown"); err != nil {
			return nil, err
		} else if k != "" {
			f["visitor_user_id"] = k
		}
	}
	if len(f) > 0 {
		return nil, errs.InvalidFields(f)
	}
	var id int64
	err = s.DB.WithTx(ctx, func(tx *db.Tx) error {
		// Lock the pairing's row first (PostgreSQL), so that two visits
		// logged at once each see the other when the due date is
		// recomputed; then read it again: it may have ended meanwhile.
		if _, err := tx.Exec(ctx, `UPDATE pairings SET version = version WHERE id = ?`, pairingID); err != nil {
			return err
		}
		var status, endedAt string
		if err := tx.QueryRow(ctx, `SELECT status, ended_at FROM pairings WHERE id = ?`, pairingID).Scan(&status, &endedAt); err != nil {
			return err
		}
		if status == string(Ended) && in.Date > endedAt {
			return errs.InvalidFields(map[string]string{"date": "err.date_after_end"})
		}
		var size, fileID int64
		if in.Photo != nil {
			// In the visit's transaction: a refused visit keeps no photo.
			pf, err := s.Files.PutTx(ctx, tx, PhotoKind, in.Photo.Filename, bytes.NewReader(in.Photo.Data), a.UserID)
			if err != nil {
				return err
			}
			size, fileID, ctype = pf.Size, pf.ID, pf.MIME
		}
		var err error
		id, err = tx.InsertID(ctx, `INSERT INTO pairing_visits (pairing_id, date, visitor_user_id, visitor_name, help, value_cents, minutes, note,
			photo_path, photo_file_id, photo_type, photo_name, photo_size, created_by, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, '', ?, ?, ?, ?, ?, ?)`,
			pairingID, in.Date, db.NullID(in.VisitorUserID), in.VisitorName, in.Help, in.ValueCents, in.Minutes, in.Note, db.NullID(fileID), ctype, photoName, size,
			db.NullID(a.UserID), db.FormatTime(s.Now()))
		if err != nil {
			return fmt.Errorf("insert visit: %w", err)
		}
		if err := s.refreshDue(ctx, tx, pairingID); err != nil {
			return err
		}
		return audit.Write(ctx, tx, audit.Entry{Who: a.Who(), Action: audit.ActionCreate, Entity: "pairing_visit", EntityID: strconv.FormatInt(id, 10),
			Detail: map[string]any{"pairing_id": pairingID, "date": in.Date, "visitor_user_id": in.VisitorUserID, "visitor_name": in.VisitorName,
				"value_cents": in.ValueCents, "minutes": in.Minutes, "photo": in.Photo != nil}})
	})
	if err != nil {
		return nil, err
	}
	return s.visit(ctx, id)
}

const visitCols = `v.id, v.pairing_id, v.date, COALESCE(v.visitor_user_id, 0), v.visitor_name, COALESCE(vu.display_name, ''), COALESCE(vu.username, ''),
	v.help, v.value_cents, v.note, COALESCE(v.photo_file_id, 0), v.photo_path, v.photo_name, v.photo_type, v.photo_size, COALESCE(cu.username, ''), v.created_at`

const visitFrom = ` FROM pairing_visits v LEFT JOIN users vu ON vu.id = v.visitor_user_id LEFT JOIN users cu ON cu.id = v.created_by`

func scanVisit(sc interface{ Scan(...any) error }) (*Visit, error) {
	var v Visit
	var dn, un, path string
	var fileID int64
	if err := sc.Scan(&v.ID, &v.PairingID, &v.Date, &v.VisitorUserID, &v.VisitorName, &dn, &un, &v.Help, &v.ValueCents, &v.Note, &fileID, &path,
		&v.PhotoName, &v.PhotoType, &v.PhotoSize, &v.CreatedBy, &v.CreatedAt); err != nil {
		return nil, err
	}
	if v.VisitorUserID != 0 && v.VisitorName == "" {
		v.VisitorName = userName(dn, un)
	}
	v.HasPhoto = fileID != 0 || path != ""
	return &v, nil
}

func (s *Service) visit(ctx context.Context, id int64) (*Visit, error) {
	return scanVisit(s.DB.QueryRow(ctx, `SELECT `+visitCols+visitFrom+` WHERE v.id = ?`, id))
}

// Visits lists a pairing's visits, newest first.
func (s *Service) Visits(ctx context.Context, a *auth.Actor, pairingID int64) ([]*Visit, error) {
	if err := a.Require(auth.PairingView); err != nil {
		return nil, err
	}
	if _, err := s.Get(ctx, a, pairingID); err != nil {
		return nil, err
	}
	rows, err := s.DB.Query(ctx, `SELECT `+visitCols+visitFrom+` WHERE v.pairing_id = ? ORDER BY v.date DESC, v.id DESC`, pairingID)
	return db.Collect(rows, err, scanVisit)
}

// PhotoFile is an open visit photo; the caller closes it.
type PhotoFile struct {
	*files.Reader
	Name        string // as uploaded
	ContentType string
	Size        int64
	ModTime     string // the visit's created_at
}

// Photo opens the photo of a visit whose pairing is in the actor's scope
// (checked here: the file store does not know who may see what).
func (s *Service) Photo(ctx context.Context, a *auth.Actor, visitID int64) (*PhotoFile, error) {
	if err := a.Require(auth.PairingView); err != nil {
		return nil, err
	}
	var pid, fileID int64
	pf := &PhotoFile{}
	err := s.DB.QueryRow(ctx, `SELECT pairing_id, COALESCE(photo_file_id, 0), photo_name, photo_type, photo_size, created_at FROM pairing_visits WHERE id = ?`, visitID).
		Scan(&pid, &fileID, &pf.Name, &pf.ContentType, &pf.Size, &pf.ModTime)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, errs.ErrNotFound
	}
	if err != nil {
		return nil, err
	}
	if _, err := s.Get(ctx, a, pid); err != nil {
		return nil, err
	}
	if fileID == 0 {
		// None, or still on disk until MoveDiskFiles moves it in.
		return nil, errs.ErrNotFound
	}
	fh, err := s.Files.Open(ctx, fileID)
	if err != nil {
		return nil, fmt.Errorf("open visit photo %d: %w", visitID, err)
	}
	pf.Reader = fh
	return pf, nil
}

// OverdueVisits lists the active pairings in the actor's scope whose next
// visit is past due, the most overdue first (DaysOverdue set). A liaison
// sees only the pairings they help in or whose target is assigned to them.
func (s *Service) OverdueVisits(ctx context.Context, a *auth.Actor) ([]*Pairing, error) {
	if err := a.Require(auth.PairingView); err != nil {
		return nil, err
	}
	sc, args := pairingScope(a, "pr")
	return s.query(ctx, ` WHERE `+sc+` AND pr.status = 'active' AND pr.next_due_date <> '' AND pr.next_due_date < ? ORDER BY pr.next_due_date, pr.id`,
		append(args, s.Today())...)
}

// mine is the condition "the actor's own pairings": those they help in,
// and for a liaison those whose target is assigned to them.
func mine(a *auth.Actor) (string, []any) {
	if isLiaison(a) {
		return pairingScope(a, "pr")
	}
	return "pr.helper_user_id = ?", []any{a.UserID}
}

// MyVisitsDue lists the actor's own active pairings with a visit overdue
// or due within DueSoonDays, the most urgent first: the "My work" page.
func (s *Service) MyVisitsDue(ctx context.Context, a *auth.Actor) ([]*Pairing, error) {
	if err := a.Require(auth.PairingView); err != nil {
		return nil, err
	}
	cond, args := mine(a)
	return s.query(ctx, ` WHERE `+cond+` AND pr.status = 'active' AND pr.next_due_date <> '' AND pr.next_due_date <= ? ORDER BY pr.next_due_date, pr.id`,
		append(args, addDays(s.Today(), DueSoonDays))...)
}

// Counts are the figures of a dashboard or a "My work" badge.
type Counts struct {
	Active  int // active pairings
	Overdue int // of them, with a visit past due
	DueSoon int // of them, due today or within DueSoonDays
	// MineOverdue and MineDueSoon count the actor's own pairings (see
	// MyVisitsDue).
	MineOverdue int
	MineDueSoon int
}

// Counts returns the pairing figures in the actor's scope.
func (s *Service) Counts(ctx context.Context, a *auth.Actor) (Counts, error) {
	if err := a.Require(auth.PairingView); err != nil {
		return Counts{}, err
	}
	var c Counts
	today, soon := s.Today(), addDays(s.Today(), DueSoonDays)
	sc, args := pairingScope(a, "pr")
	err := s.DB.QueryRow(ctx, `SELECT COUNT(*),
		COALESCE(SUM(CASE WHEN pr.next_due_date <> '' AND pr.next_due_date < ? THEN 1 ELSE 0 END), 0),
		COALESCE(SUM(CASE WHEN pr.next_due_date >= ? AND pr.next_due_date <= ? THEN 1 ELSE 0 END), 0)
		FROM pairings pr WHERE pr.status = 'active' AND `+sc, append([]any{today, today, soon}, args...)...).Scan(&c.Active, &c.Overdue, &c.DueSoon)
	if err != nil {
		return c, fmt.Errorf("pairing counts: %w", err)
	}
	mc, margs := mine(a)
	err = s.DB.QueryRow(ctx, `SELECT
		COALESCE(SUM(CASE WHEN pr.next_due_date <> '' AND pr.next_due_date < ? THEN 1 ELSE 0 END), 0),
		COALESCE(SUM(CASE WHEN pr.next_due_date >= ? AND pr.next_due_date <= ? THEN 1 ELSE 0 END), 0)
		FROM pairings pr WHERE pr.status = 'active' AND `+mc, append([]any{today, today, soon}, margs...)...).Scan(&c.MineOverdue, &c.MineDueSoon)
	if err != nil {
		return c, fmt.Errorf("pairing counts: %w", err)
	}
	return c, nil
}
