// Package approval keeps the annual data sets (年度数据) of the units — a
// subdistrict or a residents' committee — and their approval (issue 11,
// part 4). A set holds, for a unit and a year, the figures (computed live
// from the records until approved), the narrative the office writes (what
// was done 主要工作, problems 存在问题, plans for next year 下一步计划) and
// its status: draft → submitted → approved.
//
// Who approves (DHIS2's upward approval): a committee writes and submits
// its set, its subdistrict's street_admin approves it; the subdistrict's
// own set can be approved only when every non-archived committee under it
// has its set of that year approved. Approving stores a snapshot — the
// figures as figures.Summary gives them, the narrative, who and when — as
// version 1, 2, …; later changes of the records do not change it.
//
// An approved set is locked. Unlocking it takes two people: the approver
// (report.approve) asks with a reason, a security admin (report.consent)
// who is not the one who asked consents; both steps are audited. The set
// is then a draft again and its next approval makes version N+1; the old
// snapshots stay, each with who unlocked it and why.
package approval

import (
	"context"
	"database/sql"
	"errors"
	"strconv"
	"time"

	"shiliu/internal/auth"
	"shiliu/internal/db"
	"shiliu/internal/errs"
	"shiliu/internal/figures"
)

// Status is where a set stands.
type Status string

// The statuses.
const (
	Draft     Status = "draft"
	Submitted Status = "submitted"
	Approved  Status = "approved"
)

// MaxText caps each narrative part (characters).
const MaxText = 5000

// MaxReason caps an unlock reason (characters).
const MaxReason = 500

// Set is a unit's annual data set.
type Set struct {
	ID       int64
	OrgID    int64
	OrgName  string
	OrgKind  string
	OrgPath  string
	Year     int
	Status   Status
	Work     string
	Problems string
	Plans    string
	// SubmittedBy names who submitted it (display name).
	SubmittedBy string
	SubmittedAt time.Time
	// ApprovedVersion is the latest snapshot's version (0: never approved).
	ApprovedVersion int
	// A pending unlock request.
	UnlockRequestedByID int64
	UnlockRequestedBy   string
	UnlockRequestedAt   time.Time
	UnlockReason        string
	Version             int
	UpdatedAt           time.Time
}

// Locked reports whether the set is approved (and so cannot be changed).
func (s *Set) Locked() bool { return s.Status == Approved }

// UnlockPending reports whether an unlock waits for a security admin.
func (s *Set) UnlockPending() bool { return s.UnlockRequestedByID != 0 }

// Snapshot is one approved version of a set.
type Snapshot struct {
	Version int
	// Figures is the summary as stored: indicator id → number, breakdown
	// object or null.
	Figures    map[string]any
	Work       string
	Problems   string
	Plans      string
	ApprovedBy string
	ApprovedAt time.Time
	// Set when this version was unlocked.
	UnlockRequestedBy string
	UnlockConsentedBy string
	UnlockedAt        time.Time
	UnlockReason      string
}

// Service keeps the sets.
type Service struct {
	DB      *db.DB
	Figures *figures.Service
	Now     func() time.Time
}

// New returns the service; fig computes the figures (figures.New(d) when
// nil).
func New(d *db.DB, fig *figures.Service) *Service {
	if fig == nil {
		fig = figures.New(d)
	}
	return &Service{DB: d, Figures: fig, Now: time.Now}
}

var china = time.FixedZone("CST", 8*3600)

// Year is the current year in China.
func (s *Service) Year() int { return s.Now().In(china).Year() }

const setCols = `r.id, r.org_id, u.name, u.kind, u.path, r.year, r.status, r.work, r.problems, r.plans,
	COALESCE(su.display_name, ''), r.submitted_at, r.approved_version, COALESCE(r.unlock_requested_by, 0), COALESCE(ru.display_name, ''),
	r.unlock_requested_at, r.unlock_reason, r.version, r.updated_at`

const setFrom = ` FROM report_sets r JOIN org_units u ON u.id = r.org_id
	LEFT JOIN users su ON su.id = r.submitted_by LEFT JOIN users ru ON ru.id = r.unlock_requested_by`

func scanSet(sc db.Scanner) (*Set, error) {
	x := &Set{}
	var sub, req, upd string
	err := sc.Scan(&x.ID, &x.OrgID, &x.OrgName, &x.OrgKind, &x.OrgPath, &x.Year, &x.Status, &x.Work, &x.Problems, &x.Plans,
		&x.SubmittedBy, &sub, &x.ApprovedVersion, &x.UnlockRequestedByID, &x.UnlockRequestedBy, &req, &x.UnlockReason, &x.Version, &upd)
	x.SubmittedAt, x.UnlockRequestedAt, x.UpdatedAt = parseTime(sub), parseTime(req), parseTime(upd)
	return x, err
}

func parseTime(s string) time.Time {
	if s == "" {
		return time.Time{}
	}
	return db.ParseTime(s)
}

// querier is a DB or a transaction.
type querier interface {
	QueryRow(ctx context.Context, q string, args ...any) *sql.Row
}

// get reads set id if its unit is in the actor's scope.
func (s *Service) get(ctx context.Context, q querier, a *auth.Actor, id int64) (*Set, error) {
	x, err := scanSet(q.QueryRow(ctx, `SELECT `+setCols+setFrom+` WHERE r.id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, errs.ErrNotFound
	}
	if err != nil {
		return nil, err
	}
	if !a.Scope().Contains(x.OrgPath) {
		return nil, errs.ErrOutOfScope
	}
	return x, nil
}

// Get returns a set of the actor's scope.
func (s *Service) Get(ctx context.Context, a *auth.Actor, id int64) (*Set, error) {
	if err := a.Require(auth.FigureView); err != nil {
		return nil, err
	}
	return s.get(ctx, s.DB, a, id)
}

// Row is a unit of the list with its set of the year (nil: not begun).
type Row struct {
	OrgID   int64
	OrgName string
	OrgKind string
	Depth   int
	Set     *Set
}

// Approved reports whether the unit's set of the year is approved.
func (r Row) Approved() bool { return r.Set != nil && r.Set.Status == Approved }

// List returns the subdistricts and committees of the actor's scope (not
// archived), in tree order, each with its set of year when begun.
func (s *Service) List(ctx context.Context, a *auth.Actor, year int) ([]Row, error) {
	if err := a.Require(auth.FigureView); err != nil {
		return nil, err
	}
	sub, sargs := pathCond(a)
	rows, err := s.DB.Query(ctx, `SELECT u.id, u.name, u.kind, u.depth, COALESCE(r.id, 0) FROM org_units u
		LEFT JOIN report_sets r ON r.org_id = u.id AND r.year = ?
		WHERE u.archived = 0 AND u.kind IN ('subdistrict', 'committee') AND `+sub+` ORDER BY u.path`, append([]any{year}, sargs...)...)
	type item struct {
		row Row
		set int64
	}
	items, err := db.Collect(rows, err, func(sc db.Scanner) (item, error) {
		var it item
		err := sc.Scan(&it.row.OrgID, &it.row.OrgName, &it.row.OrgKind, &it.row.Depth, &it.set)
		return it, err
	})
	if err != nil {
		return nil, err
	}
	out := make([]Row, len(items))
	for i, it := range items {
		out[i] = it.row
		if it.set != 0 {
			if out[i].Set, err = s.get(ctx, s.DB, a, it.set); err != nil {
				return nil, err
			}
		}
	}
	return out, nil
}

// pathCond is "u.path lies in the actor's scope".
func pathCond(a *auth.Actor) (string, []any) {
	sc := a.Scope()
	if sc.All() {
		return "1 = 1", nil
	}
	lo, hi := sc.PathRange()
	return "u.path >= ? AND u.path < ?", []any{lo, hi}
}

// Pending returns the sets of the actor's scope whose unlock waits for a
// security admin's consent (no figures: the security admin sees none).
func (s *Service) Pending(ctx context.Context, a *auth.Actor) ([]*Set, error) {
	if err := a.Require(auth.ReportConsent); err != nil {
		return nil, err
	}
	sub, args := pathCond(a)
	rows, err := s.DB.Query(ctx, `SELECT `+setCols+setFrom+` WHERE r.unlock_requested_by IS NOT NULL AND `+sub+` ORDER BY r.unlock_requested_at`, args...)
	return db.Collect(rows, err, scanSet)
}

// Snapshots returns the approved versions of a set, newest first.
func (s *Service) Snapshots(ctx context.Context, a *auth.Actor, id int64) ([]Snapshot, error) {
	if _, err := s.Get(ctx, a, id); err != nil {
		return nil, err
	}
	rows, err := s.DB.Query(ctx, `SELECT version, figures, work, problems, plans, approved_by_name, approved_at, unlock_requested_by_name,
		unlock_consented_by_name, unlocked_at, unlock_reason FROM report_snapshots WHERE set_id = ? ORDER BY version DESC`, id)
	return db.Collect(rows, err, scanSnapshot)
}

func scanSnapshot(sc db.Scanner) (Snapshot, error) {
	var x Snapshot
	var figs, at, un string
	err := sc.Scan(&x.Version, &figs, &x.Work, &x.Problems, &x.Plans, &x.ApprovedBy, &at, &x.UnlockRequestedBy, &x.UnlockConsentedBy, &un, &x.UnlockReason)
	if err != nil {
		return x, err
	}
	x.ApprovedAt, x.UnlockedAt = parseTime(at), parseTime(un)
	x.Figures, err = decodeFigures(figs)
	return x, err
}

// Live computes the set's figures from the records now.
func (s *Service) Live(ctx context.Context, a *auth.Actor, x *Set) (map[string]figures.Value, error) {
	return s.Figures.Compute(ctx, a, x.OrgID, figures.Year(x.Year))
}

// Approved returns the latest approved snapshot of a unit's set of a year
// while the set stands approved (an unlocked set is computed live again
// until it is re-approved). It implements figures' Snapshots: the JSON
// summary returns it unless asked for the live figures. It takes no actor:
// the caller has checked the unit against its actor's scope.
func (s *Service) Approved(ctx context.Context, unitID int64, year int) (version int, values map[string]any, ok bool, err error) {
	var figs string
	err = s.DB.QueryRow(ctx, `SELECT x.version, x.figures FROM report_sets r JOIN report_snapshots x ON x.set_id = r.id AND x.version = r.approved_version
		WHERE r.org_id = ? AND r.year = ? AND r.status = 'approved'`, unitID, year).Scan(&version, &figs)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil, false, nil
	}
	if err != nil {
		return 0, nil, false, err
	}
	values, err = decodeFigures(figs)
	return version, values, err == nil, err
}

func idStr(id int64) string { return strconv.FormatInt(id, 10) }
