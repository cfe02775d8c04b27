package people

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
	"shiliu/internal/ref"
	"shiliu/internal/secret"
)

// Associated data and index purposes of the sealed columns.
const (
	adID       = "persons.id_number"
	adPhone    = "persons.phone"
	purposeID  = "id"
	purposeTel = "phone"
)

// Service is the registry.
type Service struct {
	DB   *db.DB
	Keys *secret.Keys
	// Now is the clock (tests move it).
	Now func() time.Time
}

// New returns the registry service.
func New(d *db.DB, k *secret.Keys) *Service { return &Service{DB: d, Keys: k, Now: time.Now} }

// Today is the current date in China, YYYY-MM-DD.
func (s *Service) Today() string { return s.Now().In(ref.China).Format(db.DateLayout) }

const personCols = `p.id, p.org_id, o.name, o.path, COALESCE(p.building_group_id, 0), COALESCE(bg.name, ''), COALESCE(p.household_id, 0), COALESCE(h.code, ''),
	p.relation, p.name, p.id_masked, p.phone_masked, p.phone_index, p.ethnicity, p.sex, p.birth_date, p.birth_region, p.kind, p.current_address,
	p.registered_address, p.workplace, p.workplace_kind, p.education, p.political_status, p.tags, p.note, p.status, p.status_date,
	COALESCE(p.merged_into, 0), p.archived, p.arrival_date, p.origin, p.expected_leave_date, p.permit_no, p.permit_expiry, p.liaison_point,
	p.version, p.created_at, p.updated_at`

const personFrom = ` FROM persons p JOIN org_units o ON o.id = p.org_id LEFT JOIN org_units bg ON bg.id = p.building_group_id
	LEFT JOIN households h ON h.id = p.household_id`

func scanPerson(sc interface{ Scan(...any) error }) (*Person, error) {
	var p Person
	var status, phoneIndex string
	var archived int
	err := sc.Scan(&p.ID, &p.OrgID, &p.OrgName, &p.orgPath, &p.BuildingGroupID, &p.BuildingGroup, &p.HouseholdID, &p.HouseholdCode,
		&p.Relation, &p.Name, &p.IDMasked, &p.PhoneMasked, &phoneIndex, &p.Ethnicity, &p.Sex, &p.BirthDate, &p.BirthRegion, &p.Kind, &p.CurrentAddress,
		&p.RegisteredAddr, &p.Workplace, &p.WorkplaceKind, &p.Education, &p.PoliticalStatus, &p.Tags, &p.Note, &status, &p.StatusDate,
		&p.MergedInto, &archived, &p.ArrivalDate, &p.Origin, &p.ExpectedLeave, &p.PermitNo, &p.PermitExpiry, &p.LiaisonPoint,
		&p.Version, &p.CreatedAt, &p.UpdatedAt)
	p.Status, p.Archived, p.hasPhone = Status(status), archived == 1, phoneIndex != ""
	return &p, err
}

// Get returns a person in the actor's scope.
func (s *Service) Get(ctx context.Context, a *auth.Actor, id int64) (*Person, error) {
	if err := a.Require(auth.PersonView); err != nil {
		return nil, err
	}
	return s.get(ctx, s.DB, a, id)
}

func (s *Service) get(ctx context.Context, q db.Querier, a *auth.Actor, id int64) (*Person, error) {
	p, err := scanPerson(q.QueryRow(ctx, `SELECT `+personCols+personFrom+` WHERE p.id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, errs.ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("get person %d: %w", id, err)
	}
	cond, args := a.Scope().Persons("p")
	if err := s.checkScope(ctx, q, "persons p", "p", cond, args, id); err != nil {
		return nil, err
	}
	return p, nil
}

// checkScope answers errs.ErrOutOfScope unless row id of table (written
// with its alias, "persons p") meets the scope condition cond.
func (s *Service) checkScope(ctx context.Context, q db.Querier, table, alias, cond string, args []any, id int64) error {
	var one int
	err := q.QueryRow(ctx, `SELECT 1 FROM `+table+` WHERE `+alias+`.id = ? AND `+cond, append([]any{id}, args...)...).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return errs.ErrOutOfScope
	}
	return err
}

// Input is what a form, the API or a roster row gives for a person.
type Input struct {
	Name            string
	IDNumber        string
	Ethnicity       string // code, name or short name
	Phone           string
	Kind            Kind
	OrgID           int64 // the committee
	BuildingGroupID int64
	CurrentAddress  string
	RegisteredAddr  string
	Workplace       string
	WorkplaceKind   WorkplaceKind
	Education       string
	PoliticalStatus string
	Tags            Tags
	Note            string
	ArrivalDate     string
	Origin          string
	ExpectedLeave   string
	PermitNo        string
	PermitExpiry    string
	LiaisonPoint    string
	Version         int
	// ClearPhone removes the phone on update; otherwise an empty Phone
	// keeps the number on record (forms show it only masked).
	ClearPhone bool
}

// checked is an Input after validation, with what the ID number gives.
type checked struct {
	Input
	id        ref.ID
	ethnicity string
	phone     string
	pinyin    string
	initials  string
}

// validate checks an input and derives birth date, sex and region from the
// ID number. keepID is set on updates, where the ID number is not changed.
func (s *Service) validate(ctx context.Context, tx *db.Tx, a *auth.Actor, in Input, keepID bool) (*checked, error) {
	c := &checked{Input: in}
	f := map[string]string{}
	c.Name = ref.NormaliseName(in.Name)
	if c.Name == "" {
		f["name"] = "err.required"
	} else if ref.TooLong(c.Name, 50) {
		f["name"] = "err.too_long"
	}
	if !keepID {
		id, err := ref.ParseID(in.IDNumber)
		switch {
		case strings.TrimSpace(in.IDNumber) == "":
			f["id_number"] = "err.required"
		case err != nil:
			f["id_number"] = "err.id_invalid"
		default:
			c.id = id
		}
	}
	if e, ok := ref.ParseEthnicity(in.Ethnicity); ok {
		c.ethnicity = e.Code
	} else if strings.TrimSpace(in.Ethnicity) == "" {
		f["ethnicity"] = "err.required"
	} else {
		f["ethnicity"] = "err.ethnicity_unknown"
	}
	if strings.TrimSpace(in.Phone) != "" {
		if p, ok := ref.NormalisePhone(in.Phone); ok {
			c.phone = p
		} else {
			f["phone"] = "err.phone_invalid"
		}
	}
	if !in.Kind.Valid() {
		f["kind"] = "err.required"
	}
	if in.WorkplaceKind < WorkNone || in.WorkplaceKind > WorkNewOrg {
		f["workplace_kind"] = "err.invalid"
	}
	for name, v := range map[string]string{"current_address": in.CurrentAddress, "registered_address": in.RegisteredAddr, "workplace": in.Workplace,
		"origin": in.Origin, "liaison_point": in.LiaisonPoint} {
		if ref.TooLong(v, 200) {
			f[name] = "err.too_long"
		}
	}
	for name, v := range map[string]string{"education": in.Education, "political_status": in.PoliticalStatus, "permit_no": in.PermitNo} {
		if ref.TooLong(v, 40) {
			f[name] = "err.too_long"
		}
	}
	if ref.TooLong(in.Note, 2000) {
		f["note"] = "err.too_long"
	}
	for name, v := range map[string]*string{"arrival_date": &c.ArrivalDate, "expected_leave_date": &c.ExpectedLeave, "permit_expiry": &c.PermitExpiry} {
		*v = strings.TrimSpace(*v)
		if *v == "" {
			continue
		}
		if t, ok := ref.ParseDate(*v); ok {
			*v = t.Format(db.DateLayout)
		} else {
			f[name] = "err.date_invalid"
		}
	}
	if err := s.checkPlace(ctx, tx, a, in.OrgID, in.BuildingGroupID, f); err != nil {
		return nil, err
	}
	if len(f) > 0 {
		return nil, errs.InvalidFields(f)
	}
	c.pinyin, c.initials = ref.Pinyin(c.Name)
	return c, nil
}

// checkPlace checks that the committee is a committee in scope and the
// building group, if any, stands under it.
func (s *Service) checkPlace(ctx context.Context, tx *db.Tx, a *auth.Actor, orgID, bgID int64, f map[string]string) error {
	var kind, path string
	err := tx.QueryRow(ctx, `SELECT kind, path FROM org_units WHERE id = ? AND archived = 0`, orgID).Scan(&kind, &path)
	if errors.Is(err, sql.ErrNoRows) || (err == nil && (kind != "committee" || !a.Scope().Contains(path))) {
		f["org_id"] = "err.committee_unknown"
		return nil
	}
	if err != nil {
		return err
	}
	if bgID != 0 {
		var parent int64
		err := tx.QueryRow(ctx, `SELECT COALESCE(parent_id, 0) FROM org_units WHERE id = ? AND kind = 'building_group' AND archived = 0`, bgID).Scan(&parent)
		if errors.Is(err, sql.ErrNoRows) || (err == nil && parent != orgID) {
			f["building_group_id"] = "err.building_group_unknown"
		} else if err != nil {
			return err
		}
	}
	return nil
}

// ErrExists is returned by Create when the ID number is already in the
// registry; Args[0] is the existing person's id when in scope, else 0.
const keyExists = "err.person_exists"

// Create adds a person.
func (s *Service) Create(ctx context.Context, a *auth.Actor, in Input) (*Person, error) {
	if err := a.Require(auth.PersonEdit); err != nil {
		return nil, err
	}
	var id int64
	err := s.DB.WithTx(ctx, func(tx *db.Tx) error {
		var err error
		id, err = s.create(ctx, tx, a, in)
		return err
	})
	if err != nil {
		return nil, err
	}
	return s.Get(ctx, a, id)
}

func (s *Service) create(ctx context.Context, tx *db.Tx, a *auth.Actor, in Input) (int64, error) {
	c, err := s.validate(ctx, tx, a, in, false)
	if err != nil {
		return 0, err
	}
	idf := secret.SealField(s.Keys, purposeID, adID, c.id.Number)
	var existing int64
	err = tx.QueryRow(ctx, `SELECT id FROM persons WHERE id_index = ?`, idf.Index).Scan(&existing)
	if err == nil {
		if _, err := s.get(ctx, tx, a, existing); err != nil {
			existing = 0 // not the actor's to know about
		}
		return 0, &errs.Error{Kind: errs.Conflict, Key: keyExists, Fields: map[string]string{"id_number": keyExists}, Args: []any{existing}}
	} else if !errors.Is(err, sql.ErrNoRows) {
		return 0, err
	}
	phf := secret.SealField(s.Keys, purposeTel, adPhone, c.phone)
	now := db.FormatTime(s.Now())
	id, err := tx.InsertID(ctx, `INSERT INTO persons (org_id, building_group_id, name, pinyin, initials, id_index, id_enc, id_masked, id_last4,
		phone_index, phone_enc, phone_masked, ethnicity, sex, birth_date, birth_region, kind, current_address, registered_address, workplace,
		workplace_kind, education, political_status, tags, note, arrival_date, origin, expected_leave_date, permit_no, permit_expiry, liaison_point,
		created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		c.OrgID, db.NullID(c.BuildingGroupID), c.Name, c.pinyin, c.initials, idf.Index, idf.Enc, ref.MaskID(c.id.Number), c.id.Number[14:],
		phf.Index, db.NullBytes(phf.Enc), maskPhone(c.phone), c.ethnicity, c.id.Sex(), c.id.Birth.Format(db.DateLayout), c.id.Region, int(c.Kind),
		strings.TrimSpace(c.CurrentAddress), strings.TrimSpace(c.RegisteredAddr), strings.TrimSpace(c.Workplace), int(c.WorkplaceKind),
		strings.TrimSpace(c.Education), strings.TrimSpace(c.PoliticalStatus), int(c.Tags), strings.TrimSpace(c.Note), c.ArrivalDate,
		strings.TrimSpace(c.Origin), c.ExpectedLeave, strings.TrimSpace(c.PermitNo), c.PermitExpiry, strings.TrimSpace(c.LiaisonPoint), now, now)
	if db.IsUniqueViolation(err) {
		return 0, &errs.Error{Kind: errs.Conflict, Key: keyExists, Fields: map[string]string{"id_number": keyExists}, Args: []any{int64(0)}}
	}
	if err != nil {
		return 0, fmt.Errorf("insert person: %w", err)
	}
	if err := s.event(ctx, tx, a, id, "created", s.Today(), 0, c.OrgID, ""); err != nil {
		return 0, err
	}
	return id, audit.Write(ctx, tx, audit.Entry{Who: a.Who(), Action: audit.ActionCreate, Entity: "person", EntityID: strconv.FormatInt(id, 10),
		Detail: map[string]any{"org_id": c.OrgID, "kind": c.Kind}})
}

func maskPhone(p string) string {
	if p == "" {
		return ""
	}
	return ref.MaskPhone(p)
}

// event records an entry of a person's history.
func (s *Service) event(ctx context.Context, tx *db.Tx, a *auth.Actor, personID int64, kind, date string, from, to int64, note string) error {
	who := a.Who()
	var uid any
	if who.UserID != 0 {
		uid = who.UserID
	}
	_, err := tx.Exec(ctx, `INSERT INTO person_events (person_id, kind, date, from_org_id, to_org_id, note, user_id, username, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`, personID, kind, date, db.NullID(from), db.NullID(to), note, uid, who.Username, db.FormatTime(s.Now()))
	if err != nil {
		return fmt.Errorf("person event: %w", err)
	}
	return nil
}

// fields returns the editable values of a person for audit comparisons.
func (p *Person) fields() map[string]any {
	return map[string]any{"name": p.Name, "ethnicity": p.Ethnicity, "phone": p.PhoneMasked, "kind": p.Kind, "org_id": p.OrgID,
		"building_group_id": p.BuildingGroupID, "current_address": p.CurrentAddress, "registered_address": p.RegisteredAddr,
		"workplace": p.Workplace, "workplace_kind": p.WorkplaceKind, "education": p.Education, "political_status": p.PoliticalStatus,
		"tags": p.Tags, "note": p.Note, "arrival_date": p.ArrivalDate, "origin": p.Origin, "expected_leave_date": p.ExpectedLeave,
		"permit_no": p.PermitNo, "permit_expiry": p.PermitExpiry, "liaison_point": p.LiaisonPoint}
}

// Update changes a person's fields (not the ID number, which identifies
// them). A stale Version is refused as a conflict. A change of committee is
// recorded in the history as a move.
func (s *Service) Update(ctx context.Context, a *auth.Actor, id int64, in Input) error {
	if err := a.Require(auth.PersonEdit); err != nil {
		return err
	}
	return s.DB.WithTx(ctx, func(tx *db.Tx) error {
		old, err := s.get(ctx, tx, a, id)
		if err != nil {
			return err
		}
		return s.update(ctx, tx, a, old, in, true)
	})
}

func (s *Service) update(ctx context.Context, tx *db.Tx, a *auth.Actor, old *Person, in Input, checkVersion bool) error {
	if old.Status == Merged {
		return errs.E(errs.Invalid, "err.person_merged")
	}
	c, err := s.validate(ctx, tx, a, in, true)
	if err != nil {
		return err
	}
	phf := secret.SealField(s.Keys, purposeTel, adPhone, c.phone)
	phoneMasked := maskPhone(c.phone)
	if c.phone == "" && !in.ClearPhone && old.hasPhone {
		// Keep the number on record as it is.
		var enc []byte
		if err := tx.QueryRow(ctx, `SELECT phone_index, phone_enc, phone_masked FROM persons WHERE id = ?`, old.ID).Scan(&phf.Index, &enc, &phoneMasked); err != nil {
			return err
		}
		phf.Enc = enc
	}
	q := `UPDATE persons SET org_id = ?, building_group_id = ?, name = ?, pinyin = ?, initials = ?, phone_index = ?, phone_enc = ?, phone_masked = ?,
		ethnicity = ?, kind = ?, current_address = ?, registered_address = ?, workplace = ?, workplace_kind = ?, education = ?, political_status = ?,
		tags = ?, note = ?, arrival_date = ?, origin = ?, expected_leave_date = ?, permit_no = ?, permit_expiry = ?, liaison_point = ?,
		version = version + 1, updated_at = ? WHERE id = ?`
	args := []any{c.OrgID, db.NullID(c.BuildingGroupID), c.Name, c.pinyin, c.initials, phf.Index, db.NullBytes(phf.Enc), phoneMasked,
		c.ethnicity, int(c.Kind), strings.TrimSpace(c.CurrentAddress), strings.TrimSpace(c.RegisteredAddr), strings.TrimSpace(c.Workplace),
		int(c.WorkplaceKind), strings.TrimSpace(c.Education), strings.TrimSpace(c.PoliticalStatus), int(c.Tags), strings.TrimSpace(c.Note),
		c.ArrivalDate, strings.TrimSpace(c.Origin), c.ExpectedLeave, strings.TrimSpace(c.PermitNo), c.PermitExpiry, strings.TrimSpace(c.LiaisonPoint),
		db.FormatTime(s.Now()), old.ID}
	if checkVersion {
		q += ` AND version = ?`
		args = append(args, c.Version)
	}
	res, err := tx.Exec(ctx, q, args...)
	if err != nil {
		return fmt.Errorf("update person: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return errs.E(errs.Conflict, "err.version_conflict")
	}
	if c.OrgID != old.OrgID {
		if err := s.event(ctx, tx, a, old.ID, "moved", s.Today(), old.OrgID, c.OrgID, ""); err != nil {
			return err
		}
	}
	newP := *old
	newP.Name, newP.Ethnicity, newP.PhoneMasked, newP.Kind, newP.OrgID, newP.BuildingGroupID = c.Name, c.ethnicity, phoneMasked, c.Kind, c.OrgID, c.BuildingGroupID
	newP.CurrentAddress, newP.RegisteredAddr, newP.Workplace, newP.WorkplaceKind = strings.TrimSpace(c.CurrentAddress), strings.TrimSpace(c.RegisteredAddr), strings.TrimSpace(c.Workplace), c.WorkplaceKind
	newP.Education, newP.PoliticalStatus, newP.Tags, newP.Note = strings.TrimSpace(c.Education), strings.TrimSpace(c.PoliticalStatus), c.Tags, strings.TrimSpace(c.Note)
	newP.ArrivalDate, newP.Origin, newP.ExpectedLeave, newP.PermitNo, newP.PermitExpiry, newP.LiaisonPoint = c.ArrivalDate, strings.TrimSpace(c.Origin), c.ExpectedLeave, strings.TrimSpace(c.PermitNo), c.PermitExpiry, strings.TrimSpace(c.LiaisonPoint)
	changes := audit.Changes(old.fields(), newP.fields())
	if len(changes) == 0 {
		return nil
	}
	return audit.Write(ctx, tx, audit.Entry{Who: a.Who(), Action: audit.ActionUpdate, Entity: "person", EntityID: strconv.FormatInt(old.ID, 10), Detail: changes})
}

// Reveal returns the full ID number or phone of a person, for an actor
// allowed to see it, and records who asked, when and why. field is
// "id_number" or "phone"; reason must be given.
func (s *Service) Reveal(ctx context.Context, a *auth.Actor, id int64, field, reason string) (string, error) {
	// Scope first, then PersonReveal: out of scope reads as not found
	// whatever the role.
	if err := a.Require(auth.PersonView); err != nil {
		return "", err
	}
	reason = strings.TrimSpace(reason)
	if reason == "" || ref.TooLong(reason, 200) {
		return "", errs.InvalidFields(map[string]string{"reason": "err.reason_required"})
	}
	var ad, col string
	switch field {
	case "id_number":
		ad, col = adID, "id_enc"
	case "phone":
		ad, col = adPhone, "phone_enc"
	default:
		return "", errs.InvalidFields(map[string]string{"field": "err.invalid"})
	}
	if _, err := s.Get(ctx, a, id); err != nil {
		return "", err
	}
	if !a.Can(auth.PersonReveal) {
		// A liaison sees the persons assigned to them, masked only.
		return "", errs.E(errs.Forbidden, "err.forbidden")
	}
	var enc []byte
	if err := s.DB.QueryRow(ctx, `SELECT `+col+` FROM persons WHERE id = ?`, id).Scan(&enc); err != nil {
		return "", err
	}
	value, err := secret.OpenField(s.Keys, ad, enc)
	if err != nil {
		return "", fmt.Errorf("open %s of person %d: %w", field, id, err)
	}
	// The record is written before the value is returned: no audit, no value.
	err = audit.Write(ctx, s.DB, audit.Entry{Who: a.Who(), Action: audit.ActionViewSecret, Entity: "person", EntityID: strconv.FormatInt(id, 10),
		Detail: map[string]any{"field": field, "reason": reason}})
	if err != nil {
		return "", err
	}
	return value, nil
}

// FindByID returns the person with a citizen ID number, within scope.
func (s *Service) FindByID(ctx context.Context, a *auth.Actor, number string) (*Person, error) {
	if err := a.Require(auth.PersonView); err != nil {
		return nil, err
	}
	id, err := ref.ParseID(number)
	if err != nil {
		return nil, errs.ErrNotFound
	}
	var pid int64
	if err := s.DB.QueryRow(ctx, `SELECT id FROM persons WHERE id_index = ?`, s.Keys.Index(purposeID, id.Number)).Scan(&pid); err != nil {
		return nil, errs.ErrNotFound
	}
	return s.Get(ctx, a, pid)
}

// Events returns a person's history, newest first, including the history
// of records merged into them.
func (s *Service) Events(ctx context.Context, a *auth.Actor, id int64) ([]Event, error) {
	if err := a.Require(auth.PersonView); err != nil {
		return nil, err
	}
	if _, err := s.Get(ctx, a, id); err != nil {
		return nil, err
	}
	rows, err := s.DB.Query(ctx, `SELECT e.id, e.person_id, e.kind, e.date, COALESCE(fo.name, ''), COALESCE(t.name, ''), e.note, e.username, e.created_at
		FROM person_events e LEFT JOIN org_units fo ON fo.id = e.from_org_id LEFT JOIN org_units t ON t.id = e.to_org_id
		WHERE e.person_id = ? OR e.person_id IN (SELECT id FROM persons WHERE merged_into = ?) ORDER BY e.date DESC, e.id DESC`, id, id)
	return db.Collect(rows, err, func(sc db.Scanner) (Event, error) {
		var e Event
		err := sc.Scan(&e.ID, &e.PersonID, &e.Kind, &e.Date, &e.FromOrg, &e.ToOrg, &e.Note, &e.Username, &e.CreatedAt)
		return e, err
	})
}
