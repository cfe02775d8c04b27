// Package org keeps the org tree (区 → 街道 → 居委 → 楼组, with 联络组 beside
// them) and each unit's base population by year. Every read takes the
// actor and returns only units inside the actor's scope.
package org

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"

	"shiliu/internal/audit"
	"shiliu/internal/auth"
	"shiliu/internal/db"
	"shiliu/internal/errs"
)

// Kind is the kind of an org unit.
type Kind string

// The kinds of unit.
const (
	District      Kind = "district"
	Subdistrict   Kind = "subdistrict"
	Committee     Kind = "committee"
	BuildingGroup Kind = "building_group"
	LiaisonGroup  Kind = "liaison_group"
)

// Kinds lists the kinds in tree order.
var Kinds = []Kind{District, Subdistrict, Committee, BuildingGroup, LiaisonGroup}

// kindNames are the Chinese names used in import files (类型 column).
var kindNames = map[string]Kind{"区": District, "街道": Subdistrict, "居委": Committee, "居委会": Committee, "居民区": Committee, "楼组": BuildingGroup, "小区": BuildingGroup, "联络组": LiaisonGroup}

// KindFromName returns the kind for a Chinese type name or an English id.
func KindFromName(s string) (Kind, bool) {
	s = strings.TrimSpace(s)
	if k, ok := kindNames[s]; ok {
		return k, true
	}
	for _, k := range Kinds {
		if string(k) == s {
			return k, true
		}
	}
	return "", false
}

// allowedParents says under which kinds a kind may stand; "" is the root.
var allowedParents = map[Kind][]Kind{
	District:      {""},
	Subdistrict:   {"", District},
	Committee:     {Subdistrict},
	BuildingGroup: {Committee},
	LiaisonGroup:  {Subdistrict, Committee},
}

// CanStandUnder reports whether a unit of kind k may have a parent of kind p
// ("" for none).
func CanStandUnder(k, p Kind) bool {
	for _, a := range allowedParents[k] {
		if a == p {
			return true
		}
	}
	return false
}

// Unit is an org unit.
type Unit struct {
	ID         int64
	Code       string
	Name       string
	Kind       Kind
	ParentID   int64
	ParentName string
	Path       string
	Depth      int
	Address    string
	Contact    string
	Note       string
	Archived   bool
	Version    int
	UpdatedAt  string
	// Children counts direct children (filled by Tree and Get).
	Children int
}

// Population is a unit's base population for a year.
type Population struct {
	Year       int
	Registered int
	Floating   int
}

// Service reads and changes the org tree.
type Service struct {
	DB *db.DB
}

const unitCols = `u.id, u.code, u.name, u.kind, COALESCE(u.parent_id, 0), COALESCE(p.name, ''), u.path, u.depth, u.address, u.contact, u.note, u.archived, u.version, u.updated_at,
	(SELECT COUNT(*) FROM org_units c WHERE c.parent_id = u.id AND c.archived = 0)`

func scanUnit(sc interface{ Scan(...any) error }) (*Unit, error) {
	var u Unit
	var kind string
	var archived int
	err := sc.Scan(&u.ID, &u.Code, &u.Name, &kind, &u.ParentID, &u.ParentName, &u.Path, &u.Depth, &u.Address, &u.Contact, &u.Note, &archived, &u.Version, &u.UpdatedAt, &u.Children)
	u.Kind, u.Archived = Kind(kind), archived == 1
	return &u, err
}

// Tree returns the units in the actor's scope in tree order (by path), with
// archived ones only when asked.
func (s *Service) Tree(ctx context.Context, a *auth.Actor, withArchived bool) ([]*Unit, error) {
	if err := a.Require(auth.Self); err != nil {
		return nil, err
	}
	lo, hi := a.Scope().PathRange()
	q := `SELECT ` + unitCols + ` FROM org_units u LEFT JOIN org_units p ON p.id = u.parent_id WHERE u.path >= ? AND u.path < ?`
	if !withArchived {
		q += ` AND u.archived = 0`
	}
	rows, err := s.DB.Query(ctx, q+` ORDER BY u.depth, u.code`, lo, hi)
	flat, err := db.Collect(rows, err, scanUnit)
	if err != nil {
		return nil, fmt.Errorf("org tree: %w", err)
	}
	return depthFirst(flat), nil
}

// depthFirst orders units so that each is followed by its subtree, children
// by code.
func depthFirst(units []*Unit) []*Unit {
	kids := map[int64][]*Unit{}
	byID := map[int64]bool{}
	for _, u := range units {
		byID[u.ID] = true
	}
	var roots []*Unit
	for _, u := range units {
		if byID[u.ParentID] {
			kids[u.ParentID] = append(kids[u.ParentID], u)
		} else {
			roots = append(roots, u)
		}
	}
	out := make([]*Unit, 0, len(units))
	var walk func(u *Unit)
	walk = func(u *Unit) {
		out = append(out, u)
		for _, c := range kids[u.ID] {
			walk(c)
		}
	}
	for _, r := range roots {
		walk(r)
	}
	return out
}

// Get returns a unit in the actor's scope; a unit outside it is not found.
func (s *Service) Get(ctx context.Context, a *auth.Actor, id int64) (*Unit, error) {
	if err := a.Require(auth.Self); err != nil {
		return nil, err
	}
	u, err := s.get(ctx, s.DB, id)
	if err != nil {
		return nil, err
	}
	if !a.Scope().Contains(u.Path) {
		return nil, errs.ErrOutOfScope
	}
	return u, nil
}

func (s *Service) get(ctx context.Context, q db.Querier, id int64) (*Unit, error) {
	u, err := scanUnit(q.QueryRow(ctx, `SELECT `+unitCols+` FROM org_units u LEFT JOIN org_units p ON p.id = u.parent_id WHERE u.id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, errs.ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("get org unit %d: %w", id, err)
	}
	return u, nil
}

// Children returns the direct children of a unit in scope.
func (s *Service) Children(ctx context.Context, a *auth.Actor, id int64) ([]*Unit, error) {
	if err := a.Require(auth.Self); err != nil {
		return nil, err
	}
	lo, hi := a.Scope().PathRange()
	rows, err := s.DB.Query(ctx, `SELECT `+unitCols+` FROM org_units u LEFT JOIN org_units p ON p.id = u.parent_id
		WHERE u.parent_id = ? AND u.path >= ? AND u.path < ? AND u.archived = 0 ORDER BY u.code`, id, lo, hi)
	return db.Collect(rows, err, scanUnit)
}

// Ancestors returns the chain from the root of the actor's scope down to
// the unit's parent, for breadcrumbs.
func (s *Service) Ancestors(ctx context.Context, a *auth.Actor, u *Unit) ([]*Unit, error) {
	if err := a.Require(auth.Self); err != nil {
		return nil, err
	}
	var out []*Unit
	for _, part := range strings.Split(strings.Trim(u.Path, "/"), "/") {
		id, _ := strconv.ParseInt(part, 10, 64)
		if id == u.ID || id == 0 {
			continue
		}
		p, err := s.get(ctx, s.DB, id)
		if err != nil {
			return nil, err
		}
		if a.Scope().Contains(p.Path) {
			out = append(out, p)
		}
	}
	return out, nil
}

// Input is what a form or an import row gives for a unit.
type Input struct {
	Code     string
	Name     string
	Kind     Kind
	ParentID int64
	Address  string
	Contact  string
	Note     string
	Version  int
}

func (in *Input) normalise() {
	in.Code = strings.TrimSpace(in.Code)
	in.Name = strings.TrimSpace(in.Name)
	in.Address = strings.TrimSpace(in.Address)
	in.Contact = strings.TrimSpace(in.Contact)
	in.Note = strings.TrimSpace(in.Note)
}

func (in *Input) validate() map[string]string {
	f := map[string]string{}
	if in.Code == "" {
		f["code"] = "err.required"
	} else if utf8.RuneCountInString(in.Code) > 32 || strings.ContainsAny(in.Code, " /\t") {
		f["code"] = "err.code_invalid"
	}
	if in.Name == "" {
		f["name"] = "err.required"
	} else if utf8.RuneCountInString(in.Name) > 64 {
		f["name"] = "err.too_long"
	}
	if _, ok := allowedParents[in.Kind]; !ok {
		f["kind"] = "err.kind_invalid"
	}
	if utf8.RuneCountInString(in.Address) > 200 {
		f["address"] = "err.too_long"
	}
	if utf8.RuneCountInString(in.Contact) > 100 {
		f["contact"] = "err.too_long"
	}
	if utf8.RuneCountInString(in.Note) > 1000 {
		f["note"] = "err.too_long"
	}
	return f
}

// parentFor loads and checks the parent of a new or moved unit.
func (s *Service) parentFor(ctx context.Context, tx *db.Tx, a *auth.Actor, in Input, f map[string]string) *Unit {
	if in.ParentID == 0 {
		// Only the command line (the system actor) creates roots.
		if !a.IsSystem() || !CanStandUnder(in.Kind, "") {
			if _, bad := f["kind"]; !bad {
				f["parent_id"] = "err.parent_required"
			}
		}
		return nil
	}
	p, err := s.getTx(ctx, tx, in.ParentID)
	if err != nil || !a.Scope().Contains(p.Path) || p.Archived {
		f["parent_id"] = "err.org_unknown"
		return nil
	}
	if _, bad := f["kind"]; !bad && !CanStandUnder(in.Kind, p.Kind) {
		f["parent_id"] = "err.parent_kind"
	}
	return p
}

func (s *Service) getTx(ctx context.Context, tx *db.Tx, id int64) (*Unit, error) {
	u, err := scanUnit(tx.QueryRow(ctx, `SELECT `+unitCols+` FROM org_units u LEFT JOIN org_units p ON p.id = u.parent_id WHERE u.id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, errs.ErrNotFound
	}
	return u, err
}

// Create adds a unit. Only the command line (the system actor) creates a
// root unit.
func (s *Service) Create(ctx context.Context, a *auth.Actor, in Input) (*Unit, error) {
	if err := a.Require(auth.OrgEdit); err != nil {
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
	return s.get(ctx, s.DB, id)
}

func (s *Service) create(ctx context.Context, tx *db.Tx, a *auth.Actor, in Input) (int64, error) {
	in.normalise()
	f := in.validate()
	parent := s.parentFor(ctx, tx, a, in, f)
	if len(f) > 0 {
		return 0, errs.InvalidFields(f)
	}
	now := db.Now()
	var parentID any
	parentPath, depth := "/", 0
	if parent != nil {
		parentID, parentPath, depth = parent.ID, parent.Path, parent.Depth+1
	}
	id, err := tx.InsertID(ctx, `INSERT INTO org_units (code, name, kind, parent_id, path, depth, address, contact, note, created_at, updated_at)
		VALUES (?, ?, ?, ?, '', ?, ?, ?, ?, ?, ?)`, in.Code, in.Name, string(in.Kind), parentID, depth, in.Address, in.Contact, in.Note, now, now)
	if db.IsUniqueViolation(err) {
		return 0, errs.InvalidFields(map[string]string{"code": "err.code_taken"})
	}
	if err != nil {
		return 0, fmt.Errorf("insert org unit: %w", err)
	}
	if _, err := tx.Exec(ctx, `UPDATE org_units SET path = ? WHERE id = ?`, parentPath+strconv.FormatInt(id, 10)+"/", id); err != nil {
		return 0, err
	}
	return id, audit.Write(ctx, tx, audit.Entry{Who: a.Who(), Action: audit.ActionCreate, Entity: "org_unit", EntityID: strconv.FormatInt(id, 10),
		Detail: map[string]any{"code": in.Code, "name": in.Name, "kind": in.Kind, "parent_id": in.ParentID}})
}

// Update changes a unit. Moving it under another parent moves its subtree.
// A stale Version is refused as a conflict, so two editors never silently
// overwrite each other.
func (s *Service) Update(ctx context.Context, a *auth.Actor, id int64, in Input) error {
	if err := a.Require(auth.OrgEdit); err != nil {
		return err
	}
	if _, err := s.Get(ctx, a, id); err != nil {
		return err
	}
	return s.DB.WithTx(ctx, func(tx *db.Tx) error { return s.update(ctx, tx, a, id, in, true) })
}

func (s *Service) update(ctx context.Context, tx *db.Tx, a *auth.Actor, id int64, in Input, checkVersion bool) error {
	old, err := s.getTx(ctx, tx, id)
	if err != nil {
		return err
	}
	in.normalise()
	f := in.validate()
	// The root of the actor's own scope cannot be moved or retyped by them.
	if !a.IsSystem() && old.Path == a.OrgPath && (in.ParentID != old.ParentID || in.Kind != old.Kind) {
		f["parent_id"] = "err.cannot_move_own_unit"
	}
	var parent *Unit
	if in.ParentID != old.ParentID || in.Kind != old.Kind {
		parent = s.parentFor(ctx, tx, a, in, f)
		if parent != nil && strings.HasPrefix(parent.Path, old.Path) {
			f["parent_id"] = "err.parent_cycle"
		}
	} else if old.ParentID != 0 {
		parent, _ = s.getTx(ctx, tx, old.ParentID)
	}
	if in.Kind != old.Kind && old.Children > 0 {
		f["kind"] = "err.kind_has_children"
	}
	if len(f) > 0 {
		return errs.InvalidFields(f)
	}
	newPath, depth := "/"+strconv.FormatInt(id, 10)+"/", 0
	var parentID any
	if parent != nil {
		newPath, depth, parentID = parent.Path+strconv.FormatInt(id, 10)+"/", parent.Depth+1, parent.ID
	}
	q := `UPDATE org_units SET code = ?, name = ?, kind = ?, parent_id = ?, path = ?, depth = ?, address = ?, contact = ?, note = ?, version = version + 1, updated_at = ? WHERE id = ?`
	args := []any{in.Code, in.Name, string(in.Kind), parentID, newPath, depth, in.Address, in.Contact, in.Note, db.Now(), id}
	if checkVersion {
		q += ` AND version = ?`
		args = append(args, in.Version)
	}
	res, err := tx.Exec(ctx, q, args...)
	if db.IsUniqueViolation(err) {
		return errs.InvalidFields(map[string]string{"code": "err.code_taken"})
	}
	if err != nil {
		return fmt.Errorf("update org unit: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return errs.E(errs.Conflict, "err.version_conflict")
	}
	if newPath != old.Path {
		// Move the subtree: replace the old path prefix of every descendant.
		if _, err := tx.Exec(ctx, `UPDATE org_units SET path = ? || substr(path, ?), depth = depth + ? WHERE path > ? AND path < ?`,
			newPath, len(old.Path)+1, depth-old.Depth, old.Path, old.Path[:len(old.Path)-1]+"0"); err != nil {
			return fmt.Errorf("move subtree: %w", err)
		}
	}
	changes := audit.Changes(
		map[string]any{"code": old.Code, "name": old.Name, "kind": old.Kind, "parent_id": old.ParentID, "address": old.Address, "contact": old.Contact, "note": old.Note},
		map[string]any{"code": in.Code, "name": in.Name, "kind": in.Kind, "parent_id": in.ParentID, "address": in.Address, "contact": in.Contact, "note": in.Note})
	if len(changes) == 0 {
		return nil
	}
	return audit.Write(ctx, tx, audit.Entry{Who: a.Who(), Action: audit.ActionUpdate, Entity: "org_unit", EntityID: strconv.FormatInt(id, 10), Detail: changes})
}

// SetArchived archives a unit (hidden from lists, kept with its history) or
// restores it. A unit with active children cannot be archived.
func (s *Service) SetArchived(ctx context.Context, a *auth.Actor, id int64, archived bool) error {
	if err := a.Require(auth.OrgEdit); err != nil {
		return err
	}
	u, err := s.Get(ctx, a, id)
	if err != nil {
		return err
	}
	if archived && u.Path == a.OrgPath {
		return errs.E(errs.Invalid, "err.cannot_archive_own_unit")
	}
	if archived && u.Children > 0 {
		return errs.E(errs.Invalid, "err.archive_has_children")
	}
	return s.DB.WithTx(ctx, func(tx *db.Tx) error {
		if _, err := tx.Exec(ctx, `UPDATE org_units SET archived = ?, version = version + 1, updated_at = ? WHERE id = ?`, boolInt(archived), db.Now(), id); err != nil {
			return err
		}
		action := audit.ActionArchive
		if !archived {
			action = "restore"
		}
		return audit.Write(ctx, tx, audit.Entry{Who: a.Who(), Action: action, Entity: "org_unit", EntityID: strconv.FormatInt(id, 10)})
	})
}

// Populations returns a unit's base population by year, newest first.
func (s *Service) Populations(ctx context.Context, a *auth.Actor, id int64) ([]Population, error) {
	if err := a.Require(auth.OrgView); err != nil {
		return nil, err
	}
	if _, err := s.Get(ctx, a, id); err != nil {
		return nil, err
	}
	rows, err := s.DB.Query(ctx, `SELECT year, registered, floating FROM org_population WHERE org_id = ? ORDER BY year DESC`, id)
	return db.Collect(rows, err, func(sc db.Scanner) (Population, error) {
		var p Population
		err := sc.Scan(&p.Year, &p.Registered, &p.Floating)
		return p, err
	})
}

// ValidatePopulation checks a year's figures.
func ValidatePopulation(p Population) map[string]string {
	f := map[string]string{}
	if p.Year < 1949 || p.Year > 2100 {
		f["year"] = "err.year_invalid"
	}
	if p.Registered < 0 || p.Registered > 50_000_000 {
		f["registered"] = "err.population_invalid"
	}
	if p.Floating < 0 || p.Floating > 50_000_000 {
		f["floating"] = "err.population_invalid"
	}
	return f
}

// SetPopulation stores a unit's base population for a year.
func (s *Service) SetPopulation(ctx context.Context, a *auth.Actor, id int64, p Population) error {
	if err := a.Require(auth.OrgEdit); err != nil {
		return err
	}
	if _, err := s.Get(ctx, a, id); err != nil {
		return err
	}
	if f := ValidatePopulation(p); len(f) > 0 {
		return errs.InvalidFields(f)
	}
	return s.DB.WithTx(ctx, func(tx *db.Tx) error { return setPopulation(ctx, tx, a, id, p) })
}

func setPopulation(ctx context.Context, tx *db.Tx, a *auth.Actor, id int64, p Population) error {
	var old Population
	err := tx.QueryRow(ctx, `SELECT year, registered, floating FROM org_population WHERE org_id = ? AND year = ?`, id, p.Year).Scan(&old.Year, &old.Registered, &old.Floating)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return err
	}
	if err == nil && old == p {
		return nil
	}
	if _, err := tx.Exec(ctx, `INSERT INTO org_population (org_id, year, registered, floating, updated_at) VALUES (?, ?, ?, ?, ?)
		ON CONFLICT (org_id, year) DO UPDATE SET registered = excluded.registered, floating = excluded.floating, updated_at = excluded.updated_at`,
		id, p.Year, p.Registered, p.Floating, db.Now()); err != nil {
		return fmt.Errorf("set population: %w", err)
	}
	return audit.Write(ctx, tx, audit.Entry{Who: a.Who(), Action: audit.ActionUpdate, Entity: "org_population", EntityID: fmt.Sprintf("%d/%d", id, p.Year),
		Detail: audit.Changes(map[string]any{"registered": old.Registered, "floating": old.Floating}, map[string]any{"registered": p.Registered, "floating": p.Floating})})
}

// Count returns the number of units, archived ones included.
func (s *Service) Count(ctx context.Context) (int, error) {
	var n int
	err := s.DB.QueryRow(ctx, `SELECT COUNT(*) FROM org_units`).Scan(&n)
	return n, err
}

// ByCode returns the unit with a code, whatever the scope (for the command
// line).
func (s *Service) ByCode(ctx context.Context, code string) (*Unit, error) {
	u, err := scanUnit(s.DB.QueryRow(ctx, `SELECT `+unitCols+` FROM org_units u LEFT JOIN org_units p ON p.id = u.parent_id WHERE u.code = ?`, strings.TrimSpace(code)))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, errs.ErrNotFound
	}
	return u, err
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// HasChildren reports whether units of kind k may have child units.
func (k Kind) HasChildren() bool { return k == District || k == Subdistrict || k == Committee }

// HasPopulation reports whether units of kind k keep a base population
// (liaison groups are groups of volunteers, not places).
func (k Kind) HasPopulation() bool { return k != LiaisonGroup }

// ChildKind is the kind that usually stands under a unit of kind k, to
// preselect in forms.
func (k Kind) ChildKind() Kind {
	switch k {
	case District:
		return Subdistrict
	case Subdistrict:
		return Committee
	}
	return BuildingGroup
}
