package cases

import (
	"context"
	"fmt"
	"strings"
	"time"

	"shiliu/internal/audit"
	"shiliu/internal/auth"
	"shiliu/internal/db"
	"shiliu/internal/ref"
)

// Filter selects cases. Empty fields match everything.
type Filter struct {
	Kind    Kind
	Channel Channel
	// Status is a Status, or "open" for intake, assigned and in progress.
	Status Status
	// OrgID: cases whose responsible or assigned unit lies in the unit's
	// subtree.
	OrgID int64
	// From and To bound the intake date (China), inclusive: "2026-01-01".
	From, To string
	// Overdue: only open cases past a deadline.
	Overdue        bool
	AssigneeUserID int64
	// Q is a case code (or part of one), words of the summary or address,
	// or a callback phone number.
	Q string
	// Sort: created (newest first, default), due (next deadline first),
	// code, updated.
	Sort   string
	Limit  int
	Offset int
}

// StatusOpen is the filter value for every open status.
const StatusOpen Status = "open"

// overdueCond is the SQL condition "open and past a deadline" at now.
func overdueCond(now string) (string, []any) {
	return "(c.status IN " + openStatuses + " AND ((c.responded_at = '' AND c.respond_due <> '' AND c.respond_due < ?) OR (c.resolve_due <> '' AND c.resolve_due < ?)))",
		[]any{now, now}
}

// nextDue is the SQL expression of a case's next deadline.
const nextDue = `CASE WHEN c.responded_at = '' AND c.respond_due < c.resolve_due THEN c.respond_due ELSE c.resolve_due END`

// dayBound is the UTC timestamp at which a China date (YYYY-MM-DD) begins,
// plus days.
func dayBound(date string, days int) (string, bool) {
	t, ok := ref.ParseDate(date)
	if !ok {
		return "", false
	}
	return formatTime(time.Date(t.Year(), t.Month(), t.Day()+days, 0, 0, 0, 0, ref.China)), true
}

func (s *Service) where(a *auth.Actor, f Filter) (string, []any) {
	cond, args := scope(a)
	conds := []string{cond}
	add := func(c string, v ...any) { conds = append(conds, c); args = append(args, v...) }
	if f.Kind != "" {
		add("c.kind = ?", string(f.Kind))
	}
	if f.Channel != "" {
		add("c.channel = ?", string(f.Channel))
	}
	switch f.Status {
	case "":
	case StatusOpen:
		add("c.status IN " + openStatuses)
	default:
		add("c.status = ?", string(f.Status))
	}
	if f.OrgID != 0 {
		sub := `IN (SELECT d.id FROM org_units d, org_units u WHERE u.id = ? AND d.path >= u.path AND d.path < substr(u.path, 1, length(u.path) - 1) || '0')`
		add("(c.org_id "+sub+" OR c.assignee_org_id "+sub+")", f.OrgID, f.OrgID)
	}
	if b, ok := dayBound(f.From, 0); ok {
		add("c.created_at >= ?", b)
	}
	if b, ok := dayBound(f.To, 1); ok {
		add("c.created_at < ?", b)
	}
	if f.Overdue {
		oc, oa := overdueCond(formatTime(s.Now()))
		add(oc, oa...)
	}
	if f.AssigneeUserID != 0 {
		add("c.assignee_user_id = ?", f.AssigneeUserID)
	}
	if q := strings.TrimSpace(f.Q); q != "" {
		if p, ok := ref.NormalisePhone(q); ok && s.Keys != nil {
			add("c.phone_index = ?", s.Keys.Index(purposePhone, p))
		} else {
			like := "%" + strings.ToLower(strings.NewReplacer("%", "", "_", "").Replace(q)) + "%"
			add("(c.code LIKE ? OR lower(c.summary) LIKE ? OR lower(c.address) LIKE ?)", like, like, like)
		}
	}
	return " WHERE " + strings.Join(conds, " AND "), args
}

var orders = map[string]string{
	"":        "c.created_at DESC, c.id DESC",
	"created": "c.created_at DESC, c.id DESC",
	"due":     nextDue + ", c.id",
	"code":    "c.code",
	"updated": "c.updated_at DESC, c.id DESC",
	"closed":  "c.closed_at DESC, c.id DESC",
}

// List returns the cases matching f in the actor's scope and their total.
func (s *Service) List(ctx context.Context, a *auth.Actor, f Filter) ([]*Case, int, error) {
	if err := a.Require(auth.CaseRead); err != nil {
		return nil, 0, err
	}
	where, args := s.where(a, f)
	var total int
	if err := s.DB.QueryRow(ctx, `SELECT COUNT(*) FROM cases c`+where, args...).Scan(&total); err != nil {
		return nil, 0, fmt.Errorf("count cases: %w", err)
	}
	if total == 0 {
		return nil, 0, nil
	}
	if f.Limit <= 0 || f.Limit > 1000 {
		f.Limit = 50
	}
	list, err := s.page(ctx, a, where, args, f.Sort, f.Limit, f.Offset)
	return list, total, err
}

func (s *Service) page(ctx context.Context, a *auth.Actor, where string, args []any, sort string, limit, offset int) ([]*Case, error) {
	order, ok := orders[sort]
	if !ok {
		order = orders[""]
	}
	rows, err := s.DB.Query(ctx, `SELECT `+caseCols+caseFrom+where+` ORDER BY `+order+` LIMIT ? OFFSET ?`, append(args, limit, offset)...)
	out, err := db.Collect(rows, err, scanCase)
	if err != nil {
		return nil, fmt.Errorf("list cases: %w", err)
	}
	now := s.Now()
	for _, c := range out {
		c.setLate(now)
		redact(a, c)
	}
	return out, nil
}

// Overdue lists the open cases in scope past their response or resolve
// deadline, the most overdue first (at most 500).
func (s *Service) Overdue(ctx context.Context, a *auth.Actor) ([]*Case, error) {
	if err := a.Require(auth.CaseRead); err != nil {
		return nil, err
	}
	where, args := s.where(a, Filter{Overdue: true})
	return s.page(ctx, a, where, args, "due", 500, 0)
}

// OverdueCount is the number of overdue cases in scope, for the badge in
// the navigation.
func (s *Service) OverdueCount(ctx context.Context, a *auth.Actor) (int, error) {
	if err := a.Require(auth.CaseRead); err != nil {
		return 0, err
	}
	where, args := s.where(a, Filter{Overdue: true})
	var n int
	err := s.DB.QueryRow(ctx, `SELECT COUNT(*) FROM cases c`+where, args...).Scan(&n)
	return n, err
}

// DueSoon lists the open cases in scope, not yet overdue, whose next
// deadline falls within the given time from now, soonest first (at most
// 500).
func (s *Service) DueSoon(ctx context.Context, a *auth.Actor, within time.Duration) ([]*Case, error) {
	if err := a.Require(auth.CaseRead); err != nil {
		return nil, err
	}
	where, args := s.where(a, Filter{Status: StatusOpen})
	now := s.Now()
	n, until := formatTime(now), formatTime(now.Add(within))
	oc, oa := overdueCond(n)
	where += " AND NOT " + oc + ` AND ((c.responded_at = '' AND c.respond_due >= ? AND c.respond_due <= ?) OR (c.resolve_due >= ? AND c.resolve_due <= ?))`
	args = append(append(args, oa...), n, until, n, until)
	return s.page(ctx, a, where, args, "due", 500, 0)
}

// Work is what a user has to do: the "my work" page.
type Work struct {
	// Open are the open cases waiting for the user: assigned to them by
	// name, or to their unit (or taken in for it) with no one named; for a
	// liaison, the open cases they took in. By next deadline.
	Open []*Case
	// FollowUp are closed cases waiting for the follow-up call that the
	// user took in, handled, or whose unit handled them.
	FollowUp []*Case
	// Overdue counts the overdue cases among Open.
	Overdue int
}

// MyWork returns the actor's work list.
func (s *Service) MyWork(ctx context.Context, a *auth.Actor) (*Work, error) {
	if err := a.Require(auth.Self); err != nil {
		return nil, err
	}
	w := &Work{}
	if a.IsSystem() {
		return w, nil
	}
	where, args := s.where(a, Filter{Status: StatusOpen})
	if a.Scope().LiaisonUserID != 0 || !a.Can(auth.CaseHandle) {
		where += ` AND c.created_by = ?`
		args = append(args, a.UserID)
	} else {
		where += ` AND (c.assignee_user_id = ? OR (c.assignee_user_id IS NULL AND COALESCE(c.assignee_org_id, c.org_id) = ?))`
		args = append(args, a.UserID, a.OrgID)
	}
	var err error
	if w.Open, err = s.page(ctx, a, where, args, "due", 500, 0); err != nil {
		return nil, err
	}
	for _, c := range w.Open {
		if c.Overdue() {
			w.Overdue++
		}
	}
	if a.Can(auth.CaseHandle) {
		where, args := s.where(a, Filter{Status: StatusClosed})
		where += ` AND (c.created_by = ? OR c.assignee_user_id = ? OR (c.assignee_user_id IS NULL AND COALESCE(c.assignee_org_id, c.org_id) = ?))`
		args = append(args, a.UserID, a.UserID, a.OrgID)
		if w.FollowUp, err = s.page(ctx, a, where, args, "closed", 500, 0); err != nil {
			return nil, err
		}
	}
	return w, nil
}

// Escalate moves every open overdue case one level up the org tree when it
// is due for it, tells the admins and staff of the unit it reaches, and
// returns how many cases it moved. The level a case is due for is 1 once a
// deadline is missed, plus one for every EscalateEvery working days past
// the resolve deadline; level n is the n-th ancestor of the unit working on
// the case (committee → subdistrict → district), and a case at the top
// stays where it is. One call moves a case one level at most, so running
// it every few minutes (on several instances at once, too) is safe.
func (s *Service) Escalate(ctx context.Context, now time.Time) (int, error) {
	cal, err := s.calendar(ctx)
	if err != nil {
		return 0, err
	}
	n := formatTime(now)
	oc, oa := overdueCond(n)
	rows, err := s.DB.Query(ctx, `SELECT `+caseCols+caseFrom+` WHERE `+oc+` ORDER BY c.id`, oa...)
	due, err := db.Collect(rows, err, scanCase)
	if err != nil {
		return 0, fmt.Errorf("overdue cases: %w", err)
	}
	every := max(1, s.EscalateEvery)
	moved := 0
	for _, c := range due {
		target := 1
		if c.ResolveDue != "" && c.ResolveDue < n {
			target += cal.WorkdaysBetween(db.ParseTime(c.ResolveDue), now) / every
		}
		if c.EscalationLevel >= target {
			continue
		}
		chain := pathIDs(c.workOrgPath)
		level := c.EscalationLevel + 1
		if len(chain)-1-level < 0 {
			continue // nothing above
		}
		to := chain[len(chain)-1-level]
		var notices []Message
		ok := false
		err := s.DB.WithTx(ctx, func(tx *db.Tx) error {
			res, err := tx.Exec(ctx, `UPDATE cases SET escalation_level = ?, escalated_org_id = ?, escalated_at = ?, updated_at = ?
				WHERE id = ? AND escalation_level = ? AND status IN `+openStatuses, level, to, n, n, c.ID, c.EscalationLevel)
			if err != nil {
				return err
			}
			if k, _ := res.RowsAffected(); k == 0 {
				return nil // another instance was first, or the case closed
			}
			ok = true
			if err := s.event(ctx, tx, escalator, c.ID, event{Action: ActEscalate, From: c.Status, To: c.Status, OrgID: to}); err != nil {
				return err
			}
			err = audit.Write(ctx, tx, audit.Entry{Who: escalator.Who(), Action: audit.ActionUpdate, Entity: "case",
				EntityID: fmt.Sprint(c.ID), Detail: map[string]any{"action": ActEscalate,
					"escalation_level": audit.Change{Old: c.EscalationLevel, New: level}, "escalated_org_id": to}})
			if err != nil {
				return err
			}
			users, err := s.unitUsers(ctx, tx, to, auth.StreetAdmin, auth.StreetStaff, auth.CommitteeStaff)
			if err != nil {
				return err
			}
			m, err := s.notify(ctx, tx, escalator, users, NotifyEscalated, c, "")
			notices = append(notices, m)
			return err
		})
		if err != nil {
			return moved, fmt.Errorf("escalate case %s: %w", c.Code, err)
		}
		if ok {
			moved++
			s.send(notices)
		}
	}
	return moved, nil
}
