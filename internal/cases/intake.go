package cases

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"shiliu/internal/audit"
	"shiliu/internal/auth"
	"shiliu/internal/db"
	"shiliu/internal/errs"
	"shiliu/internal/people"
	"shiliu/internal/ref"
	"shiliu/internal/secret"
)

// IntakeInput is what an operator takes down. Either PersonID (a
// registered person found by search) or an anonymous caller's name and/or
// callback phone is given. OrgID, ResolveDue and the emergency fields are
// optional; an emergency needs OccurredAt, Place, PeopleInvolved and
// FirstReport.
type IntakeInput struct {
	Channel     Channel
	Kind        Kind
	Urgency     Urgency // "" is normal
	PersonID    int64
	CallerName  string
	CallerPhone string
	Address     string
	Summary     string
	// OrgID is the responsible unit when the operator knows it; otherwise
	// the case is routed (see route).
	OrgID int64
	// ResolveDue overrides the kind's resolve deadline: a date (the end of
	// that day, China time) or a date and time; it must not be past.
	ResolveDue string
	// Emergencies: when (China time, "2006-01-02 15:04" or a datetime-local
	// value), where, who, and the first report.
	OccurredAt     string
	Place          string
	PeopleInvolved string
	FirstReport    string
}

// Limits of text values, in characters.
const (
	maxName    = 50
	maxAddress = 200
	maxSummary = 2000
	maxReport  = 4000
	maxPeople  = 500
	maxPartner = 100
	maxNote    = 2000
)

// checkedIntake is a checked IntakeInput.
type checkedIntake struct {
	IntakeInput
	phone      string
	occurredAt string
	resolveDue time.Time
	person     *people.Person
}

func (s *Service) validateIntake(ctx context.Context, a *auth.Actor, in IntakeInput) (*checkedIntake, error) {
	c := &checkedIntake{IntakeInput: in}
	f := map[string]string{}
	trim := func(p *string) { *p = strings.TrimSpace(*p) }
	for _, p := range []*string{&c.CallerName, &c.CallerPhone, &c.Address, &c.Summary, &c.ResolveDue, &c.OccurredAt, &c.Place, &c.PeopleInvolved, &c.FirstReport} {
		trim(p)
	}
	c.CallerName = ref.NormaliseName(c.CallerName)
	if !c.Channel.Valid() {
		f["channel"] = "err.required"
	}
	if !c.Kind.Valid() {
		f["kind"] = "err.required"
	}
	switch {
	case c.Kind == Emergency:
		c.Urgency = Urgent // always
	case c.Urgency == "":
		c.Urgency = Normal
	case c.Urgency != Normal && c.Urgency != Urgent:
		f["urgency"] = "err.invalid"
	}
	if c.Summary == "" {
		f["summary"] = "err.required"
	} else if ref.TooLong(c.Summary, maxSummary) {
		f["summary"] = "err.too_long"
	}
	if ref.TooLong(c.CallerName, maxName) {
		f["caller_name"] = "err.too_long"
	}
	if ref.TooLong(c.Address, maxAddress) {
		f["address"] = "err.too_long"
	}
	if c.CallerPhone != "" {
		if p, ok := ref.NormalisePhone(c.CallerPhone); ok {
			c.phone = p
		} else {
			f["caller_phone"] = "err.phone_invalid"
		}
	}
	if c.PersonID != 0 {
		p, err := s.People.Get(ctx, a, c.PersonID)
		switch {
		case errs.KindOf(err) == errs.NotFound || (err == nil && p.Status == people.Merged):
			f["person_id"] = "err.person_unknown"
		case err != nil:
			return nil, err
		default:
			c.person = p
		}
	} else if c.CallerName == "" && c.CallerPhone == "" {
		f["caller"] = "err.caller_required"
	}
	now := s.Now()
	if c.ResolveDue != "" {
		t, ok := parseDue(c.ResolveDue)
		switch {
		case !ok:
			f["resolve_due"] = "err.date_invalid"
		case t.Before(now):
			f["resolve_due"] = "err.deadline_past"
		default:
			c.resolveDue = t
		}
	}
	if c.Kind == Emergency {
		for name, v := range map[string]string{"occurred_at": c.OccurredAt, "place": c.Place, "people_involved": c.PeopleInvolved, "first_report": c.FirstReport} {
			if v == "" {
				f[name] = "err.required"
			}
		}
	}
	if c.OccurredAt != "" {
		t, ok := parseMoment(c.OccurredAt)
		switch {
		case !ok:
			f["occurred_at"] = "err.date_invalid"
		case t.After(now.Add(5 * time.Minute)):
			f["occurred_at"] = "err.date_future"
		default:
			c.occurredAt = formatTime(t)
		}
	}
	if ref.TooLong(c.Place, maxAddress) {
		f["place"] = "err.too_long"
	}
	if ref.TooLong(c.PeopleInvolved, maxPeople) {
		f["people_involved"] = "err.too_long"
	}
	if ref.TooLong(c.FirstReport, maxReport) {
		f["first_report"] = "err.too_long"
	}
	if len(f) > 0 {
		return nil, errs.InvalidFields(f)
	}
	return c, nil
}

// parseMoment reads a date and time written in China time.
func parseMoment(s string) (time.Time, bool) {
	for _, l := range []string{"2006-01-02T15:04", "2006-01-02 15:04", "2006-01-02T15:04:05", "2006-01-02 15:04:05"} {
		if t, err := time.ParseInLocation(l, s, ref.China); err == nil {
			return t, true
		}
	}
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, true
	}
	return time.Time{}, false
}

// parseDue reads a deadline: a date means the end of that day in China.
func parseDue(s string) (time.Time, bool) {
	if t, ok := parseMoment(s); ok {
		return t, true
	}
	if t, ok := ref.ParseDate(s); ok {
		return endOfDay(time.Date(t.Year(), t.Month(), t.Day(), 12, 0, 0, 0, ref.China)), true
	}
	return time.Time{}, false
}

// Intake takes in a case, routes it, sets its deadlines from the kind's
// rule and the working-day calendar, and for an emergency notifies the
// subdistrict's leaders and admins at once.
func (s *Service) Intake(ctx context.Context, a *auth.Actor, in IntakeInput) (*Case, error) {
	if err := a.Require(auth.CaseIntake); err != nil {
		return nil, err
	}
	var id int64
	var after func()
	err := s.DB.WithTx(ctx, func(tx *db.Tx) error {
		var err error
		id, after, err = s.IntakeTx(ctx, tx, a, in)
		return err
	})
	if err != nil {
		return nil, err
	}
	after()
	return s.Get(ctx, a, id)
}

// IntakeTx is Intake inside the caller's transaction, for a write of
// another domain that opens a case with it (a contact's opinion becomes a
// feedback case): both commit or neither. after sends the case's
// notifications and must be called once the transaction has committed.
func (s *Service) IntakeTx(ctx context.Context, tx *db.Tx, a *auth.Actor, in IntakeInput) (id int64, after func(), err error) {
	if err := a.Require(auth.CaseIntake); err != nil {
		return 0, nil, err
	}
	c, err := s.validateIntake(ctx, a, in)
	if err != nil {
		return 0, nil, err
	}
	cal, err := s.calendar(ctx)
	if err != nil {
		return 0, nil, err
	}
	id, notices, err := s.intake(ctx, tx, a, c, cal)
	if err != nil {
		return 0, nil, err
	}
	return id, func() { s.send(notices) }, nil
}

// FeedbackCase opens the feedback case (信息反馈) that tracks an opinion a
// representative figure gave, in the transaction that records the contact
// (pairing.FeedbackIntake).
func (s *Service) FeedbackCase(ctx context.Context, tx *db.Tx, a *auth.Actor, personID int64, opinion string) (int64, func(), error) {
	return s.IntakeTx(ctx, tx, a, IntakeInput{Channel: Visit, Kind: Feedback, Urgency: Normal, PersonID: personID, Summary: opinion})
}

func (s *Service) intake(ctx context.Context, tx *db.Tx, a *auth.Actor, c *checkedIntake, cal Calendar) (int64, []Message, error) {
	orgID, routed, err := s.route(ctx, tx, a, c)
	if err != nil {
		return 0, nil, err
	}
	rule, err := s.rule(ctx, tx, c.Kind)
	if err != nil {
		return 0, nil, err
	}
	now := s.Now()
	respondDue, resolveDue := dues(cal, rule, c.Urgency, now)
	if !c.resolveDue.IsZero() {
		resolveDue = c.resolveDue
		if resolveDue.Before(respondDue) {
			respondDue = resolveDue
		}
	}
	year := now.In(ref.China).Year()
	var seq int
	if err := tx.QueryRow(ctx, `INSERT INTO case_counters (year, seq) VALUES (?, 1)
		ON CONFLICT (year) DO UPDATE SET seq = case_counters.seq + 1 RETURNING seq`, year).Scan(&seq); err != nil {
		return 0, nil, fmt.Errorf("case number: %w", err)
	}
	code := fmt.Sprintf("%d-%06d", year, seq)
	phf := secret.SealField(s.Keys, purposePhone, adPhone, c.phone)
	var personID any
	if c.person != nil {
		personID = c.person.ID
	}
	ts := formatTime(now)
	id, err := tx.InsertID(ctx, `INSERT INTO cases (code, org_id, routed_by, channel, kind, urgency, status, person_id, caller_name, phone_index, phone_enc,
		phone_masked, address, summary, respond_due, resolve_due, occurred_at, place, people_involved, first_report, created_by, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, 'intake', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		code, orgID, string(routed), string(c.Channel), string(c.Kind), string(c.Urgency), personID, c.CallerName, phf.Index, db.NullBytes(phf.Enc),
		maskPhone(c.phone), c.Address, c.Summary, formatTime(respondDue), formatTime(resolveDue), c.occurredAt, c.Place, c.PeopleInvolved,
		c.FirstReport, db.NullID(a.UserID), ts, ts)
	if err != nil {
		return 0, nil, fmt.Errorf("insert case: %w", err)
	}
	if err := s.event(ctx, tx, a, id, event{Action: ActIntake, To: StatusIntake, OrgID: orgID}); err != nil {
		return 0, nil, err
	}
	err = audit.Write(ctx, tx, audit.Entry{Who: a.Who(), Action: audit.ActionCreate, Entity: "case", EntityID: strconv.FormatInt(id, 10),
		Detail: map[string]any{"code": code, "kind": c.Kind, "channel": c.Channel, "urgency": c.Urgency, "org_id": orgID, "routed_by": routed,
			"person_id": c.PersonID, "resolve_due": formatTime(resolveDue)}})
	if err != nil {
		return 0, nil, err
	}
	var notices []Message
	if c.Kind == Emergency {
		n, err := s.notifyEmergency(ctx, tx, id, NotifyEmergency, c.FirstReport)
		if err != nil {
			return 0, nil, err
		}
		notices = append(notices, n)
	}
	return id, notices, nil
}

// route chooses the responsible unit of a new case, trying in order:
//
//  1. the unit the operator chose (a committee, subdistrict or district
//     in their scope);
//  2. the committee of the registered caller;
//  3. the address: among the committees and building groups the operator
//     may route to (their subtree; a liaison's: the unit their group serves),
//     those whose name or address (at least two characters) occurs in the
//     address text, compared without spaces and full-width forms; the
//     longest match wins, a building group standing for its committee; a
//     tie between different committees is no match;
//  4. the operator's own unit (a building group's or liaison group's
//     parent).
func (s *Service) route(ctx context.Context, tx *db.Tx, a *auth.Actor, c *checkedIntake) (int64, Routing, error) {
	if c.OrgID != 0 {
		if err := s.checkUnit(ctx, tx, a, c.OrgID, "org_id"); err != nil {
			return 0, "", err
		}
		return c.OrgID, RoutedChosen, nil
	}
	if c.person != nil {
		return c.person.OrgID, RoutedPerson, nil
	}
	if c.Address != "" {
		id, err := s.matchAddress(ctx, tx, a, c.Address)
		if err != nil {
			return 0, "", err
		}
		if id != 0 {
			return id, RoutedAddress, nil
		}
	}
	if a.IsSystem() {
		return 0, "", errs.InvalidFields(map[string]string{"org_id": "err.required"})
	}
	var kind string
	var parent int64
	if err := tx.QueryRow(ctx, `SELECT kind, COALESCE(parent_id, 0) FROM org_units WHERE id = ?`, a.OrgID).Scan(&kind, &parent); err != nil {
		return 0, "", fmt.Errorf("actor's unit: %w", err)
	}
	if (kind == "building_group" || kind == "liaison_group") && parent != 0 {
		return parent, RoutedActor, nil
	}
	return a.OrgID, RoutedActor, nil
}

// checkUnit checks that id is a unit cases may belong to (committee,
// subdistrict or district), active and in the actor's routing range.
func (s *Service) checkUnit(ctx context.Context, tx *db.Tx, a *auth.Actor, id int64, field string) error {
	var kind, path string
	var archived int
	err := tx.QueryRow(ctx, `SELECT kind, path, archived FROM org_units WHERE id = ?`, id).Scan(&kind, &path, &archived)
	if errors.Is(err, sql.ErrNoRows) {
		return errs.InvalidFields(map[string]string{field: "err.org_unknown"})
	}
	if err != nil {
		return err
	}
	ok := archived == 0 && (kind == "committee" || kind == "subdistrict" || kind == "district")
	ok = ok && a.Scope().InReach(path)
	if !ok {
		return errs.InvalidFields(map[string]string{field: "err.org_unknown"})
	}
	return nil
}

// matchAddress returns the committee an address names (see route), or 0.
func (s *Service) matchAddress(ctx context.Context, tx *db.Tx, a *auth.Actor, address string) (int64, error) {
	q := `SELECT id, kind, COALESCE(parent_id, 0), name, address FROM org_units WHERE kind IN ('committee', 'building_group') AND archived = 0`
	var args []any
	lo, hi := routeRange(a)
	q += ` AND path >= ? AND path < ?`
	args = append(args, lo, hi)
	rows, err := tx.Query(ctx, q, args...)
	if err != nil {
		return 0, fmt.Errorf("match address: %w", err)
	}
	defer rows.Close()
	text := foldText(address)
	best, bestLen, tie := int64(0), 0, false
	for rows.Next() {
		var id, parent int64
		var kind, name, addr string
		if err := rows.Scan(&id, &kind, &parent, &name, &addr); err != nil {
			return 0, err
		}
		committee := id
		if kind == "building_group" {
			committee = parent
		}
		// A unit is named in an address by its name, its name without the
		// kind's suffix (梅园里居委会 → 梅园里, 梅园里6弄楼组 → 梅园里6弄), or its
		// address.
		for _, key := range []string{name, unitStem(name), addr} {
			k := foldText(key)
			n := utf8.RuneCountInString(k)
			if n < 2 || !strings.Contains(text, k) {
				continue
			}
			switch {
			case n > bestLen:
				best, bestLen, tie = committee, n, false
			case n == bestLen && committee != best:
				tie = true
			}
		}
	}
	if err := rows.Err(); err != nil {
		return 0, err
	}
	if tie {
		return 0, nil
	}
	return best, nil
}

// unitStem is a unit's name without the suffix of its kind.
func unitStem(name string) string {
	for _, suffix := range []string{"居民委员会", "居委会", "居委", "居民区", "社区", "楼组", "小区"} {
		if strings.HasSuffix(name, suffix) {
			return strings.TrimSuffix(name, suffix)
		}
	}
	return name
}

// foldText drops white space and folds full-width letters and digits, so
// that "石榴路 １２号" contains "石榴路12号".
func foldText(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch {
		case r == ' ' || r == '\t' || r == '\n' || r == '\r' || r == '\u3000':
			continue
		case r >= '！' && r <= '～':
			r -= 0xFEE0
		}
		b.WriteRune(r)
	}
	return strings.ToLower(b.String())
}
