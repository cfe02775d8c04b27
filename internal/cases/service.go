package cases

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"time"

	"shiliu/internal/audit"
	"shiliu/internal/auth"
	"shiliu/internal/db"
	"shiliu/internal/errs"
	"shiliu/internal/files"
	"shiliu/internal/people"
	"shiliu/internal/ref"
	"shiliu/internal/secret"
)

// Associated data and index purpose of the sealed callback phone.
const (
	adPhone      = "cases:callback_phone"
	purposePhone = "case_phone"
)

// Service is the case desk.
type Service struct {
	DB   *db.DB
	Keys *secret.Keys
	// People finds registered callers within the actor's scope.
	People *people.Service
	// Cal gives the working-day calendar in force:
	// FromSource(workdaySource.Calendar) in the application; New sets a
	// weekday-only calendar.
	Cal func(ctx context.Context) (Calendar, error)
	// Files keeps attachments. DataDir is where earlier versions kept them
	// (attachments/<yyyy>/…), until MoveDiskFiles moves them in.
	Files   *files.Store
	DataDir string
	// Notifier, when set, also sends emergency and escalation notices
	// outside the application (webhook, email). Failures are logged.
	Notifier Notifier
	Log      *slog.Logger
	// Now is the clock (tests move it).
	Now func() time.Time
	// EscalateEvery is how many more working days past its resolve
	// deadline an open case waits before it goes up a further level.
	EscalateEvery int

	pending sync.WaitGroup
}

// New returns the case service with a weekday-only calendar; set Cal to the
// holiday calendar.
func New(d *db.DB, keys *secret.Keys, dataDir string) *Service {
	return &Service{DB: d, Keys: keys, People: people.New(d, keys), Cal: Weekdays(WeekdayCalendar{}), Files: files.New(d), DataDir: dataDir,
		Log: slog.Default(), Now: time.Now, EscalateEvery: 5}
}

// Wait blocks until notices handed to the Notifier have been sent (or
// have failed). Call it on shutdown.
func (s *Service) Wait() { s.pending.Wait() }

func (s *Service) calendar(ctx context.Context) (Calendar, error) {
	if s.Cal == nil {
		return WeekdayCalendar{}, nil
	}
	c, err := s.Cal(ctx)
	if err != nil {
		return nil, fmt.Errorf("working-day calendar: %w", err)
	}
	return c, nil
}

// scope returns the SQL condition (on alias c, a cases row) that limits
// cases to what the actor may see, and its arguments:
//
//   - the system actor (the command line, the escalation job): everything;
//   - a liaison: the cases they took in or that are assigned to them;
//   - staff with CaseView (street admin and staff, committee staff): cases
//     whose responsible unit or assigned unit lies in their subtree, and
//     cases assigned to them by name;
//   - a leader (EmergencyView without CaseView): the emergencies whose
//     responsible unit lies in their subtree, without names (see redact);
//   - anyone else (the IT roles): nothing.
func scope(a *auth.Actor) (string, []any) {
	sc := a.Scope()
	switch {
	case sc.All():
		return "1 = 1", nil
	case a.Can(auth.CaseView) && sc.IsLiaison():
		return "(c.created_by = ? OR c.assignee_user_id = ?)", []any{a.UserID, a.UserID}
	case a.Can(auth.CaseView):
		org, args := sc.InSubtree("c.org_id")
		assignee, aargs := sc.InSubtree("c.assignee_org_id")
		return "(" + org + " OR " + assignee + " OR c.assignee_user_id = ?)", append(append(args, aargs...), a.UserID)
	case a.Can(auth.EmergencyView):
		org, args := sc.InSubtree("c.org_id")
		return "(c.kind = 'emergency' AND " + org + ")", args
	}
	return "1 = 0", nil
}

// redact blanks the names of callers for actors who see cases only as
// emergencies (leaders: figures, not names).
func redact(a *auth.Actor, c *Case) {
	if !a.Can(auth.CaseView) {
		c.PersonName, c.CallerName = "", ""
	}
}

// routeRange is the part of the tree an actor may route and assign cases
// to: their subtree, or for a liaison the unit their liaison group stands
// under (the committees they serve).
func routeRange(a *auth.Actor) (lo, hi string) { return a.Scope().ReachRange() }

const caseCols = `c.id, c.code, c.org_id, o.name, o.path, c.routed_by, c.channel, c.kind, c.urgency, c.status,
	COALESCE(c.person_id, 0), COALESCE(p.name, ''), c.caller_name, c.phone_masked, c.address, c.summary,
	COALESCE(c.assignee_user_id, 0), COALESCE(NULLIF(au.display_name, ''), au.username, ''), COALESCE(c.assignee_org_id, 0), COALESCE(ao.name, ''),
	COALESCE(ao.path, o.path), c.partner, c.respond_due, c.resolve_due, c.responded_at, c.closed_at, c.resolution, c.result, c.satisfaction,
	c.followed_up_at, c.escalation_level, COALESCE(c.escalated_org_id, 0), COALESCE(eo.name, ''), c.escalated_at,
	c.occurred_at, c.place, c.people_involved, c.first_report, c.closing_report,
	COALESCE(c.created_by, 0), COALESCE(NULLIF(cu.display_name, ''), cu.username, ''), c.version, c.created_at, c.updated_at`

const caseFrom = ` FROM cases c JOIN org_units o ON o.id = c.org_id LEFT JOIN persons p ON p.id = c.person_id
	LEFT JOIN users au ON au.id = c.assignee_user_id LEFT JOIN org_units ao ON ao.id = c.assignee_org_id
	LEFT JOIN org_units eo ON eo.id = c.escalated_org_id LEFT JOIN users cu ON cu.id = c.created_by`

func scanCase(sc interface{ Scan(...any) error }) (*Case, error) {
	var c Case
	var routed, channel, kind, urgency, status, result string
	err := sc.Scan(&c.ID, &c.Code, &c.OrgID, &c.OrgName, &c.orgPath, &routed, &channel, &kind, &urgency, &status,
		&c.PersonID, &c.PersonName, &c.CallerName, &c.PhoneMasked, &c.Address, &c.Summary,
		&c.AssigneeUserID, &c.AssigneeName, &c.AssigneeOrgID, &c.AssigneeOrgName,
		&c.workOrgPath, &c.Partner, &c.RespondDue, &c.ResolveDue, &c.RespondedAt, &c.ClosedAt, &c.Resolution, &result, &c.Satisfaction,
		&c.FollowedUpAt, &c.EscalationLevel, &c.EscalatedOrgID, &c.EscalatedOrgName, &c.EscalatedAt,
		&c.OccurredAt, &c.Place, &c.PeopleInvolved, &c.FirstReport, &c.ClosingReport,
		&c.CreatedBy, &c.CreatedByName, &c.Version, &c.CreatedAt, &c.UpdatedAt)
	c.RoutedBy, c.Channel, c.Kind, c.Urgency, c.Status, c.Result = Routing(routed), Channel(channel), Kind(kind), Urgency(urgency), Status(status), Result(result)
	return &c, err
}

// Get returns a case in the actor's scope.
func (s *Service) Get(ctx context.Context, a *auth.Actor, id int64) (*Case, error) {
	if err := a.Require(auth.CaseRead); err != nil {
		return nil, err
	}
	return s.get(ctx, s.DB, a, id)
}

func (s *Service) get(ctx context.Context, q db.Querier, a *auth.Actor, id int64) (*Case, error) {
	c, err := scanCase(q.QueryRow(ctx, `SELECT `+caseCols+caseFrom+` WHERE c.id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, errs.ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("get case %d: %w", id, err)
	}
	if !a.Scope().All() {
		cond, args := scope(a)
		var one int
		err = q.QueryRow(ctx, `SELECT 1 FROM cases c WHERE c.id = ? AND `+cond, append([]any{id}, args...)...).Scan(&one)
		if errors.Is(err, sql.ErrNoRows) {
			return nil, errs.ErrOutOfScope
		}
		if err != nil {
			return nil, err
		}
	}
	c.setLate(s.Now())
	redact(a, c)
	return c, nil
}

// ByCode returns the case with a code (2026-000123) in the actor's scope.
func (s *Service) ByCode(ctx context.Context, a *auth.Actor, code string) (*Case, error) {
	if err := a.Require(auth.CaseRead); err != nil {
		return nil, err
	}
	var id int64
	err := s.DB.QueryRow(ctx, `SELECT id FROM cases WHERE code = ?`, strings.TrimSpace(code)).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, errs.ErrNotFound
	}
	if err != nil {
		return nil, err
	}
	return s.Get(ctx, a, id)
}

func maskPhone(p string) string {
	if p == "" {
		return ""
	}
	return ref.MaskPhone(p)
}

// RevealPhone returns the whole callback phone of a case, for an actor who
// handles it (to call back), and records who asked and why.
func (s *Service) RevealPhone(ctx context.Context, a *auth.Actor, id int64, reason string) (string, error) {
	if err := a.Require(auth.CaseHandle); err != nil {
		return "", err
	}
	reason = strings.TrimSpace(reason)
	if reason == "" || ref.TooLong(reason, 200) {
		return "", errs.InvalidFields(map[string]string{"reason": "err.reason_required"})
	}
	if _, err := s.Get(ctx, a, id); err != nil {
		return "", err
	}
	if !a.Can(auth.CaseHandle) {
		return "", errs.E(errs.Forbidden, "err.forbidden")
	}
	var enc []byte
	if err := s.DB.QueryRow(ctx, `SELECT phone_enc FROM cases WHERE id = ?`, id).Scan(&enc); err != nil {
		return "", err
	}
	value, err := secret.OpenField(s.Keys, adPhone, enc)
	if err != nil {
		return "", fmt.Errorf("open callback phone of case %d: %w", id, err)
	}
	err = audit.Write(ctx, s.DB, audit.Entry{Who: a.Who(), Action: audit.ActionViewSecret, Entity: "case", EntityID: strconv.FormatInt(id, 10),
		Detail: map[string]any{"field": "callback_phone", "reason": reason}})
	if err != nil {
		return "", err
	}
	return value, nil
}
