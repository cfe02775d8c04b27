// Package pairing is pairing assistance (结对帮困): a volunteer, liaison,
// partner organisation or official paired with a person or household in
// hardship, the visits made with the help given, and the visit cadence that
// tells which pairing is overdue; befriending contacts with representative
// figures (交友) with the opinions collected (信息反馈); and the duty rosters
// of the hotline and the reception window with the hours served.
//
// Every read takes the actor and is limited to its scope: the org subtree
// of the actor through the target's committee; a liaison sees only the
// pairings whose target is assigned to them. Everyone sees the pairings in
// which they are the helper. Every write records its audit entry in the
// same transaction.
package pairing

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
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

// Service is pairing assistance, befriending contacts and duty rosters.
type Service struct {
	DB *db.DB
	// Files keeps visit photos. DataDir is where earlier versions kept them
	// (photos/<yyyy>/…), until MoveDiskFiles moves them in.
	Files   *files.Store
	DataDir string
	// Now is the clock (tests move it).
	Now func() time.Time
	// Feedback opens the feedback case of a contact's opinion in the
	// contact's own transaction (the cases service). Nil leaves opinions
	// unlinked, listed for LinkContactCase.
	Feedback FeedbackIntake
}

// FeedbackIntake opens the case that tracks an opinion collected in a
// contact, inside the transaction tx that records the contact, so the
// contact, its case and their link are written together or not at all.
// after is called once tx has committed (the case's notifications).
type FeedbackIntake interface {
	FeedbackCase(ctx context.Context, tx *db.Tx, a *auth.Actor, personID int64, opinion string) (caseID int64, after func(), err error)
}

// New returns the service; photos are stored under dataDir.
func New(d *db.DB, dataDir string) *Service {
	return &Service{DB: d, Files: files.New(d), DataDir: dataDir, Now: time.Now}
}

// Today is the current date in China, YYYY-MM-DD.
func (s *Service) Today() string { return s.Now().In(ref.China).Format(db.DateLayout) }

// HelperKind is who helps in a pairing.
type HelperKind string

// The helper kinds.
const (
	// HelperVolunteer is a registered person (usually tagged 志愿者):
	// HelperPersonID.
	HelperVolunteer HelperKind = "volunteer"
	// HelperLiaison is a liaison's account: HelperUserID.
	HelperLiaison HelperKind = "liaison"
	// HelperPartner is a partner organisation, by name: HelperName.
	HelperPartner HelperKind = "partner"
	// HelperOfficial is a staff or leader's account: HelperUserID.
	HelperOfficial HelperKind = "official"
)

// HelperKinds lists the kinds in display order.
var HelperKinds = []HelperKind{HelperVolunteer, HelperLiaison, HelperPartner, HelperOfficial}

// Valid reports whether k is a known kind.
func (k HelperKind) Valid() bool {
	for _, x := range HelperKinds {
		if k == x {
			return true
		}
	}
	return false
}

// Status is where a pairing stands.
type Status string

// The statuses.
const (
	Active Status = "active"
	Ended  Status = "ended"
)

// DueSoonDays is how far ahead MyVisitsDue and Counts look for visits
// coming due.
const DueSoonDays = 7

// Pairing is a helper paired with a person or household.
type Pairing struct {
	ID      int64
	OrgID   int64 // the target's committee
	OrgName string

	HelperKind     HelperKind
	HelperPersonID int64
	HelperUserID   int64
	// HelperName is the helper as shown: the volunteer's or account's name,
	// or the partner's.
	HelperName string

	TargetPersonID    int64
	TargetHouseholdID int64
	// TargetName is the person's name, or the household head's name (or
	// address when it has no head); TargetHousehold is the household's code.
	TargetName      string
	TargetHousehold string

	StartDate   string
	EndDate     string // agreed end, '' when open
	Agreement   string
	CadenceDays int // 0: no fixed cadence
	Status      Status
	EndedAt     string // date
	EndReason   string

	LastVisitDate string
	// NextDueDate is when the next visit is due ('' without a cadence);
	// DaysOverdue counts the days since (negative: days left), as of today.
	NextDueDate string
	DaysOverdue int
	// Visits and ValueCents total the visits logged and the help's value.
	Visits     int
	ValueCents int64

	Version   int
	CreatedAt string
	UpdatedAt string
	orgPath   string
}

// Overdue reports whether an active pairing's visit is past due.
func (p *Pairing) Overdue() bool {
	return p.Status == Active && p.NextDueDate != "" && p.DaysOverdue > 0
}

const pairingCols = `pr.id, pr.org_id, o.name, o.path, pr.helper_kind, COALESCE(pr.helper_person_id, 0), COALESCE(pr.helper_user_id, 0),
	pr.helper_name, COALESCE(hp.name, ''), COALESCE(hu.display_name, ''), COALESCE(hu.username, ''),
	COALESCE(pr.target_person_id, 0), COALESCE(pr.target_household_id, 0), COALESCE(tp.name, ''), COALESCE(th.code, ''), COALESCE(th.address, ''),
	COALESCE(thp.name, ''), pr.start_date, pr.end_date, pr.agreement, pr.cadence_days, pr.status, pr.ended_at, pr.end_reason,
	pr.last_visit_date, pr.next_due_date,
	(SELECT COUNT(*) FROM pairing_visits v WHERE v.pairing_id = pr.id),
	(SELECT CAST(COALESCE(SUM(v.value_cents), 0) AS BIGINT) FROM pairing_visits v WHERE v.pairing_id = pr.id),
	pr.version, pr.created_at, pr.updated_at`

const pairingFrom = ` FROM pairings pr JOIN org_units o ON o.id = pr.org_id
	LEFT JOIN persons hp ON hp.id = pr.helper_person_id LEFT JOIN users hu ON hu.id = pr.helper_user_id
	LEFT JOIN persons tp ON tp.id = pr.target_person_id LEFT JOIN households th ON th.id = pr.target_household_id
	LEFT JOIN persons thp ON thp.id = th.head_person_id`

func (s *Service) scanPairing(sc interface{ Scan(...any) error }) (*Pairing, error) {
	var p Pairing
	var kind, status, hpName, huName, huUser, thAddr, thHead string
	err := sc.Scan(&p.ID, &p.OrgID, &p.OrgName, &p.orgPath, &kind, &p.HelperPersonID, &p.HelperUserID,
		&p.HelperName, &hpName, &huName, &huUser,
		&p.TargetPersonID, &p.TargetHouseholdID, &p.TargetName, &p.TargetHousehold, &thAddr,
		&thHead, &p.StartDate, &p.EndDate, &p.Agreement, &p.CadenceDays, &status, &p.EndedAt, &p.EndReason,
		&p.LastVisitDate, &p.NextDueDate, &p.Visits, &p.ValueCents, &p.Version, &p.CreatedAt, &p.UpdatedAt)
	if err != nil {
		return nil, err
	}
	p.HelperKind, p.Status = HelperKind(kind), Status(status)
	switch {
	case p.HelperPersonID != 0:
		p.HelperName = hpName
	case p.HelperUserID != 0:
		p.HelperName = userName(huName, huUser)
	}
	if p.TargetHouseholdID != 0 {
		p.TargetName = thHead
		if p.TargetName == "" {
			p.TargetName = thAddr
		}
	}
	if p.NextDueDate != "" {
		p.DaysOverdue = daysBetween(p.NextDueDate, s.Today())
	}
	return &p, nil
}

func userName(display, username string) string {
	if display != "" {
		return display
	}
	return username
}

// Get returns a pairing in the actor's scope.
func (s *Service) Get(ctx context.Context, a *auth.Actor, id int64) (*Pairing, error) {
	if err := a.Require(auth.PairingView); err != nil {
		return nil, err
	}
	return s.get(ctx, s.DB, a, id)
}

func (s *Service) get(ctx context.Context, q db.Querier, a *auth.Actor, id int64) (*Pairing, error) {
	p, err := s.scanPairing(q.QueryRow(ctx, `SELECT `+pairingCols+pairingFrom+` WHERE pr.id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, errs.ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("get pairing %d: %w", id, err)
	}
	cond, args := pairingScope(a, "pr")
	var one int
	err = q.QueryRow(ctx, `SELECT 1 FROM pairings pr WHERE pr.id = ? AND `+cond, append([]any{id}, args...)...).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, errs.ErrOutOfScope
	}
	if err != nil {
		return nil, err
	}
	return p, nil
}

// mayEdit reports whether the actor may change pairing p: PairingEdit, and
// the target's committee in the actor's subtree (a liaison never may).
func mayEdit(a *auth.Actor, p *Pairing) bool {
	return a.Can(auth.PairingEdit) && !isLiaison(a) && inRange(a, p.orgPath)
}

// Input is what a form or the API gives for a pairing.
type Input struct {
	HelperKind     HelperKind
	HelperPersonID int64 // volunteer
	HelperUserID   int64 // liaison, official
	HelperName     string
	// One of the two; the target of a pairing does not change on Update.
	TargetPersonID    int64
	TargetHouseholdID int64
	// StartDate defaults to today.
	StartDate   string
	EndDate     string
	Agreement   string
	CadenceDays int
	Version     int
}

// pastDate is a form's date that may not lie in the future: today when
// empty, normalised when valid, else a message for field in f (the date is
// then returned as given).
func (s *Service) pastDate(date, field string, f map[string]string) string {
	if strings.TrimSpace(date) == "" {
		return s.Today()
	}
	d, ok := parseDate(date)
	switch {
	case !ok:
		f[field] = "err.date_invalid"
		return date
	case d > s.Today():
		f[field] = "err.date_future"
	}
	return d
}

// parseDate normalises a date; ok is false when it is not one.
func parseDate(s string) (string, bool) {
	t, ok := ref.ParseDate(s)
	if !ok {
		return "", false
	}
	return t.Format(db.DateLayout), true
}

// addDays adds n days to a date.
func addDays(date string, n int) string {
	t, err := time.Parse(db.DateLayout, date)
	if err != nil {
		return ""
	}
	return t.AddDate(0, 0, n).Format(db.DateLayout)
}

// daysBetween returns to − from in days.
func daysBetween(from, to string) int {
	f, err1 := time.Parse(db.DateLayout, from)
	t, err2 := time.Parse(db.DateLayout, to)
	if err1 != nil || err2 != nil {
		return 0
	}
	return int(t.Sub(f).Hours() / 24)
}

// target is a pairing's target after checks.
type target struct {
	orgID int64
}

// validate checks an input. On create it checks the target too and returns
// its committee.
func (s *Service) validate(ctx context.Context, tx *db.Tx, a *auth.Actor, in *Input, create bool) (target, error) {
	f := map[string]string{}
	in.HelperName, in.Agreement = strings.TrimSpace(in.HelperName), strings.TrimSpace(in.Agreement)
	switch in.HelperKind {
	case HelperVolunteer:
		in.HelperUserID, in.HelperName = 0, ""
		if in.HelperPersonID == 0 {
			f["helper_person_id"] = "err.required"
		} else if _, key, err := checkPerson(ctx, tx, a, in.HelperPersonID, "err.volunteer_unknown"); err != nil {
			return target{}, err
		} else if key != "" {
			f["helper_person_id"] = key
		}
	case HelperLiaison, HelperOfficial:
		in.HelperPersonID, in.HelperName = 0, ""
		roles, key := []auth.Role{auth.Liaison}, "err.liaison_unknown"
		if in.HelperKind == HelperOfficial {
			roles, key = officialRoles, "err.user_unknown"
		}
		if in.HelperUserID == 0 {
			f["helper_user_id"] = "err.required"
		} else if k, err := checkUser(ctx, tx, a, in.HelperUserID, roles, key); err != nil {
			return target{}, err
		} else if k != "" {
			f["helper_user_id"] = k
		}
	case HelperPartner:
		in.HelperPersonID, in.HelperUserID = 0, 0
		if in.HelperName == "" {
			f["helper_name"] = "err.required"
		} else if ref.TooLong(in.HelperName, 100) {
			f["helper_name"] = "err.too_long"
		}
	case "":
		f["helper_kind"] = "err.required"
	default:
		f["helper_kind"] = "err.invalid"
	}
	if strings.TrimSpace(in.StartDate) == "" {
		in.StartDate = s.Today()
	}
	if d, ok := parseDate(in.StartDate); ok {
		in.StartDate = d
	} else {
		f["start_date"] = "err.date_invalid"
	}
	if strings.TrimSpace(in.EndDate) != "" {
		if d, ok := parseDate(in.EndDate); !ok {
			f["end_date"] = "err.date_invalid"
		} else if in.EndDate = d; f["start_date"] == "" && d < in.StartDate {
			f["end_date"] = "err.date_before_start"
		}
	} else {
		in.EndDate = ""
	}
	if ref.TooLong(in.Agreement, 2000) {
		f["agreement"] = "err.too_long"
	}
	if in.CadenceDays < 0 || in.CadenceDays > 366 {
		f["cadence_days"] = "err.cadence_invalid"
	}
	var t target
	if create {
		switch {
		case in.TargetPersonID == 0 && in.TargetHouseholdID == 0:
			f["target"] = "err.required"
		case in.TargetPersonID != 0 && in.TargetHouseholdID != 0:
			f["target"] = "err.target_one"
		case in.TargetPersonID != 0:
			var path, status string
			var archived int
			err := tx.QueryRow(ctx, `SELECT p.org_id, o.path, p.status, p.archived FROM persons p JOIN org_units o ON o.id = p.org_id WHERE p.id = ?`,
				in.TargetPersonID).Scan(&t.orgID, &path, &status, &archived)
			if err != nil && !errors.Is(err, sql.ErrNoRows) {
				return t, err
			}
			if err != nil || status != "active" || archived != 0 || (isLiaison(a) || !inRange(a, path)) {
				f["target_person_id"] = "err.target_unknown"
			}
		default:
			var path string
			var archived int
			err := tx.QueryRow(ctx, `SELECT h.org_id, o.path, h.archived FROM households h JOIN org_units o ON o.id = h.org_id WHERE h.id = ?`,
				in.TargetHouseholdID).Scan(&t.orgID, &path, &archived)
			if err != nil && !errors.Is(err, sql.ErrNoRows) {
				return t, err
			}
			if err != nil || archived != 0 || (isLiaison(a) || !inRange(a, path)) {
				f["target_household_id"] = "err.target_unknown"
			}
		}
	}
	if len(f) > 0 {
		return t, errs.InvalidFields(f)
	}
	return t, nil
}

// Create pairs a helper with a person or household in the actor's scope.
// An active pairing of the same helper with the same target is refused as
// a conflict.
func (s *Service) Create(ctx context.Context, a *auth.Actor, in Input) (*Pairing, error) {
	if err := a.Require(auth.PairingEdit); err != nil {
		return nil, err
	}
	if !a.Can(auth.PairingEdit) || isLiaison(a) {
		return nil, errForbidden
	}
	var id int64
	err := s.DB.WithTx(ctx, func(tx *db.Tx) error {
		t, err := s.validate(ctx, tx, a, &in, true)
		if err != nil {
			return err
		}
		var dup int
		err = tx.QueryRow(ctx, `SELECT COUNT(*) FROM pairings WHERE status = 'active' AND helper_kind = ?
			AND COALESCE(helper_person_id, 0) = ? AND COALESCE(helper_user_id, 0) = ? AND helper_name = ?
			AND COALESCE(target_person_id, 0) = ? AND COALESCE(target_household_id, 0) = ?`,
			string(in.HelperKind), in.HelperPersonID, in.HelperUserID, in.HelperName, in.TargetPersonID, in.TargetHouseholdID).Scan(&dup)
		if err != nil {
			return err
		}
		if dup > 0 {
			return errs.E(errs.Conflict, "err.pairing_exists")
		}
		now := db.FormatTime(s.Now())
		next := ""
		if in.CadenceDays > 0 {
			next = addDays(in.StartDate, in.CadenceDays)
		}
		id, err = tx.InsertID(ctx, `INSERT INTO pairings (org_id, helper_kind, helper_person_id, helper_user_id, helper_name, target_person_id,
			target_household_id, start_date, end_date, agreement, cadence_days, next_due_date, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			t.orgID, string(in.HelperKind), db.NullID(in.HelperPersonID), db.NullID(in.HelperUserID), in.HelperName, db.NullID(in.TargetPersonID),
			db.NullID(in.TargetHouseholdID), in.StartDate, in.EndDate, in.Agreement, in.CadenceDays, next, now, now)
		if err != nil {
			return fmt.Errorf("insert pairing: %w", err)
		}
		return audit.Write(ctx, tx, audit.Entry{Who: a.Who(), Action: audit.ActionCreate, Entity: "pairing", EntityID: strconv.FormatInt(id, 10),
			Detail: map[string]any{"org_id": t.orgID, "helper_kind": in.HelperKind, "helper_person_id": in.HelperPersonID, "helper_user_id": in.HelperUserID,
				"helper_name": in.HelperName, "target_person_id": in.TargetPersonID, "target_household_id": in.TargetHouseholdID,
				"start_date": in.StartDate, "end_date": in.EndDate, "cadence_days": in.CadenceDays}})
	})
	if err != nil {
		return nil, err
	}
	return s.Get(ctx, a, id)
}

// fields returns the editable values of a pairing for audit comparisons.
func (p *Pairing) fields() map[string]any {
	partner := ""
	if p.HelperKind == HelperPartner {
		partner = p.HelperName
	}
	return map[string]any{"helper_kind": p.HelperKind, "helper_person_id": p.HelperPersonID, "helper_user_id": p.HelperUserID,
		"helper_name": partner, "start_date": p.StartDate, "end_date": p.EndDate, "agreement": p.Agreement, "cadence_days": p.CadenceDays}
}

// Update changes a pairing's helper, dates, agreement and cadence (its
// target stays: another target is another pairing). A stale Version is
// refused as a conflict.
func (s *Service) Update(ctx context.Context, a *auth.Actor, id int64, in Input) error {
	if err := a.Require(auth.PairingEdit); err != nil {
		return err
	}
	return s.DB.WithTx(ctx, func(tx *db.Tx) error {
		old, err := s.get(ctx, tx, a, id)
		if err != nil {
			return err
		}
		if !mayEdit(a, old) {
			return errForbidden
		}
		if _, err := s.validate(ctx, tx, a, &in, false); err != nil {
			return err
		}
		if in.StartDate > old.StartDate {
			var early int
			if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM pairing_visits WHERE pairing_id = ? AND date < ?`, id, in.StartDate).Scan(&early); err != nil {
				return err
			}
			if early > 0 {
				return errs.InvalidFields(map[string]string{"start_date": "err.start_after_visits"})
			}
		}
		res, err := tx.Exec(ctx, `UPDATE pairings SET helper_kind = ?, helper_person_id = ?, helper_user_id = ?, helper_name = ?, start_date = ?,
			end_date = ?, agreement = ?, cadence_days = ?, version = version + 1, updated_at = ? WHERE id = ? AND version = ?`,
			string(in.HelperKind), db.NullID(in.HelperPersonID), db.NullID(in.HelperUserID), in.HelperName, in.StartDate, in.EndDate, in.Agreement,
			in.CadenceDays, db.FormatTime(s.Now()), id, in.Version)
		if err != nil {
			return fmt.Errorf("update pairing: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return errs.E(errs.Conflict, "err.version_conflict")
		}
		if err := s.refreshDue(ctx, tx, id); err != nil {
			return err
		}
		newP := *old
		newP.HelperKind, newP.HelperPersonID, newP.HelperUserID, newP.HelperName = in.HelperKind, in.HelperPersonID, in.HelperUserID, in.HelperName
		newP.StartDate, newP.EndDate, newP.Agreement, newP.CadenceDays = in.StartDate, in.EndDate, in.Agreement, in.CadenceDays
		changes := audit.Changes(old.fields(), newP.fields())
		if len(changes) == 0 {
			return nil
		}
		return audit.Write(ctx, tx, audit.Entry{Who: a.Who(), Action: audit.ActionUpdate, Entity: "pairing", EntityID: strconv.FormatInt(id, 10), Detail: changes})
	})
}

// End ends an active pairing on a date (not in the future, not before its
// start or its last visit) with a reason. Ending an ended pairing is a
// conflict.
func (s *Service) End(ctx context.Context, a *auth.Actor, id int64, date, reason string) error {
	if err := a.Require(auth.PairingEdit); err != nil {
		return err
	}
	reason = strings.TrimSpace(reason)
	f := map[string]string{}
	if reason == "" {
		f["end_reason"] = "err.reason_required"
	} else if ref.TooLong(reason, 500) {
		f["end_reason"] = "err.too_long"
	}
	if strings.TrimSpace(date) == "" {
		date = s.Today()
	}
	if d, ok := parseDate(date); !ok {
		f["ended_at"] = "err.date_invalid"
	} else if date = d; d > s.Today() {
		f["ended_at"] = "err.date_future"
	}
	return s.DB.WithTx(ctx, func(tx *db.Tx) error {
		p, err := s.get(ctx, tx, a, id)
		if err != nil {
			return err
		}
		if !mayEdit(a, p) {
			return errForbidden
		}
		if p.Status != Active {
			return errs.E(errs.Conflict, "err.pairing_ended")
		}
		if f["ended_at"] == "" && date < p.StartDate {
			f["ended_at"] = "err.date_before_start"
		} else if f["ended_at"] == "" && date < p.LastVisitDate {
			f["ended_at"] = "err.date_before_last_visit"
		}
		if len(f) > 0 {
			return errs.InvalidFields(f)
		}
		res, err := tx.Exec(ctx, `UPDATE pairings SET status = 'ended', ended_at = ?, end_reason = ?, version = version + 1, updated_at = ?
			WHERE id = ? AND status = 'active'`, date, reason, db.FormatTime(s.Now()), id)
		if err != nil {
			return fmt.Errorf("end pairing: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return errs.E(errs.Conflict, "err.pairing_ended")
		}
		return audit.Write(ctx, tx, audit.Entry{Who: a.Who(), Action: "end", Entity: "pairing", EntityID: strconv.FormatInt(id, 10),
			Detail: map[string]any{"ended_at": date, "end_reason": reason}})
	})
}

// refreshDue recomputes a pairing's last visit and next due date.
func (s *Service) refreshDue(ctx context.Context, tx *db.Tx, id int64) error {
	var start, last string
	var cadence int
	if err := tx.QueryRow(ctx, `SELECT start_date, cadence_days, (SELECT COALESCE(MAX(date), '') FROM pairing_visits WHERE pairing_id = ?)
		FROM pairings WHERE id = ?`, id, id).Scan(&start, &cadence, &last); err != nil {
		return fmt.Errorf("pairing %d due: %w", id, err)
	}
	next := ""
	if cadence > 0 {
		base := start
		if last > base {
			base = last
		}
		next = addDays(base, cadence)
	}
	_, err := tx.Exec(ctx, `UPDATE pairings SET last_visit_date = ?, next_due_date = ? WHERE id = ?`, last, next, id)
	return err
}
