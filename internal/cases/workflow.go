package cases

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"shiliu/internal/audit"
	"shiliu/internal/auth"
	"shiliu/internal/db"
	"shiliu/internal/errs"
	"shiliu/internal/ref"
)

// Action is a step a user (or the system) takes on a case.
type Action string

// The actions. Intake, escalate and attach are recorded in the timeline
// but are not transitions a user asks for through Transition.
const (
	ActIntake   Action = "intake"
	ActAssign   Action = "assign"    // 分派
	ActAccept   Action = "accept"    // 签收, start work
	ActNote     Action = "note"      // 办理记录
	ActReturn   Action = "return"    // 退回 to intake, with a reason
	ActReassign Action = "reassign"  // 改派, with a reason
	ActClose    Action = "close"     // 办结
	ActFollowUp Action = "follow_up" // 回访
	ActReopen   Action = "reopen"    // 重办, with a reason
	ActReport   Action = "report"    // an emergency's update (续报)
	ActEscalate Action = "escalate"  // overdue: up one level (system)
	ActAttach   Action = "attach"    // a file was added
)

// Step is one allowed transition: Action taken on a case in status From
// leads to status To, for an actor holding Perm.
type Step struct {
	Action Action
	From   Status
	To     Status
	Perm   auth.Permission
	// EmergencyOnly steps apply to emergencies only.
	EmergencyOnly bool
}

// Steps is the state machine: every transition Transition allows. Any
// action from a status not listed for it is refused with
// "err.case_transition" and nothing changes.
var Steps = []Step{
	{ActAssign, StatusIntake, StatusAssigned, auth.CaseAssign, false},
	{ActAccept, StatusAssigned, StatusInProgress, auth.CaseHandle, false},
	{ActNote, StatusInProgress, StatusInProgress, auth.CaseHandle, false},
	{ActReturn, StatusAssigned, StatusIntake, auth.CaseAssign, false},
	{ActReturn, StatusInProgress, StatusIntake, auth.CaseAssign, false},
	{ActReassign, StatusAssigned, StatusAssigned, auth.CaseAssign, false},
	{ActReassign, StatusInProgress, StatusAssigned, auth.CaseAssign, false},
	{ActClose, StatusInProgress, StatusClosed, auth.CaseHandle, false},
	{ActFollowUp, StatusClosed, StatusFollowedUp, auth.CaseHandle, false},
	{ActReopen, StatusClosed, StatusInProgress, auth.CaseHandle, false},
	{ActReopen, StatusFollowedUp, StatusInProgress, auth.CaseHandle, false},
	{ActReport, StatusIntake, StatusIntake, auth.CaseHandle, true},
	{ActReport, StatusAssigned, StatusAssigned, auth.CaseHandle, true},
	{ActReport, StatusInProgress, StatusInProgress, auth.CaseHandle, true},
}

// Actions lists the actions users take through Transition, in display
// order.
var Actions = []Action{ActAssign, ActAccept, ActNote, ActReturn, ActReassign, ActClose, ActFollowUp, ActReopen, ActReport}

// StepFor returns the step that takes action from status on a case of
// kind, if the table allows it.
func StepFor(action Action, from Status, kind Kind) (Step, bool) {
	return stepIn(Steps, action, from, kind)
}

// stepIn is StepFor in the table steps.
func stepIn(steps []Step, action Action, from Status, kind Kind) (Step, bool) {
	for _, st := range steps {
		if st.Action == action && st.From == from && (!st.EmergencyOnly || kind == Emergency) {
			return st, true
		}
	}
	return Step{}, false
}

// allowedStep returns the step of steps that takes action from status on a
// case of kind, checked against the actor's permissions: the matched step's
// own permission, so that two rows of one action may ask for different
// ones. An action no row names is errTransition; an actor who holds the
// permission of no row of the action is refused (Forbidden) before learning
// whether the status allows it. matched is false when no row leaves from the
// status (the caller answers errTransition after its version check, so a
// stale form is reported as a conflict first).
func allowedStep(steps []Step, a *auth.Actor, action Action, from Status, kind Kind) (st Step, matched bool, err error) {
	known, mayAny := false, false
	for _, st := range steps {
		if st.Action == action {
			known = true
			mayAny = mayAny || a.Can(st.Perm)
		}
	}
	if !known {
		return Step{}, false, errTransition
	}
	if !mayAny {
		if a == nil {
			return Step{}, false, auth.ErrNoActor
		}
		return Step{}, false, errs.ErrForbidden
	}
	st, ok := stepIn(steps, action, from, kind)
	if !ok {
		return Step{}, false, nil
	}
	if err := a.Require(st.Perm); err != nil {
		return Step{}, false, err
	}
	return st, true, nil
}

// Allowed lists the actions the actor may take on the case now, for the
// page's buttons.
func (c *Case) Allowed(a *auth.Actor) []Action {
	var out []Action
	for _, act := range Actions {
		if st, ok := StepFor(act, c.Status, c.Kind); ok && a.Can(st.Perm) {
			out = append(out, act)
		}
	}
	return out
}

// versioned reports whether an action must name the version the user
// saw. Notes and reports are appended rows that change no field of the
// case: two people writing at once both keep theirs.
func versioned(act Action) bool { return act != ActNote && act != ActReport }

// TransitionInput is a step a user asks for. Which fields count depends on
// the action:
//
//	assign, reassign  OrgID and/or UserID, or Partner (at least one); Due
//	                  (optional new resolve deadline, not past); Note (the
//	                  reason, required for reassign)
//	accept            –
//	note, report      Note (required)
//	return, reopen    Note: the reason (required)
//	close             Resolution and Result; ClosingReport for emergencies
//	follow_up         Satisfaction 1–5, Note (optional)
type TransitionInput struct {
	Action Action
	// Version is the case's version the user saw; a stale one is refused
	// as a conflict. Notes and reports need none.
	Version       int
	Note          string
	OrgID         int64
	UserID        int64
	Partner       string
	Due           string
	Resolution    string
	Result        Result
	ClosingReport string
	Satisfaction  int
}

// Transition takes a step of the workflow on a case in the actor's scope.
// It is refused, with nothing changed, when the actor's role lacks the
// step's permission (Forbidden), the version is stale (Conflict), the step
// is not allowed from the case's status (Invalid "err.case_transition"), or
// the input is incomplete (Invalid with fields). Every step is written to
// the timeline and the audit log in the same transaction. It returns the
// case as it now stands, even when the step took it out of the actor's
// scope (a user of another unit returning a case assigned to them by
// name): the web layer should then go back to the list.
func (s *Service) Transition(ctx context.Context, a *auth.Actor, id int64, in TransitionInput) (*Case, error) {
	// Who may open cases at all; then the case's scope (out of it reads as
	// not found), then the step's own permission (allowedStep).
	if err := a.Require(auth.CaseRead); err != nil {
		return nil, err
	}
	var notices []Message
	err := s.DB.WithTx(ctx, func(tx *db.Tx) error {
		var err error
		notices, err = s.transition(ctx, tx, a, id, in)
		return err
	})
	if err != nil {
		return nil, err
	}
	s.send(notices)
	c, err := s.Get(ctx, a, id)
	if errors.Is(err, errs.ErrOutOfScope) {
		// The step took the case out of the actor's sight (a user of
		// another unit, assigned by name, returned it): it is done, and
		// they get the case as it now stands, once.
		c, err = s.get(ctx, s.DB, escalator, id)
		if err == nil {
			redact(a, c)
		}
	}
	return c, err
}

var errTransition = errs.E(errs.Invalid, "err.case_transition")

func errConflict() error { return errs.E(errs.Conflict, "err.version_conflict") }

func (s *Service) transition(ctx context.Context, tx *db.Tx, a *auth.Actor, id int64, in TransitionInput) ([]Message, error) {
	c, err := s.get(ctx, tx, a, id)
	if err != nil {
		return nil, err
	}
	st, matched, err := allowedStep(Steps, a, in.Action, c.Status, c.Kind)
	if err != nil {
		return nil, err
	}
	if versioned(in.Action) && in.Version != c.Version {
		return nil, errConflict()
	}
	if !matched {
		return nil, errTransition
	}
	in.Note = strings.TrimSpace(in.Note)
	in.Partner = strings.TrimSpace(in.Partner)
	in.Resolution = strings.TrimSpace(in.Resolution)
	in.ClosingReport = strings.TrimSpace(in.ClosingReport)
	f := map[string]string{}
	now := s.Now()
	ts := formatTime(now)
	set := map[string]any{}     // columns to change
	changes := map[string]any{} // audit detail beyond the status
	ev := event{Action: in.Action, From: c.Status, To: st.To, Note: in.Note}
	var notices []Message
	needReason := func() {
		if in.Note == "" {
			f["note"] = "err.reason_required"
		} else if ref.TooLong(in.Note, maxNote) {
			f["note"] = "err.too_long"
		}
	}
	switch in.Action {
	case ActAssign, ActReassign:
		if in.Action == ActReassign {
			needReason()
		} else if ref.TooLong(in.Note, maxNote) {
			f["note"] = "err.too_long"
		}
		if err := s.checkAssignee(ctx, tx, a, in, f); err != nil {
			return nil, err
		}
		if in.Due != "" {
			t, ok := parseDue(strings.TrimSpace(in.Due))
			switch {
			case !ok:
				f["due"] = "err.date_invalid"
			case t.Before(now):
				f["due"] = "err.deadline_past"
			default:
				set["resolve_due"] = formatTime(t)
			}
		}
		set["assignee_org_id"], set["assignee_user_id"], set["partner"] = db.NullID(in.OrgID), db.NullID(in.UserID), in.Partner
		changes["assignee_org_id"], changes["assignee_user_id"], changes["partner"] = in.OrgID, in.UserID, in.Partner
		ev.OrgID, ev.TargetUserID, ev.Partner = in.OrgID, in.UserID, in.Partner
	case ActAccept:
		if c.RespondedAt == "" {
			set["responded_at"] = ts
		}
	case ActNote:
		if in.Note == "" {
			f["note"] = "err.required"
		} else if ref.TooLong(in.Note, maxNote) {
			f["note"] = "err.too_long"
		}
	case ActReport:
		if in.Note == "" {
			f["note"] = "err.required"
		} else if ref.TooLong(in.Note, maxReport) {
			f["note"] = "err.too_long"
		}
	case ActReturn:
		needReason()
		set["assignee_org_id"], set["assignee_user_id"], set["partner"] = nil, nil, ""
	case ActClose:
		if in.Resolution == "" {
			f["resolution"] = "err.required"
		} else if ref.TooLong(in.Resolution, maxReport) {
			f["resolution"] = "err.too_long"
		}
		if !in.Result.Valid() {
			f["result"] = "err.required"
		}
		if c.Kind == Emergency {
			if in.ClosingReport == "" {
				f["closing_report"] = "err.required"
			} else if ref.TooLong(in.ClosingReport, maxReport) {
				f["closing_report"] = "err.too_long"
			}
			set["closing_report"] = in.ClosingReport
		}
		set["closed_at"], set["resolution"], set["result"] = ts, in.Resolution, string(in.Result)
		changes["result"] = in.Result
		ev.Note = in.Resolution
	case ActFollowUp:
		if in.Satisfaction < 1 || in.Satisfaction > 5 {
			f["satisfaction"] = "err.satisfaction_invalid"
		}
		if ref.TooLong(in.Note, maxNote) {
			f["note"] = "err.too_long"
		}
		set["satisfaction"], set["followed_up_at"] = in.Satisfaction, ts
		changes["satisfaction"] = in.Satisfaction
	case ActReopen:
		needReason()
		// A reopened case starts a new resolve period and a new escalation
		// cycle; what it was closed with stays in the timeline.
		cal, err := s.calendar(ctx)
		if err != nil {
			return nil, err
		}
		rule, err := s.rule(ctx, tx, c.Kind)
		if err != nil {
			return nil, err
		}
		set["resolve_due"] = formatTime(deadline(cal, now, rule.ResolveDays))
		set["closed_at"], set["resolution"], set["result"], set["closing_report"] = "", "", "", ""
		set["satisfaction"], set["followed_up_at"] = 0, ""
		set["escalation_level"], set["escalated_org_id"], set["escalated_at"] = 0, nil, ""
	}
	if len(f) > 0 {
		return nil, errs.InvalidFields(f)
	}
	for k, v := range set {
		if k != "closing_report" && k != "resolution" {
			if _, ok := changes[k]; !ok {
				changes[k] = v
			}
		}
	}
	if err := s.apply(ctx, tx, c, in.Action, st.To, set, ts); err != nil {
		return nil, err
	}
	if err := s.event(ctx, tx, a, c.ID, ev); err != nil {
		return nil, err
	}
	if in.Action == ActClose && c.Kind == Emergency {
		// The closing report in the timeline, beside the updates.
		if err := s.event(ctx, tx, a, c.ID, event{Action: ActReport, From: st.To, To: st.To, Note: in.ClosingReport}); err != nil {
			return nil, err
		}
	}
	detail := map[string]any{"action": in.Action}
	if c.Status != st.To {
		detail["status"] = audit.Change{Old: c.Status, New: st.To}
	}
	for k, v := range changes {
		detail[k] = v
	}
	if in.Note != "" && in.Action != ActNote && in.Action != ActReport {
		detail["reason"] = in.Note
	}
	err = audit.Write(ctx, tx, audit.Entry{Who: a.Who(), Action: audit.ActionUpdate, Entity: "case", EntityID: strconv.FormatInt(c.ID, 10), Detail: detail})
	if err != nil {
		return nil, err
	}
	// Tell whom it concerns.
	switch {
	case in.Action == ActAssign || in.Action == ActReassign:
		var users []int64
		if in.UserID != 0 {
			users = []int64{in.UserID}
		} else if in.OrgID != 0 {
			if users, err = s.unitUsers(ctx, tx, in.OrgID, auth.StreetAdmin, auth.StreetStaff, auth.CommitteeStaff); err != nil {
				return nil, err
			}
		}
		if _, err := s.notify(ctx, tx, a, users, NotifyAssigned, c, in.Note); err != nil {
			return nil, err
		}
	case in.Action == ActReturn && c.CreatedBy != 0:
		if _, err := s.notify(ctx, tx, a, []int64{c.CreatedBy}, NotifyReturned, c, in.Note); err != nil {
			return nil, err
		}
	case c.Kind == Emergency && (in.Action == ActReport || in.Action == ActClose):
		text := in.Note
		if in.Action == ActClose {
			text = in.ClosingReport
		}
		n, err := s.notifyEmergency(ctx, tx, c.ID, NotifyReport, text)
		if err != nil {
			return nil, err
		}
		notices = append(notices, n)
	}
	return notices, nil
}

// apply writes a step's changes to the case row, guarded by its version
// (and status): if someone else changed the case since it was read, no row
// matches and the step is a conflict. Notes and reports change no field
// and leave the version as it is.
func (s *Service) apply(ctx context.Context, tx *db.Tx, c *Case, act Action, to Status, set map[string]any, ts string) error {
	cols := make([]string, 0, len(set))
	for k := range set {
		cols = append(cols, k)
	}
	slices.Sort(cols)
	q := `UPDATE cases SET status = ?, updated_at = ?`
	args := []any{string(to), ts}
	for _, k := range cols {
		q += ", " + k + " = ?"
		args = append(args, set[k])
	}
	if versioned(act) {
		q += `, version = version + 1`
	}
	q += ` WHERE id = ? AND version = ? AND status = ?`
	args = append(args, c.ID, c.Version, string(c.Status))
	res, err := tx.Exec(ctx, q, args...)
	if err != nil {
		return fmt.Errorf("update case %d: %w", c.ID, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return errConflict()
	}
	return nil
}

// checkAssignee checks an assignment: a unit (committee, subdistrict,
// district) in the assigner's scope, an active user in it who may handle
// cases (and within that unit, when both are given), or a partner
// organisation.
func (s *Service) checkAssignee(ctx context.Context, tx *db.Tx, a *auth.Actor, in TransitionInput, f map[string]string) error {
	if in.OrgID == 0 && in.UserID == 0 && in.Partner == "" {
		f["assignee"] = "err.assignee_required"
		return nil
	}
	if ref.TooLong(in.Partner, maxPartner) {
		f["partner"] = "err.too_long"
	}
	orgPath := ""
	if in.OrgID != 0 {
		err := s.checkUnit(ctx, tx, a, in.OrgID, "org_id")
		if e, ok := errs.As(err); ok && e.Kind == errs.Invalid {
			for k, v := range e.Fields {
				f[k] = v
			}
		} else if err != nil {
			return err
		} else if err := tx.QueryRow(ctx, `SELECT path FROM org_units WHERE id = ?`, in.OrgID).Scan(&orgPath); err != nil {
			return err
		}
	}
	if in.UserID != 0 {
		var role, path string
		var disabled int
		err := tx.QueryRow(ctx, `SELECT u.role, u.disabled, o.path FROM users u JOIN org_units o ON o.id = u.org_id WHERE u.id = ?`, in.UserID).Scan(&role, &disabled, &path)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		ok := err == nil && disabled == 0 && auth.Role(role).Has(auth.CaseHandle)
		ok = ok && a.Scope().Contains(path)
		if orgPath != "" {
			ok = ok && strings.HasPrefix(path, orgPath)
		}
		if !ok {
			f["user_id"] = "err.assignee_unknown"
		}
	}
	return nil
}

// rule returns the deadlines of a kind.
func (s *Service) rule(ctx context.Context, tx *db.Tx, k Kind) (KindRule, error) {
	r := KindRule{Kind: k}
	err := tx.QueryRow(ctx, `SELECT respond_days, resolve_days, updated_at FROM case_kind_rules WHERE kind = ?`, string(k)).Scan(&r.RespondDays, &r.ResolveDays, &r.UpdatedAt)
	if err != nil {
		return r, fmt.Errorf("kind rule %s: %w", k, err)
	}
	return r, nil
}

// event is a timeline entry to write.
type event struct {
	Action       Action
	From, To     Status
	Note         string
	OrgID        int64
	TargetUserID int64
	Partner      string
}

// event appends an entry to a case's timeline.
func (s *Service) event(ctx context.Context, tx *db.Tx, a *auth.Actor, caseID int64, e event) error {
	who := a.Who()
	_, err := tx.Exec(ctx, `INSERT INTO case_events (case_id, action, from_status, to_status, note, org_id, target_user_id, partner, user_id, username, at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, caseID, string(e.Action), string(e.From), string(e.To), e.Note, db.NullID(e.OrgID), db.NullID(e.TargetUserID),
		e.Partner, db.NullID(who.UserID), who.Username, formatTime(s.Now()))
	if err != nil {
		return fmt.Errorf("case event: %w", err)
	}
	return nil
}

// escalator is who the escalation job and its notifications are in the
// timeline and the audit log: the system, which sees every case.
var escalator = auth.System("system")

// Events returns a case's timeline, oldest first.
func (s *Service) Events(ctx context.Context, a *auth.Actor, id int64) ([]Event, error) {
	if err := a.Require(auth.CaseRead); err != nil {
		return nil, err
	}
	if _, err := s.Get(ctx, a, id); err != nil {
		return nil, err
	}
	rows, err := s.DB.Query(ctx, `SELECT e.id, e.case_id, e.action, e.from_status, e.to_status, e.note, COALESCE(e.org_id, 0), COALESCE(o.name, ''),
		COALESCE(e.target_user_id, 0), COALESCE(NULLIF(u.display_name, ''), u.username, ''), e.partner, COALESCE(e.user_id, 0), e.username, e.at
		FROM case_events e LEFT JOIN org_units o ON o.id = e.org_id LEFT JOIN users u ON u.id = e.target_user_id
		WHERE e.case_id = ? ORDER BY e.id`, id)
	return db.Collect(rows, err, func(sc db.Scanner) (Event, error) {
		var e Event
		var act, from, to string
		err := sc.Scan(&e.ID, &e.CaseID, &act, &from, &to, &e.Note, &e.OrgID, &e.OrgName, &e.TargetUserID, &e.TargetName, &e.Partner,
			&e.UserID, &e.Username, &e.At)
		e.Action, e.FromStatus, e.ToStatus = Action(act), Status(from), Status(to)
		return e, err
	})
}

// Rules returns the deadlines of every kind, in the order of Kinds.
func (s *Service) Rules(ctx context.Context) ([]KindRule, error) {
	rows, err := s.DB.Query(ctx, `SELECT kind, respond_days, resolve_days, updated_at FROM case_kind_rules`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	byKind := map[Kind]KindRule{}
	for rows.Next() {
		var r KindRule
		var k string
		if err := rows.Scan(&k, &r.RespondDays, &r.ResolveDays, &r.UpdatedAt); err != nil {
			return nil, err
		}
		r.Kind = Kind(k)
		byKind[r.Kind] = r
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	out := make([]KindRule, 0, len(Kinds))
	for _, k := range Kinds {
		if r, ok := byKind[k]; ok {
			out = append(out, r)
		}
	}
	return out, nil
}

// SetRule changes the deadlines of a kind (CaseConfig). Cases already
// taken in keep theirs.
func (s *Service) SetRule(ctx context.Context, a *auth.Actor, r KindRule) error {
	if err := a.Require(auth.CaseConfig); err != nil {
		return err
	}
	f := map[string]string{}
	if !r.Kind.Valid() {
		f["kind"] = "err.kind_invalid"
	}
	if r.RespondDays < 0 || r.RespondDays > 60 {
		f["respond_days"] = "err.days_invalid"
	}
	if r.ResolveDays < 0 || r.ResolveDays > 365 || r.ResolveDays < r.RespondDays {
		f["resolve_days"] = "err.days_invalid"
	}
	if len(f) > 0 {
		return errs.InvalidFields(f)
	}
	return s.DB.WithTx(ctx, func(tx *db.Tx) error {
		old, err := s.rule(ctx, tx, r.Kind)
		if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE case_kind_rules SET respond_days = ?, resolve_days = ?, updated_at = ? WHERE kind = ?`,
			r.RespondDays, r.ResolveDays, formatTime(s.Now()), string(r.Kind)); err != nil {
			return err
		}
		changes := audit.Changes(map[string]any{"respond_days": old.RespondDays, "resolve_days": old.ResolveDays},
			map[string]any{"respond_days": r.RespondDays, "resolve_days": r.ResolveDays})
		if len(changes) == 0 {
			return nil
		}
		return audit.Write(ctx, tx, audit.Entry{Who: a.Who(), Action: audit.ActionUpdate, Entity: "case_kind_rule", EntityID: string(r.Kind), Detail: changes})
	})
}

// Deadlines returns the deadlines a case of kind and urgency taken in at t
// would get, for the intake form's hint.
func (s *Service) Deadlines(ctx context.Context, k Kind, u Urgency, t time.Time) (respond, resolve time.Time, err error) {
	cal, err := s.calendar(ctx)
	if err != nil {
		return
	}
	var r KindRule
	err = s.DB.QueryRow(ctx, `SELECT respond_days, resolve_days FROM case_kind_rules WHERE kind = ?`, string(k)).Scan(&r.RespondDays, &r.ResolveDays)
	if err != nil {
		return
	}
	respond, resolve = dues(cal, r, u, t)
	return
}

// dues computes a new case's deadlines from its kind's rule: an urgent case
// must be answered the same day, and no answer is due after the case is.
func dues(cal Calendar, r KindRule, u Urgency, t time.Time) (respond, resolve time.Time) {
	respond, resolve = deadline(cal, t, r.RespondDays), deadline(cal, t, r.ResolveDays)
	if u == Urgent {
		respond = deadline(cal, t, 0)
	}
	if resolve.Before(respond) {
		respond = resolve
	}
	return
}
