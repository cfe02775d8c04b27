// Package partner is community life's partner organisations (共建单位: a
// halal restaurant, a care home, the judicial office, schools, firms) with
// their signed agreements and scanned files, a reminder before an
// agreement ends, and the activities done together.
package partner

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

// Notifier writes in-app notifications in the caller's transaction (the
// cases service's notification centre).
type Notifier interface {
	NotifyTx(ctx context.Context, tx *db.Tx, users []int64, kind, title, body, link string) error
}

// Service is partner organisations and their agreements.
type Service struct {
	DB    *db.DB
	Files *files.Store
	// Notify tells the unit's staff of agreements about to end (nil: the
	// reminder is recorded but nobody is told).
	Notify Notifier
	// Now is the clock (tests move it).
	Now func() time.Time
}

// New returns the service.
func New(d *db.DB) *Service { return &Service{DB: d, Files: files.New(d), Now: time.Now} }

// Today is the current date in China.
func (s *Service) Today() string { return s.Now().In(ref.China).Format(db.DateLayout) }

// Type is the kind of organisation.
type Type string

// The types.
const (
	Restaurant Type = "restaurant"
	CareHome   Type = "care_home"
	Judicial   Type = "judicial"
	School     Type = "school"
	Firm       Type = "firm"
	Hospital   Type = "hospital"
	Other      Type = "other"
)

// Types lists the types in display order.
var Types = []Type{Restaurant, CareHome, Judicial, School, Firm, Hospital, Other}

// Valid reports whether t is a known type.
func (t Type) Valid() bool {
	for _, x := range Types {
		if t == x {
			return true
		}
	}
	return false
}

// Partner is a partner organisation.
type Partner struct {
	ID           int64
	OrgID        int64
	OrgName      string
	OrgPath      string
	Name         string
	Type         Type
	ContactName  string
	ContactPhone string
	Address      string
	Note         string
	Active       bool
	Version      int
	CreatedAt    string
	UpdatedAt    string
	// Agreements by term (Get); the counts (Get and List): current,
	// ending within ReminderDays, ended.
	Agreements             []*Agreement
	Current, Ending, Ended int
}

// Lapsed reports whether every agreement of the partner has ended.
func (p *Partner) Lapsed() bool { return p.Ended > 0 && p.Current == 0 }

// Input is what a form or the API gives for a partner.
type Input struct {
	// OrgID is the unit it works with (default: the actor's).
	OrgID        int64
	Name         string
	Type         Type
	ContactName  string
	ContactPhone string
	Address      string
	Note         string
	// Active (Update only; a new partner is active).
	Active  bool
	Version int
}

// readable limits partners (alias x) to those the actor may see: of the
// actor's subtree or of a unit above it (the subdistrict's partners work
// with its committees). A sibling's partner is not seen.
func readable(a *auth.Actor, x string) (string, []any) {
	return a.Scope().InSubtreeOrAbove(x + ".org_id")
}

// holds reports whether the partner of the unit with path is in the
// actor's own subtree: who may change it and open its agreements' files.
func holds(a *auth.Actor, path string) bool {
	return a.Scope().Contains(path)
}

// MayEdit reports whether the actor may change p and add its agreements.
func MayEdit(a *auth.Actor, p *Partner) bool { return a.Can(auth.PartnerEdit) && holds(a, p.OrgPath) }

// MayOpenFiles reports whether the actor may open p's agreements' files.
func MayOpenFiles(a *auth.Actor, p *Partner) bool {
	return a.Can(auth.CommunityView) && holds(a, p.OrgPath)
}

// ReminderDays is how long before its end an agreement is flagged and its
// unit's staff reminded.
const ReminderDays = 30

// counts is the SQL of a partner's agreement counts on a day (args: today
// three times, the reminder's last day).
const counts = `(SELECT COUNT(*) FROM agreements g WHERE g.partner_id = x.id AND g.starts_on <= ? AND (g.ends_on = '' OR g.ends_on >= ?)),
	(SELECT COUNT(*) FROM agreements g WHERE g.partner_id = x.id AND g.ends_on >= ? AND g.ends_on <= ?),
	(SELECT COUNT(*) FROM agreements g WHERE g.partner_id = x.id AND g.ends_on <> '' AND g.ends_on < ?)`

const partnerCols = `x.id, x.org_id, o.name, o.path, x.name, x.type, x.contact_name, x.contact_phone, x.address, x.note, x.active, x.version,
	x.created_at, x.updated_at, ` + counts

const partnerFrom = ` FROM partners x JOIN org_units o ON o.id = x.org_id`

func (s *Service) countArgs() []any {
	today := s.Today()
	last := s.Now().In(ref.China).AddDate(0, 0, ReminderDays).Format(db.DateLayout)
	return []any{today, today, today, last, today}
}

func scanPartner(sc db.Scanner) (*Partner, error) {
	var p Partner
	var typ string
	var active int
	err := sc.Scan(&p.ID, &p.OrgID, &p.OrgName, &p.OrgPath, &p.Name, &typ, &p.ContactName, &p.ContactPhone, &p.Address, &p.Note, &active, &p.Version,
		&p.CreatedAt, &p.UpdatedAt, &p.Current, &p.Ending, &p.Ended)
	p.Type, p.Active = Type(typ), active == 1
	return &p, err
}

// get reads a partner the actor may see.
func (s *Service) get(ctx context.Context, q db.Querier, a *auth.Actor, id int64) (*Partner, error) {
	p, err := scanPartner(q.QueryRow(ctx, `SELECT `+partnerCols+partnerFrom+` WHERE x.id = ?`, append(s.countArgs(), id)...))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, errs.ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("get partner %d: %w", id, err)
	}
	cond, args := readable(a, "x")
	var one int
	err = q.QueryRow(ctx, `SELECT 1 FROM partners x WHERE x.id = ? AND `+cond, append([]any{id}, args...)...).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, errs.ErrOutOfScope
	}
	return p, err
}

// Get returns a partner the actor may see, with its agreements.
func (s *Service) Get(ctx context.Context, a *auth.Actor, id int64) (*Partner, error) {
	if err := a.Require(auth.CommunityView); err != nil {
		return nil, err
	}
	p, err := s.get(ctx, s.DB, a, id)
	if err != nil {
		return nil, err
	}
	p.Agreements, err = s.agreements(ctx, id)
	return p, err
}

// Filter selects partners.
type Filter struct {
	Q    string
	Type Type
	// Ending: only those with an agreement ending within ReminderDays or
	// all of whose agreements have ended.
	Ending        bool
	WithInactive  bool
	Limit, Offset int
}

// List lists the partners the actor may see, by unit and name, and their
// total.
func (s *Service) List(ctx context.Context, a *auth.Actor, f Filter) ([]*Partner, int, error) {
	if err := a.Require(auth.CommunityView); err != nil {
		return nil, 0, err
	}
	cond, args := readable(a, "x")
	conds := []string{cond}
	add := func(c string, v ...any) { conds = append(conds, c); args = append(args, v...) }
	if q := strings.TrimSpace(f.Q); q != "" {
		like := "%" + strings.NewReplacer(`\`, `\\`, "%", `\%`, "_", `\_`).Replace(q) + "%"
		add(`(x.name LIKE ? ESCAPE '\' OR x.contact_name LIKE ? ESCAPE '\')`, like, like)
	}
	if f.Type.Valid() {
		add("x.type = ?", string(f.Type))
	}
	if !f.WithInactive {
		add("x.active = 1")
	}
	if f.Ending {
		ca := s.countArgs()
		add(`(EXISTS (SELECT 1 FROM agreements g WHERE g.partner_id = x.id AND g.ends_on >= ? AND g.ends_on <= ?)
			OR (EXISTS (SELECT 1 FROM agreements g WHERE g.partner_id = x.id AND g.ends_on <> '' AND g.ends_on < ?)
			AND NOT EXISTS (SELECT 1 FROM agreements g WHERE g.partner_id = x.id AND (g.ends_on = '' OR g.ends_on >= ?))))`, ca[2], ca[3], ca[4], ca[4])
	}
	where := " WHERE " + strings.Join(conds, " AND ")
	var total int
	if err := s.DB.QueryRow(ctx, `SELECT COUNT(*)`+partnerFrom+where, args...).Scan(&total); err != nil {
		return nil, 0, fmt.Errorf("count partners: %w", err)
	}
	if f.Limit <= 0 {
		f.Limit = 50
	}
	rows, err := s.DB.Query(ctx, `SELECT `+partnerCols+partnerFrom+where+` ORDER BY o.path, x.name, x.id LIMIT ? OFFSET ?`,
		append(append(s.countArgs(), args...), f.Limit, f.Offset)...)
	list, err := db.Collect(rows, err, scanPartner)
	if err != nil {
		return nil, 0, fmt.Errorf("list partners: %w", err)
	}
	return list, total, nil
}

// InScope reports whether every partner of ids is one the actor may name
// on an activity (of their subtree or above it); the activity service
// calls it inside its transaction.
func InScope(ctx context.Context, q db.Querier, a *auth.Actor, ids []int64) (bool, error) {
	if len(ids) == 0 {
		return true, nil
	}
	seen := map[int64]bool{}
	var args []any
	for _, id := range ids {
		if !seen[id] {
			seen[id] = true
			args = append(args, id)
		}
	}
	cond, cargs := readable(a, "x")
	var n int
	err := q.QueryRow(ctx, `SELECT COUNT(*) FROM partners x WHERE x.id IN (`+db.Placeholders(len(args))+`) AND `+cond, append(args, cargs...)...).Scan(&n)
	return err == nil && n == len(args), err
}

func (s *Service) check(ctx context.Context, tx *db.Tx, a *auth.Actor, in *Input, f map[string]string) error {
	in.Name, in.ContactName, in.ContactPhone = strings.TrimSpace(in.Name), strings.TrimSpace(in.ContactName), strings.TrimSpace(in.ContactPhone)
	in.Address, in.Note = strings.TrimSpace(in.Address), strings.TrimSpace(in.Note)
	switch {
	case in.Name == "":
		f["name"] = "err.required"
	case ref.TooLong(in.Name, 100):
		f["name"] = "err.too_long"
	}
	if in.Type == "" {
		in.Type = Other
	}
	if !in.Type.Valid() {
		f["type"] = "err.required"
	}
	for k, v := range map[string]string{"contact_name": in.ContactName, "contact_phone": in.ContactPhone} {
		if ref.TooLong(v, 50) {
			f[k] = "err.too_long"
		}
	}
	if ref.TooLong(in.Address, 200) {
		f["address"] = "err.too_long"
	}
	if ref.TooLong(in.Note, 2000) {
		f["note"] = "err.too_long"
	}
	if in.OrgID == 0 {
		in.OrgID = a.OrgID
	}
	var path string
	err := tx.QueryRow(ctx, `SELECT path FROM org_units WHERE id = ? AND archived = 0`, in.OrgID).Scan(&path)
	if errors.Is(err, sql.ErrNoRows) || err == nil && !holds(a, path) {
		f["org_id"] = "err.org_unknown"
	} else if err != nil {
		return err
	}
	return nil
}

// Create adds a partner organisation.
func (s *Service) Create(ctx context.Context, a *auth.Actor, in Input) (*Partner, error) {
	if err := a.Require(auth.PartnerEdit); err != nil {
		return nil, err
	}
	var id int64
	err := s.DB.WithTx(ctx, func(tx *db.Tx) error {
		f := map[string]string{}
		if err := s.check(ctx, tx, a, &in, f); err != nil {
			return err
		}
		if len(f) > 0 {
			return errs.InvalidFields(f)
		}
		now := db.FormatTime(s.Now())
		var err error
		id, err = tx.InsertID(ctx, `INSERT INTO partners (org_id, name, type, contact_name, contact_phone, address, note, active, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, 1, ?, ?)`, in.OrgID, in.Name, string(in.Type), in.ContactName, in.ContactPhone, in.Address, in.Note, now, now)
		if err != nil {
			return fmt.Errorf("insert partner: %w", err)
		}
		return audit.Write(ctx, tx, audit.Entry{Who: a.Who(), Action: audit.ActionCreate, Entity: "partner", EntityID: strconv.FormatInt(id, 10),
			Detail: map[string]any{"name": in.Name, "type": in.Type, "org_id": in.OrgID}})
	})
	if err != nil {
		return nil, err
	}
	return s.Get(ctx, a, id)
}

// Update changes a partner of the actor's subtree; in.Version must be the
// version read.
func (s *Service) Update(ctx context.Context, a *auth.Actor, id int64, in Input) (*Partner, error) {
	if err := a.Require(auth.PartnerEdit); err != nil {
		return nil, err
	}
	err := s.DB.WithTx(ctx, func(tx *db.Tx) error {
		old, err := s.get(ctx, tx, a, id)
		if err != nil {
			return err
		}
		if !holds(a, old.OrgPath) {
			return errs.ErrOutOfScope
		}
		f := map[string]string{}
		if err := s.check(ctx, tx, a, &in, f); err != nil {
			return err
		}
		if len(f) > 0 {
			return errs.InvalidFields(f)
		}
		res, err := tx.Exec(ctx, `UPDATE partners SET org_id = ?, name = ?, type = ?, contact_name = ?, contact_phone = ?, address = ?, note = ?, active = ?,
			version = version + 1, updated_at = ? WHERE id = ? AND version = ?`, in.OrgID, in.Name, string(in.Type), in.ContactName, in.ContactPhone,
			in.Address, in.Note, boolInt(in.Active), db.FormatTime(s.Now()), id, in.Version)
		if err != nil {
			return fmt.Errorf("update partner: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return errs.E(errs.Conflict, "err.version_conflict")
		}
		d := map[string]any{}
		for k, c := range map[string][2]any{"org_id": {old.OrgID, in.OrgID}, "name": {old.Name, in.Name}, "type": {old.Type, in.Type},
			"contact_name": {old.ContactName, in.ContactName}, "contact_phone": {old.ContactPhone, in.ContactPhone}, "address": {old.Address, in.Address},
			"note": {old.Note, in.Note}, "active": {old.Active, in.Active}} {
			if c[0] != c[1] {
				d[k] = audit.Change{Old: c[0], New: c[1]}
			}
		}
		return audit.Write(ctx, tx, audit.Entry{Who: a.Who(), Action: audit.ActionUpdate, Entity: "partner", EntityID: strconv.FormatInt(id, 10), Detail: d})
	})
	if err != nil {
		return nil, err
	}
	return s.Get(ctx, a, id)
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// Activity is an activity done with a partner.
type Activity struct {
	ID       int64
	Title    string
	StartsAt string
	KindName string
	OrgName  string
	Status   string
}

// Date is the activity's day.
func (x Activity) Date() string { return x.StartsAt[:10] }

// Cancelled reports whether the activity was cancelled.
func (x Activity) Cancelled() bool { return x.Status == "cancelled" }

// Activities lists the activities done with a partner that the actor may
// see (of their subtree or above it), newest first; cancelled ones are
// listed as such.
func (s *Service) Activities(ctx context.Context, a *auth.Actor, partnerID int64) ([]Activity, error) {
	if err := a.Require(auth.CommunityView); err != nil {
		return nil, err
	}
	if _, err := s.get(ctx, s.DB, a, partnerID); err != nil {
		return nil, err
	}
	cond, args := readable(a, "x")
	rows, err := s.DB.Query(ctx, `SELECT x.id, x.title, x.starts_at, k.name, o.name, x.status FROM activity_partners ap
		JOIN activities x ON x.id = ap.activity_id JOIN activity_kinds k ON k.id = x.kind_id JOIN org_units o ON o.id = x.org_id
		WHERE ap.partner_id = ? AND `+cond+` ORDER BY x.starts_at DESC, x.id DESC LIMIT 500`, append([]any{partnerID}, args...)...)
	return db.Collect(rows, err, func(sc db.Scanner) (Activity, error) {
		var x Activity
		return x, sc.Scan(&x.ID, &x.Title, &x.StartsAt, &x.KindName, &x.OrgName, &x.Status)
	})
}
