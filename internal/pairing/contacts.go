package pairing

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
	"shiliu/internal/people"
	"shiliu/internal/ref"
)

// Mode is how a befriending contact was made.
type Mode string

// The modes.
const (
	ModeVisit   Mode = "visit"
	ModePhone   Mode = "phone"
	ModeMeeting Mode = "meeting"
	ModeOther   Mode = "other"
)

// Modes lists the modes in display order.
var Modes = []Mode{ModeVisit, ModePhone, ModeMeeting, ModeOther}

// Valid reports whether m is a known mode.
func (m Mode) Valid() bool {
	for _, x := range Modes {
		if m == x {
			return true
		}
	}
	return false
}

// ContactInput is what a form or the API gives for a befriending contact.
type ContactInput struct {
	// PersonID is a representative figure (tagged 代表人士) in scope.
	PersonID int64
	// UserID is the official or liaison who made the contact; it defaults
	// to the actor. A liaison logs only their own contacts.
	UserID int64
	// Date defaults to today; not in the future.
	Date  string
	Mode  Mode
	Topic string
	Note  string
	// Opinion is an opinion or suggestion collected (信息反馈). With the
	// service's Feedback set, LogContact opens its feedback case and links
	// it in the same transaction.
	Opinion string
}

// Contact is a logged befriending contact.
type Contact struct {
	ID         int64
	OrgID      int64 // the person's committee when logged
	OrgName    string
	PersonID   int64
	PersonName string
	UserID     int64
	UserName   string
	Date       string
	Mode       Mode
	Topic      string
	Note       string
	Opinion    string
	CaseID     int64 // the feedback case, once linked
	CreatedBy  string
	CreatedAt  string
}

// HasOpinion reports whether the contact collected an opinion.
func (c *Contact) HasOpinion() bool { return c.Opinion != "" }

const contactCols = `c.id, c.org_id, o.name, c.person_id, p.name, COALESCE(c.user_id, 0), COALESCE(u.display_name, ''), COALESCE(u.username, ''),
	c.date, c.mode, c.topic, c.note, c.opinion, COALESCE(c.case_id, 0), COALESCE(cu.username, ''), c.created_at`

const contactFrom = ` FROM contacts c JOIN org_units o ON o.id = c.org_id JOIN persons p ON p.id = c.person_id
	LEFT JOIN users u ON u.id = c.user_id LEFT JOIN users cu ON cu.id = c.created_by`

func scanContact(sc interface{ Scan(...any) error }) (*Contact, error) {
	var c Contact
	var dn, un, mode string
	if err := sc.Scan(&c.ID, &c.OrgID, &c.OrgName, &c.PersonID, &c.PersonName, &c.UserID, &dn, &un, &c.Date, &mode, &c.Topic, &c.Note,
		&c.Opinion, &c.CaseID, &c.CreatedBy, &c.CreatedAt); err != nil {
		return nil, err
	}
	c.Mode, c.UserName = Mode(mode), userName(dn, un)
	return &c, nil
}

// LogContact records a contact with a representative figure. Officials
// with PairingEdit log contacts with the figures of their subtree, for
// themselves or another official; a liaison (VisitLog) logs their own
// contacts with the figures assigned to them.
func (s *Service) LogContact(ctx context.Context, a *auth.Actor, in ContactInput) (*Contact, error) {
	if err := a.RequireAny(auth.PairingEdit, auth.VisitLog); err != nil {
		return nil, err
	}
	liaison := isLiaison(a)
	if !(a.Can(auth.PairingEdit) && !liaison) && !(liaison && a.Can(auth.VisitLog)) {
		return nil, errForbidden
	}
	f := map[string]string{}
	in.Date = s.pastDate(in.Date, "date", f)
	if !in.Mode.Valid() {
		f["mode"] = "err.required"
	}
	in.Topic, in.Note, in.Opinion = strings.TrimSpace(in.Topic), strings.TrimSpace(in.Note), strings.TrimSpace(in.Opinion)
	if in.Topic == "" {
		f["topic"] = "err.required"
	} else if ref.TooLong(in.Topic, 200) {
		f["topic"] = "err.too_long"
	}
	if ref.TooLong(in.Note, 2000) {
		f["note"] = "err.too_long"
	}
	if ref.TooLong(in.Opinion, 2000) {
		f["opinion"] = "err.too_long"
	}
	if in.UserID == 0 {
		in.UserID = a.UserID
	}
	var id int64
	after := func() {}
	err := s.DB.WithTx(ctx, func(tx *db.Tx) error {
		var orgID, tags int64
		var path, status string
		var archived int
		err := tx.QueryRow(ctx, `SELECT p.org_id, o.path, p.status, p.archived, p.tags FROM persons p JOIN org_units o ON o.id = p.org_id WHERE p.id = ?`,
			in.PersonID).Scan(&orgID, &path, &status, &archived, &tags)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		ok := err == nil && status == "active" && archived == 0 && inRange(a, path)
		if ok && liaison {
			cond, args := a.Scope().AssignedPerson("p.id", "p.household_id")
			var n int
			if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM persons p WHERE p.id = ? AND `+cond, append([]any{in.PersonID}, args...)...).Scan(&n); err != nil {
				return err
			}
			ok = n > 0
		}
		switch {
		case in.PersonID == 0:
			f["person_id"] = "err.required"
		case !ok:
			f["person_id"] = "err.person_unknown"
		case tags&int64(people.TagRepresentative) == 0:
			f["person_id"] = "err.not_representative"
		}
		if in.UserID != a.UserID {
			if liaison {
				f["user_id"] = "err.user_unknown"
			} else if k, err := checkUser(ctx, tx, a, in.UserID, append([]auth.Role{auth.Liaison}, officialRoles...), "err.user_unknown"); err != nil {
				return err
			} else if k != "" {
				f["user_id"] = k
			}
		}
		if len(f) > 0 {
			return errs.InvalidFields(f)
		}
		id, err = tx.InsertID(ctx, `INSERT INTO contacts (org_id, person_id, user_id, date, mode, topic, note, opinion, created_by, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, orgID, in.PersonID, db.NullID(in.UserID), in.Date, string(in.Mode), in.Topic, in.Note, in.Opinion,
			db.NullID(a.UserID), db.FormatTime(s.Now()))
		if err != nil {
			return fmt.Errorf("insert contact: %w", err)
		}
		err = audit.Write(ctx, tx, audit.Entry{Who: a.Who(), Action: audit.ActionCreate, Entity: "contact", EntityID: strconv.FormatInt(id, 10),
			Detail: map[string]any{"person_id": in.PersonID, "user_id": in.UserID, "date": in.Date, "mode": in.Mode, "opinion": in.Opinion != ""}})
		if err != nil || in.Opinion == "" || s.Feedback == nil {
			return err
		}
		caseID, send, err := s.Feedback.FeedbackCase(ctx, tx, a, in.PersonID, in.Opinion)
		if err != nil {
			return fmt.Errorf("feedback case: %w", err)
		}
		after = send
		return s.linkCase(ctx, tx, a, id, caseID)
	})
	if err != nil {
		return nil, err
	}
	after()
	return s.Contact(ctx, a, id)
}

// Contact returns a contact in the actor's scope.
func (s *Service) Contact(ctx context.Context, a *auth.Actor, id int64) (*Contact, error) {
	if err := a.Require(auth.PairingView); err != nil {
		return nil, err
	}
	c, err := scanContact(s.DB.QueryRow(ctx, `SELECT `+contactCols+contactFrom+` WHERE c.id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, errs.ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("get contact %d: %w", id, err)
	}
	cond, args := contactScope(a, "c")
	var one int
	err = s.DB.QueryRow(ctx, `SELECT 1 FROM contacts c WHERE c.id = ? AND `+cond, append([]any{id}, args...)...).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, errs.ErrOutOfScope
	}
	if err != nil {
		return nil, err
	}
	return c, nil
}

// ContactFilter selects contacts.
type ContactFilter struct {
	OrgID    int64 // the person's committee under this unit
	PersonID int64
	UserID   int64
	From, To string // dates, inclusive
	// WithOpinion limits to contacts that collected an opinion;
	// Unlinked further to those not yet tracked by a case.
	WithOpinion bool
	Unlinked    bool
	Limit       int
	Offset      int
}

// Contacts lists the contacts in the actor's scope matching f, newest
// first, and their total.
func (s *Service) Contacts(ctx context.Context, a *auth.Actor, f ContactFilter) ([]*Contact, int, error) {
	if err := a.Require(auth.PairingView); err != nil {
		return nil, 0, err
	}
	cond, args := contactScope(a, "c")
	conds := []string{cond}
	add := func(c string, v ...any) { conds = append(conds, c); args = append(args, v...) }
	if f.OrgID != 0 {
		add(`c.org_id IN (SELECT c2.id FROM org_units c2, org_units u WHERE u.id = ? AND c2.path >= u.path AND c2.path < substr(u.path, 1, length(u.path) - 1) || '0')`, f.OrgID)
	}
	if f.PersonID != 0 {
		add("c.person_id = ?", f.PersonID)
	}
	if f.UserID != 0 {
		add("c.user_id = ?", f.UserID)
	}
	if d, ok := parseDate(f.From); ok {
		add("c.date >= ?", d)
	}
	if d, ok := parseDate(f.To); ok {
		add("c.date <= ?", d)
	}
	if f.WithOpinion || f.Unlinked {
		add("c.opinion <> ''")
	}
	if f.Unlinked {
		add("c.case_id IS NULL")
	}
	where := " WHERE " + strings.Join(conds, " AND ")
	var total int
	if err := s.DB.QueryRow(ctx, `SELECT COUNT(*) FROM contacts c`+where, args...).Scan(&total); err != nil {
		return nil, 0, fmt.Errorf("count contacts: %w", err)
	}
	if total == 0 {
		return nil, 0, nil
	}
	if f.Limit <= 0 {
		f.Limit = 50
	}
	rows, err := s.DB.Query(ctx, `SELECT `+contactCols+contactFrom+where+` ORDER BY c.date DESC, c.id DESC LIMIT ? OFFSET ?`, append(args, f.Limit, f.Offset)...)
	out, err := db.Collect(rows, err, scanContact)
	if err != nil {
		return nil, 0, fmt.Errorf("list contacts: %w", err)
	}
	return out, total, nil
}

// LinkContactCase records the feedback case that tracks a contact's
// opinion. A contact is linked once; linking it again is a conflict.
func (s *Service) LinkContactCase(ctx context.Context, a *auth.Actor, contactID, caseID int64) error {
	if err := a.Require(auth.PairingEdit); err != nil {
		return err
	}
	if caseID <= 0 {
		return errs.InvalidFields(map[string]string{"case_id": "err.required"})
	}
	c, err := s.Contact(ctx, a, contactID)
	if err != nil {
		return err
	}
	if c.Opinion == "" {
		return errs.E(errs.Invalid, "err.contact_no_opinion")
	}
	return s.DB.WithTx(ctx, func(tx *db.Tx) error {
		var one int
		err := tx.QueryRow(ctx, `SELECT 1 FROM cases WHERE id = ? AND kind = 'feedback'`, caseID).Scan(&one)
		if errors.Is(err, sql.ErrNoRows) {
			return errs.InvalidFields(map[string]string{"case_id": "err.case_unknown"})
		}
		if err != nil {
			return err
		}
		return s.linkCase(ctx, tx, a, contactID, caseID)
	})
}

// linkCase records caseID as the case that tracks the contact's opinion.
func (s *Service) linkCase(ctx context.Context, tx *db.Tx, a *auth.Actor, contactID, caseID int64) error {
	res, err := tx.Exec(ctx, `UPDATE contacts SET case_id = ? WHERE id = ? AND case_id IS NULL`, caseID, contactID)
	if db.IsUniqueViolation(err) {
		return errs.E(errs.Conflict, "err.contact_linked")
	}
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return errs.E(errs.Conflict, "err.contact_linked")
	}
	return audit.Write(ctx, tx, audit.Entry{Who: a.Who(), Action: "link_case", Entity: "contact", EntityID: strconv.FormatInt(contactID, 10),
		Detail: map[string]any{"case_id": caseID}})
}
