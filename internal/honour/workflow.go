package honour

import (
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
	"shiliu/internal/org"
	"shiliu/internal/ref"
)

// Input is a nomination.
type Input struct {
	// KindID, or KindCode for a built-in kind.
	KindID   int64
	KindCode string
	// Year defaults to the current year; 2000 up to next year.
	Year int
	// The recipient, as the kind says: a household, a building group
	// (UnitID), a registered person, or for a collective an org unit
	// (UnitID) or a name (Collective).
	HouseholdID int64
	PersonID    int64
	UnitID      int64
	Collective  string
	// OrgID is the unit a named collective belongs to (default: the
	// actor's), in the actor's subtree.
	OrgID int64
	// Deeds is the reason for the nomination: what they did.
	Deeds string
}

// recipient is a nomination's checked recipient.
type recipient struct {
	orgID int64
	key   string
	field string
}

// checkRecipient resolves the recipient of kind k in the actor's scope.
func (s *Service) checkRecipient(ctx context.Context, tx *db.Tx, a *auth.Actor, k Kind, in *Input, f map[string]string) (*recipient, error) {
	sc := a.Scope()
	unitIn := func(id int64, kinds ...org.Kind) (bool, error) {
		var kind, path string
		var archived int
		err := tx.QueryRow(ctx, `SELECT kind, path, archived FROM org_units WHERE id = ?`, id).Scan(&kind, &path, &archived)
		if errors.Is(err, sql.ErrNoRows) {
			return false, nil
		}
		if err != nil {
			return false, err
		}
		ok := archived == 0 && sc.Contains(path) && len(kinds) == 0
		for _, k := range kinds {
			ok = ok || archived == 0 && sc.Contains(path) && org.Kind(kind) == k
		}
		return ok, nil
	}
	switch k.Recipient {
	case ToHousehold:
		in.PersonID, in.UnitID, in.Collective = 0, 0, ""
		r := &recipient{key: "h:" + strconv.FormatInt(in.HouseholdID, 10), field: "household_id"}
		cond, args := sc.Households("h")
		err := tx.QueryRow(ctx, `SELECT h.org_id FROM households h WHERE h.id = ? AND h.archived = 0 AND `+cond, append([]any{in.HouseholdID}, args...)...).Scan(&r.orgID)
		if errors.Is(err, sql.ErrNoRows) {
			f[r.field] = "err.household_unknown"
			return nil, nil
		}
		return r, err
	case ToPerson:
		in.HouseholdID, in.UnitID, in.Collective = 0, 0, ""
		r := &recipient{key: "p:" + strconv.FormatInt(in.PersonID, 10), field: "person_id"}
		cond, args := sc.Persons("p")
		err := tx.QueryRow(ctx, `SELECT p.org_id FROM persons p WHERE p.id = ? AND p.status = 'active' AND p.archived = 0 AND `+cond,
			append([]any{in.PersonID}, args...)...).Scan(&r.orgID)
		if errors.Is(err, sql.ErrNoRows) {
			f[r.field] = "err.person_unknown"
			return nil, nil
		}
		return r, err
	case ToBuildingGroup:
		in.HouseholdID, in.PersonID, in.Collective = 0, 0, ""
		ok, err := unitIn(in.UnitID, org.BuildingGroup)
		if err != nil || !ok {
			f["unit_id"] = "err.honour_group_unknown"
			return nil, err
		}
		return &recipient{orgID: in.UnitID, key: "u:" + strconv.FormatInt(in.UnitID, 10), field: "unit_id"}, nil
	}
	// a collective: an org unit, or a named one of the actor's unit
	in.HouseholdID, in.PersonID = 0, 0
	in.Collective = strings.TrimSpace(in.Collective)
	switch {
	case in.UnitID != 0 && in.Collective != "":
		f["collective"] = "err.honour_one_recipient"
	case in.UnitID != 0:
		ok, err := unitIn(in.UnitID)
		if err != nil || !ok {
			f["unit_id"] = "err.org_unknown"
			return nil, err
		}
		return &recipient{orgID: in.UnitID, key: "u:" + strconv.FormatInt(in.UnitID, 10), field: "unit_id"}, nil
	case in.Collective == "":
		f["collective"] = "err.required"
	case ref.TooLong(in.Collective, 60):
		f["collective"] = "err.too_long"
	default:
		if in.OrgID == 0 {
			in.OrgID = a.OrgID
		}
		ok, err := unitIn(in.OrgID)
		if err != nil || !ok {
			f["org_id"] = "err.org_unknown"
			return nil, err
		}
		return &recipient{orgID: in.OrgID, key: "c:" + in.Collective, field: "collective"}, nil
	}
	return nil, nil
}

// Nominate records a committee's nomination. The recipient must be in the
// actor's scope; one honour per kind, year and recipient (a refused one
// does not count).
func (s *Service) Nominate(ctx context.Context, a *auth.Actor, in Input) (*Honour, error) {
	if err := a.Require(auth.HonourNominate); err != nil {
		return nil, err
	}
	var id int64
	err := s.DB.WithTx(ctx, func(tx *db.Tx) error {
		f := map[string]string{}
		in.Deeds = strings.TrimSpace(in.Deeds)
		switch {
		case in.Deeds == "":
			f["deeds"] = "err.required"
		case ref.TooLong(in.Deeds, 2000):
			f["deeds"] = "err.too_long"
		}
		if in.Year == 0 {
			in.Year = s.Year()
		}
		if in.Year < 2000 || in.Year > s.Year()+1 {
			f["year"] = "err.year_range"
		}
		var k *Kind
		kinds, err := s.kinds(ctx, tx)
		if err != nil {
			return err
		}
		for i := range kinds {
			if kinds[i].Active && (in.KindID != 0 && kinds[i].ID == in.KindID || in.KindID == 0 && in.KindCode != "" && kinds[i].Code == in.KindCode) {
				k = &kinds[i]
			}
		}
		if k == nil {
			f["kind"] = "err.required"
			return errs.InvalidFields(f)
		}
		rec, err := s.checkRecipient(ctx, tx, a, *k, &in, f)
		if err != nil {
			return err
		}
		if rec != nil && len(f) == 0 {
			var n int
			if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM honours WHERE kind_id = ? AND year = ? AND recipient_key = ? AND status <> 'refused'`,
				k.ID, in.Year, rec.key).Scan(&n); err != nil {
				return err
			}
			if n > 0 {
				f[rec.field] = "err.honour_exists"
			}
		}
		if len(f) > 0 {
			return errs.InvalidFields(f)
		}
		now := db.FormatTime(s.Now())
		id, err = tx.InsertID(ctx, `INSERT INTO honours (org_id, kind_id, year, household_id, person_id, unit_id, collective, recipient_key, deeds,
			nominated_by, nominated_at, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			rec.orgID, k.ID, in.Year, db.NullID(in.HouseholdID), db.NullID(in.PersonID), db.NullID(in.UnitID), in.Collective, rec.key, in.Deeds,
			db.NullID(a.UserID), now, now, now)
		if db.IsUniqueViolation(err) {
			return errs.InvalidFields(map[string]string{rec.field: "err.honour_exists"})
		}
		if err != nil {
			return fmt.Errorf("insert honour: %w", err)
		}
		return audit.Write(ctx, tx, audit.Entry{Who: a.Who(), Action: "nominate", Entity: "honour", EntityID: strconv.FormatInt(id, 10),
			Detail: map[string]any{"kind": k.Code, "year": in.Year, "recipient": rec.key, "org_id": rec.orgID}})
	})
	if err != nil {
		return nil, err
	}
	return s.Get(ctx, a, id)
}

// change is what a step writes: the SET clause and its arguments.
type change struct {
	set  string
	args []any
}

// step is one step of the workflow on an honour in the actor's scope: do
// checks the status and says what to write; step checks the version,
// writes and audits, in one transaction.
func (s *Service) step(ctx context.Context, a *auth.Actor, id int64, version int, action string, do func(*Honour) (change, error),
	detail map[string]any) (*Honour, error) {
	err := s.DB.WithTx(ctx, func(tx *db.Tx) error {
		h, err := s.get(ctx, tx, a, id)
		if err != nil {
			return err
		}
		c, err := do(h)
		if err != nil {
			return err
		}
		set, args := c.set, c.args
		if h.Version != version {
			return errs.E(errs.Conflict, "err.version_conflict")
		}
		res, err := tx.Exec(ctx, `UPDATE honours SET `+set+`, version = version + 1, updated_at = ? WHERE id = ? AND version = ?`,
			append(args, db.FormatTime(s.Now()), id, version)...)
		if err != nil {
			return fmt.Errorf("%s honour: %w", action, err)
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return errs.E(errs.Conflict, "err.version_conflict")
		}
		if detail == nil {
			detail = map[string]any{}
		}
		detail["from"] = h.Status
		return audit.Write(ctx, tx, audit.Entry{Who: a.Who(), Action: action, Entity: "honour", EntityID: strconv.FormatInt(id, 10), Detail: detail})
	})
	if err != nil {
		return nil, err
	}
	return s.Get(ctx, a, id)
}

// Review passes a nomination on to the grant (the subdistrict's review),
// with an optional note.
func (s *Service) Review(ctx context.Context, a *auth.Actor, id int64, version int, note string) (*Honour, error) {
	if err := a.Require(auth.HonourReview); err != nil {
		return nil, err
	}
	note = strings.TrimSpace(note)
	now := db.FormatTime(s.Now())
	return s.step(ctx, a, id, version, "review", func(h *Honour) (change, error) {
		if ref.TooLong(note, 500) {
			return change{}, errs.InvalidFields(map[string]string{"note": "err.too_long"})
		}
		if h.Status != Nominated {
			return change{}, errs.E(errs.Conflict, "err.honour_not_nominated")
		}
		return change{`status = 'reviewed', reviewed_by = ?, reviewed_at = ?, review_note = ?`, []any{db.NullID(a.UserID), now, note}}, nil
	}, map[string]any{"note": note})
}

// Grant grants a reviewed honour. A nomination not yet reviewed is refused
// with err.honour_not_reviewed.
func (s *Service) Grant(ctx context.Context, a *auth.Actor, id int64, version int) (*Honour, error) {
	if err := a.Require(auth.HonourGrant); err != nil {
		return nil, err
	}
	now := db.FormatTime(s.Now())
	return s.step(ctx, a, id, version, "grant", func(h *Honour) (change, error) {
		switch h.Status {
		case Nominated:
			return change{}, errs.E(errs.Invalid, "err.honour_not_reviewed")
		case Reviewed:
			issuer, err := s.issuer(ctx, a, h.OrgID)
			if err != nil {
				return change{}, err
			}
			return change{`status = 'granted', decided_by = ?, decided_at = ?, granted_by_org = ?, certificate_no = ?`,
				[]any{db.NullID(a.UserID), now, db.NullID(issuer), certificateNo(h.Year, id)}}, nil
		}
		return change{}, errs.E(errs.Conflict, "err.honour_decided")
	}, nil)
}

// certificateNo numbers a certificate by year and honour: 2026-000123.
func certificateNo(year int, id int64) string {
	if year == 0 {
		return ""
	}
	return fmt.Sprintf("%d-%06d", year, id)
}

// Refuse refuses a nomination at its review (HonourReview) or a reviewed
// honour at its grant (HonourGrant), with a reason.
func (s *Service) Refuse(ctx context.Context, a *auth.Actor, id int64, version int, reason string) (*Honour, error) {
	if err := a.RequireAny(auth.HonourReview, auth.HonourGrant); err != nil {
		return nil, err
	}
	reason = strings.TrimSpace(reason)
	now := db.FormatTime(s.Now())
	return s.step(ctx, a, id, version, "refuse", func(h *Honour) (change, error) {
		var at string
		switch {
		case reason == "":
			return change{}, errs.InvalidFields(map[string]string{"reason": "err.required"})
		case ref.TooLong(reason, 500):
			return change{}, errs.InvalidFields(map[string]string{"reason": "err.too_long"})
		case h.Status == Nominated && a.Can(auth.HonourReview):
			at = "review"
		case h.Status == Reviewed && a.Can(auth.HonourGrant):
			at = "grant"
		case h.Status == Nominated || h.Status == Reviewed:
			return change{}, errs.ErrForbidden
		default:
			return change{}, errs.E(errs.Conflict, "err.honour_decided")
		}
		return change{`status = 'refused', decided_by = ?, decided_at = ?, refused_at = ?, refuse_reason = ?`,
			[]any{db.NullID(a.UserID), now, at, reason}}, nil
	}, map[string]any{"reason": reason})
}

// issuer is the unit a grant is issued by: the granting user's, or for
// the machine's own work (the demo, the command line) the subdistrict
// above the honour's unit.
func (s *Service) issuer(ctx context.Context, a *auth.Actor, orgID int64) (int64, error) {
	if a.OrgID != 0 {
		return a.OrgID, nil
	}
	var id int64
	err := s.DB.QueryRow(ctx, `SELECT COALESCE(MAX(x.id), 0) FROM org_units x, org_units u WHERE u.id = ? AND x.kind = 'subdistrict'
		AND substr(u.path, 1, length(x.path)) = x.path`, orgID).Scan(&id)
	return id, err
}
