package approval

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"shiliu/internal/audit"
	"shiliu/internal/auth"
	"shiliu/internal/db"
	"shiliu/internal/errs"
	"shiliu/internal/figures"
	"shiliu/internal/ref"
)

func decodeFigures(s string) (map[string]any, error) {
	dec := json.NewDecoder(strings.NewReader(s))
	dec.UseNumber() // 12.0 stays 12.0
	var m map[string]any
	if err := dec.Decode(&m); err != nil {
		return nil, fmt.Errorf("snapshot figures: %w", err)
	}
	return m, nil
}

// Open returns the unit's set of a year, beginning it (a draft) when
// there is none. The unit is a subdistrict or a committee of the actor's
// scope, not archived.
func (s *Service) Open(ctx context.Context, a *auth.Actor, orgID int64, year int) (*Set, error) {
	if err := a.Require(auth.ReportEdit); err != nil {
		return nil, err
	}
	if year < 2000 || year > s.Year() {
		return nil, errs.InvalidFields(map[string]string{"year": "err.year_range"})
	}
	var id int64
	err := s.DB.WithTx(ctx, func(tx *db.Tx) error {
		var kind, path string
		var archived int
		err := tx.QueryRow(ctx, `SELECT kind, path, archived FROM org_units WHERE id = ?`, orgID).Scan(&kind, &path, &archived)
		if err != nil || !a.Scope().Contains(path) || archived != 0 || (kind != "subdistrict" && kind != "committee") {
			return errs.InvalidFields(map[string]string{"org_id": "err.report_unit"})
		}
		err = tx.QueryRow(ctx, `SELECT id FROM report_sets WHERE org_id = ? AND year = ?`, orgID, year).Scan(&id)
		if err == nil {
			return nil
		}
		now := db.FormatTime(s.Now())
		id, err = tx.InsertID(ctx, `INSERT INTO report_sets (org_id, year, created_at, updated_at) VALUES (?, ?, ?, ?)`, orgID, year, now, now)
		if err != nil {
			return fmt.Errorf("insert report set: %w", err)
		}
		return audit.Write(ctx, tx, audit.Entry{Who: a.Who(), Action: audit.ActionCreate, Entity: "report", EntityID: idStr(id),
			Detail: map[string]any{"org_id": orgID, "year": year}})
	})
	if err != nil {
		return nil, err
	}
	return s.get(ctx, s.DB, a, id)
}

// Narrative is the text the office writes.
type Narrative struct {
	Work, Problems, Plans string
}

// step changes a set of the actor's scope in one transaction: do checks
// the set and returns the SET clause with its arguments; the row version
// must be version; the change is audited with detail.
func (s *Service) step(ctx context.Context, a *auth.Actor, id int64, version int, action string,
	do func(tx *db.Tx, x *Set) (string, []any, map[string]any, error)) (*Set, error) {
	err := s.DB.WithTx(ctx, func(tx *db.Tx) error {
		x, err := s.get(ctx, tx, a, id)
		if err != nil {
			return err
		}
		if x.Version != version {
			return errs.E(errs.Conflict, "err.version_conflict")
		}
		set, args, detail, err := do(tx, x)
		if err != nil {
			return err
		}
		res, err := tx.Exec(ctx, `UPDATE report_sets SET `+set+`, version = version + 1, updated_at = ? WHERE id = ? AND version = ?`,
			append(args, db.FormatTime(s.Now()), id, version)...)
		if err != nil {
			return fmt.Errorf("%s report: %w", action, err)
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return errs.E(errs.Conflict, "err.version_conflict")
		}
		if detail == nil {
			detail = map[string]any{}
		}
		detail["from"], detail["org_id"], detail["year"] = x.Status, x.OrgID, x.Year
		return audit.Write(ctx, tx, audit.Entry{Who: a.Who(), Action: action, Entity: "report", EntityID: idStr(id), Detail: detail})
	})
	if err != nil {
		return nil, err
	}
	return s.get(ctx, s.DB, a, id)
}

// errLocked is the answer to a change of an approved set.
var errLocked = errs.E(errs.Conflict, "err.report_locked")

// Update writes the narrative of a draft or submitted set. An approved
// set is refused with err.report_locked: it must be unlocked first.
func (s *Service) Update(ctx context.Context, a *auth.Actor, id int64, version int, n Narrative) (*Set, error) {
	if err := a.Require(auth.ReportEdit); err != nil {
		return nil, err
	}
	n.Work, n.Problems, n.Plans = strings.TrimSpace(n.Work), strings.TrimSpace(n.Problems), strings.TrimSpace(n.Plans)
	f := map[string]string{}
	for field, v := range map[string]string{"work": n.Work, "problems": n.Problems, "plans": n.Plans} {
		if ref.TooLong(v, MaxText) {
			f[field] = "err.too_long"
		}
	}
	return s.step(ctx, a, id, version, audit.ActionUpdate, func(_ *db.Tx, x *Set) (string, []any, map[string]any, error) {
		if x.Locked() {
			return "", nil, nil, errLocked
		}
		if len(f) > 0 {
			return "", nil, nil, errs.InvalidFields(f)
		}
		return `work = ?, problems = ?, plans = ?`, []any{n.Work, n.Problems, n.Plans},
			map[string]any{"changes": audit.Changes(map[string]any{"work": x.Work, "problems": x.Problems, "plans": x.Plans},
				map[string]any{"work": n.Work, "problems": n.Problems, "plans": n.Plans})}, nil
	})
}

// Submit hands a draft to its approver. The narrative's three parts are
// required.
func (s *Service) Submit(ctx context.Context, a *auth.Actor, id int64, version int) (*Set, error) {
	if err := a.Require(auth.ReportEdit); err != nil {
		return nil, err
	}
	return s.step(ctx, a, id, version, "submit", func(_ *db.Tx, x *Set) (string, []any, map[string]any, error) {
		switch x.Status {
		case Approved:
			return "", nil, nil, errLocked
		case Submitted:
			return "", nil, nil, errs.E(errs.Conflict, "err.report_submitted")
		}
		f := map[string]string{}
		for field, v := range map[string]string{"work": x.Work, "problems": x.Problems, "plans": x.Plans} {
			if v == "" {
				f[field] = "err.required"
			}
		}
		if len(f) > 0 {
			return "", nil, nil, errs.InvalidFields(f)
		}
		return `status = 'submitted', submitted_by = ?, submitted_at = ?`, []any{db.NullID(a.UserID), db.FormatTime(s.Now())}, nil, nil
	})
}

// Approve approves a submitted set and stores its snapshot, version N+1.
// A subdistrict's set is refused while a committee under it has not had
// its set of the year approved (err.report_committees_pending names them).
func (s *Service) Approve(ctx context.Context, a *auth.Actor, id int64, version int) (*Set, error) {
	if err := a.Require(auth.ReportApprove); err != nil {
		return nil, err
	}
	x, err := s.get(ctx, s.DB, a, id)
	if err != nil {
		return nil, err
	}
	// The figures are computed before the transaction (they read through
	// the pool); the version check below makes sure nothing changed the
	// set meanwhile.
	vals, err := s.Figures.Compute(ctx, a, x.OrgID, figures.Year(x.Year))
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	if err := json.NewEncoder(&buf).Encode(figures.Summary(vals)); err != nil {
		return nil, err
	}
	name := a.DisplayName
	if name == "" {
		name = a.Username
	}
	return s.step(ctx, a, id, version, "approve", func(tx *db.Tx, x *Set) (string, []any, map[string]any, error) {
		switch x.Status {
		case Approved:
			return "", nil, nil, errs.E(errs.Conflict, "err.report_approved")
		case Draft:
			return "", nil, nil, errs.E(errs.Invalid, "err.report_not_submitted")
		}
		if x.OrgKind == "subdistrict" {
			pending, err := s.pendingCommittees(ctx, tx, x)
			if err != nil {
				return "", nil, nil, err
			}
			if len(pending) > 0 {
				return "", nil, nil, errs.E(errs.Invalid, "err.report_committees_pending", strings.Join(pending, "、"))
			}
		}
		v := x.ApprovedVersion + 1
		if _, err := tx.Exec(ctx, `INSERT INTO report_snapshots (set_id, version, figures, work, problems, plans, approved_by, approved_by_name, approved_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`, x.ID, v, strings.TrimSpace(buf.String()), x.Work, x.Problems, x.Plans, db.NullID(a.UserID), name,
			db.FormatTime(s.Now())); err != nil {
			return "", nil, nil, fmt.Errorf("insert snapshot: %w", err)
		}
		return `status = 'approved', approved_version = ?`, []any{v}, map[string]any{"snapshot": v}, nil
	})
}

// pendingCommittees names the non-archived committees under a
// subdistrict's set whose set of the year is not approved.
func (s *Service) pendingCommittees(ctx context.Context, tx *db.Tx, x *Set) ([]string, error) {
	lo, hi := x.OrgPath, x.OrgPath[:len(x.OrgPath)-1]+"0"
	rows, err := tx.Query(ctx, `SELECT u.name FROM org_units u LEFT JOIN report_sets r ON r.org_id = u.id AND r.year = ?
		WHERE u.kind = 'committee' AND u.archived = 0 AND u.path >= ? AND u.path < ? AND (r.id IS NULL OR r.status <> 'approved') ORDER BY u.path`,
		x.Year, lo, hi)
	return db.Collect(rows, err, func(sc db.Scanner) (string, error) {
		var n string
		return n, sc.Scan(&n)
	})
}

// RequestUnlock asks to unlock an approved set, with a reason; a security
// admin other than the requester consents (ConsentUnlock).
func (s *Service) RequestUnlock(ctx context.Context, a *auth.Actor, id int64, version int, reason string) (*Set, error) {
	if err := a.Require(auth.ReportApprove); err != nil {
		return nil, err
	}
	reason = strings.TrimSpace(reason)
	return s.step(ctx, a, id, version, "unlock_request", func(_ *db.Tx, x *Set) (string, []any, map[string]any, error) {
		switch {
		case !x.Locked():
			return "", nil, nil, errs.E(errs.Invalid, "err.report_not_approved")
		case x.UnlockPending():
			return "", nil, nil, errs.E(errs.Conflict, "err.report_unlock_pending")
		case reason == "":
			return "", nil, nil, errs.InvalidFields(map[string]string{"reason": "err.required"})
		case ref.TooLong(reason, MaxReason):
			return "", nil, nil, errs.InvalidFields(map[string]string{"reason": "err.too_long"})
		}
		return `unlock_requested_by = ?, unlock_requested_at = ?, unlock_reason = ?`, []any{db.NullID(a.UserID), db.FormatTime(s.Now()), reason},
			map[string]any{"reason": reason, "snapshot": x.ApprovedVersion}, nil
	})
}

// ConsentUnlock is the security admin's consent to a pending unlock: the
// set becomes a draft again and its snapshot records who asked, who
// consented and why. The requester cannot consent to their own request.
func (s *Service) ConsentUnlock(ctx context.Context, a *auth.Actor, id int64, version int) (*Set, error) {
	if err := a.Require(auth.ReportConsent); err != nil {
		return nil, err
	}
	name := a.DisplayName
	if name == "" {
		name = a.Username
	}
	now := db.FormatTime(s.Now())
	return s.step(ctx, a, id, version, "unlock_consent", func(tx *db.Tx, x *Set) (string, []any, map[string]any, error) {
		switch {
		case !x.UnlockPending():
			return "", nil, nil, errs.E(errs.Invalid, "err.report_no_unlock")
		case x.UnlockRequestedByID == a.UserID:
			return "", nil, nil, errs.E(errs.Forbidden, "err.report_unlock_self")
		}
		if _, err := tx.Exec(ctx, `UPDATE report_snapshots SET unlock_requested_by_name = ?, unlock_consented_by_name = ?, unlocked_at = ?, unlock_reason = ?
			WHERE set_id = ? AND version = ?`, x.UnlockRequestedBy, name, now, x.UnlockReason, x.ID, x.ApprovedVersion); err != nil {
			return "", nil, nil, fmt.Errorf("unlock snapshot: %w", err)
		}
		return `status = 'draft', unlock_requested_by = NULL, unlock_requested_at = '', unlock_reason = ''`, nil,
			map[string]any{"reason": x.UnlockReason, "requested_by": x.UnlockRequestedByID, "snapshot": x.ApprovedVersion}, nil
	})
}
