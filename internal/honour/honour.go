// Package honour keeps the honours of community life (荣誉): 民族团结文明家庭
// for households, 民族团结特色楼组 for building groups, advanced individuals
// and collectives, and the community's own titles, by year. An honour is
// nominated by a committee, reviewed and granted by the subdistrict, or
// refused with a reason; a granted one has a printable certificate.
//
// The annual report's figures read the honours table directly:
// honoured_families counts the households granted KindCivilisedFamily in
// the year, featured_building_groups the building groups granted
// KindFeaturedGroup (see Figures and migration 0015).
package honour

import (
	"context"
	"strconv"
	"strings"
	"time"

	"shiliu/internal/audit"
	"shiliu/internal/auth"
	"shiliu/internal/db"
	"shiliu/internal/errs"
	"shiliu/internal/ref"
)

// The built-in kinds' codes.
const (
	KindCivilisedFamily    = "civilised_family"
	KindFeaturedGroup      = "featured_building_group"
	KindAdvancedIndividual = "advanced_individual"
	KindAdvancedCollective = "advanced_collective"
)

// Recipient is who a kind of honour goes to.
type Recipient string

// The recipients.
const (
	ToHousehold     Recipient = "household"
	ToBuildingGroup Recipient = "building_group"
	ToPerson        Recipient = "person"
	// ToCollective is an org unit or a named collective.
	ToCollective Recipient = "collective"
)

// Recipients lists the recipients in display order.
var Recipients = []Recipient{ToHousehold, ToBuildingGroup, ToPerson, ToCollective}

// Valid reports whether r is a known recipient.
func (r Recipient) Valid() bool {
	for _, x := range Recipients {
		if r == x {
			return true
		}
	}
	return false
}

// Status is where an honour stands in its workflow.
type Status string

// The statuses.
const (
	Nominated Status = "nominated"
	Reviewed  Status = "reviewed"
	Granted   Status = "granted"
	Refused   Status = "refused"
)

// Statuses lists the statuses in workflow order.
var Statuses = []Status{Nominated, Reviewed, Granted, Refused}

// Kind is a kind of honour.
type Kind struct {
	ID        int64
	Code      string
	Name      string
	Recipient Recipient
	Builtin   bool
	Active    bool
}

// Honour is one honour of a year.
type Honour struct {
	ID       int64
	OrgID    int64
	OrgName  string
	KindID   int64
	KindCode string
	KindName string
	// Recipient is the kind's recipient; the one of HouseholdID, PersonID,
	// UnitID or Collective it names is set.
	Recipient     Recipient
	Year          int
	HouseholdID   int64
	PersonID      int64
	UnitID        int64
	Collective    string
	RecipientName string
	Deeds         string
	Status        Status
	NominatedBy   string
	NominatedAt   string
	ReviewedBy    string
	ReviewedAt    string
	ReviewNote    string
	DecidedBy     string
	DecidedAt     string
	// GrantedByOrg is the unit that granted it (the certificate's issuer).
	GrantedByOrg  string
	RefusedAt     string // the step: review or grant
	RefuseReason  string
	CertificateNo string
	Version       int
	CreatedAt     string
}

// GrantDate is the date of the grant in China (” before it).
func (h *Honour) GrantDate() string {
	if h.Status != Granted || h.DecidedAt == "" {
		return ""
	}
	return db.ParseTime(h.DecidedAt).In(ref.China).Format(db.DateLayout)
}

// Service is the honours.
type Service struct {
	DB *db.DB
	// Now is the clock (tests move it).
	Now func() time.Time
}

// New returns the service.
func New(d *db.DB) *Service { return &Service{DB: d, Now: time.Now} }

// Year is the current year in China.
func (s *Service) Year() int { return s.Now().In(ref.China).Year() }

// readable limits honours (alias h) to the actor's subtree: a committee
// sees the honours of its households, persons and building groups, a
// subdistrict those of all its committees; a sibling sees none.
func readable(a *auth.Actor, h string) (string, []any) {
	return a.Scope().InSubtree(h + ".org_id")
}

// Kinds lists the kinds of honour, the built-in ones first.
func (s *Service) Kinds(ctx context.Context, a *auth.Actor) ([]Kind, error) {
	if err := a.Require(auth.CommunityView); err != nil {
		return nil, err
	}
	return s.kinds(ctx, s.DB)
}

func (s *Service) kinds(ctx context.Context, q db.Querier) ([]Kind, error) {
	rows, err := q.Query(ctx, `SELECT id, code, name, recipient, builtin, active FROM honour_kinds ORDER BY sort, id`)
	return db.Collect(rows, err, func(sc db.Scanner) (Kind, error) {
		var k Kind
		var rec string
		var b, act int
		err := sc.Scan(&k.ID, &k.Code, &k.Name, &rec, &b, &act)
		k.Recipient, k.Builtin, k.Active = Recipient(rec), b == 1, act == 1
		return k, err
	})
}

// AddKind adds one of the community's own titles; the subdistrict, which
// grants honours, adds them.
func (s *Service) AddKind(ctx context.Context, a *auth.Actor, name string, rec Recipient) (int64, error) {
	if err := a.Require(auth.HonourGrant); err != nil {
		return 0, err
	}
	name = strings.TrimSpace(name)
	f := map[string]string{}
	switch {
	case name == "":
		f["name"] = "err.required"
	case ref.TooLong(name, 40):
		f["name"] = "err.too_long"
	}
	if !rec.Valid() {
		f["recipient"] = "err.required"
	}
	if len(f) > 0 {
		return 0, errs.InvalidFields(f)
	}
	var id int64
	err := s.DB.WithTx(ctx, func(tx *db.Tx) error {
		var n int
		if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM honour_kinds WHERE name = ?`, name).Scan(&n); err != nil {
			return err
		}
		if n > 0 {
			return errs.InvalidFields(map[string]string{"name": "err.honour_kind_exists"})
		}
		var err error
		id, err = tx.InsertID(ctx, `INSERT INTO honour_kinds (code, name, recipient, builtin, sort, created_at) VALUES (?, ?, ?, 0, 1000, ?)`,
			"own_"+strconv.FormatInt(s.Now().UnixNano(), 36), name, string(rec), db.FormatTime(s.Now()))
		if err != nil {
			return err
		}
		return audit.Write(ctx, tx, audit.Entry{Who: a.Who(), Action: audit.ActionCreate, Entity: "honour_kind", EntityID: strconv.FormatInt(id, 10),
			Detail: map[string]any{"name": name, "recipient": rec}})
	})
	return id, err
}
