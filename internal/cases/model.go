// Package cases is service and rights-protection work (诉求/服务事项): calls
// to the 24-hour hotline, visits to the reception window, what liaisons
// bring back from home visits, walk-ins and online requests; emergency
// incidents (突发事件) that reach the subdistrict's leaders at once; and the
// opinions of representative figures (信息反馈), tracked like suggestions.
//
// A case is taken in (Intake), routed to the committee of the caller or of
// the address, assigned, worked on, closed with a result and followed up
// with a call (Transition, whose allowed steps are the table in
// workflow.go). Deadlines are counted in working days per kind; overdue
// cases are escalated one level up the org tree (Escalate). Every read takes
// the actor and is limited to its scope (see scope in service.go); every
// change is audited in its own transaction and written to the case's
// timeline.
package cases

import (
	"slices"
	"time"
)

// Channel is how a case came in.
type Channel string

// The channels.
const (
	Hotline Channel = "hotline" // 服务和维权热线
	Window  Channel = "window"  // 接待窗口
	Visit   Channel = "visit"   // a liaison's or official's visit
	WalkIn  Channel = "walk_in" // 来访
	Online  Channel = "online"
)

// Channels lists the channels in display order.
var Channels = []Channel{Hotline, Window, Visit, WalkIn, Online}

// Valid reports whether c is a known channel.
func (c Channel) Valid() bool { return slices.Contains(Channels, c) }

// Kind is what a case is about.
type Kind string

// The kinds.
const (
	Consultation Kind = "consultation" // 政策咨询
	Rights       Kind = "rights"       // 维权
	Hardship     Kind = "hardship"     // 困难帮扶
	Dispute      Kind = "dispute"      // 矛盾纠纷
	Suggestion   Kind = "suggestion"   // 意见建议
	OneStop      Kind = "one_stop"     // 一站式服务：居住证、证明
	Emergency    Kind = "emergency"    // 突发事件
	Feedback     Kind = "feedback"     // 信息反馈：代表人士的意见
)

// Kinds lists the kinds in display order.
var Kinds = []Kind{Consultation, Rights, Hardship, Dispute, Suggestion, OneStop, Emergency, Feedback}

// Valid reports whether k is a known kind.
func (k Kind) Valid() bool { return slices.Contains(Kinds, k) }

// Urgency is how soon a case must be answered.
type Urgency string

// The urgencies. An urgent case must be answered the day it comes in.
const (
	Normal Urgency = "normal"
	Urgent Urgency = "urgent"
)

// Status is where a case stands in its workflow.
type Status string

// The statuses (受理 → 分派 → 办理 → 办结 → 回访).
const (
	StatusIntake     Status = "intake"
	StatusAssigned   Status = "assigned"
	StatusInProgress Status = "in_progress"
	StatusClosed     Status = "closed"
	StatusFollowedUp Status = "followed_up"
)

// Statuses lists the statuses in workflow order.
var Statuses = []Status{StatusIntake, StatusAssigned, StatusInProgress, StatusClosed, StatusFollowedUp}

// Open reports whether a case in status s is still being worked on (its
// deadlines run).
func (s Status) Open() bool {
	return s == StatusIntake || s == StatusAssigned || s == StatusInProgress
}

// openStatuses is the SQL list of open statuses.
const openStatuses = `('intake', 'assigned', 'in_progress')`

// Result is how a case ended.
type Result string

// The results.
const (
	Resolved   Result = "resolved"
	Partly     Result = "partly"
	Unresolved Result = "unresolved"
	Referred   Result = "referred" // handed to another body (court, police, labour office)
)

// Results lists the results in display order.
var Results = []Result{Resolved, Partly, Unresolved, Referred}

// Valid reports whether r is a known result.
func (r Result) Valid() bool { return slices.Contains(Results, r) }

// Routing says how a case's unit was chosen at intake.
type Routing string

// The routings, in the order they are tried.
const (
	RoutedChosen  Routing = "chosen"  // the operator picked the unit
	RoutedPerson  Routing = "person"  // the registered caller's committee
	RoutedAddress Routing = "address" // a unit's name or address in the address
	RoutedActor   Routing = "actor"   // the operator's own unit
)

// Case is a case as the service shows it. Timestamps are stored UTC
// ("2006-01-02T15:04:05.000Z", see db.TimeLayout) and are "" when unset.
// The callback phone is only ever shown masked; RevealPhone gives it whole,
// audited.
type Case struct {
	ID       int64
	Code     string
	OrgID    int64
	OrgName  string
	RoutedBy Routing
	Channel  Channel
	Kind     Kind
	Urgency  Urgency
	Status   Status
	// PersonID is the registered caller (0 for an anonymous one);
	// PersonName is blank for actors who may see no names (leaders).
	PersonID    int64
	PersonName  string
	CallerName  string
	PhoneMasked string
	Address     string
	Summary     string

	AssigneeUserID  int64
	AssigneeName    string
	AssigneeOrgID   int64
	AssigneeOrgName string
	Partner         string

	RespondDue   string
	ResolveDue   string
	RespondedAt  string
	ClosedAt     string
	Resolution   string
	Result       Result
	Satisfaction int
	FollowedUpAt string

	EscalationLevel  int
	EscalatedOrgID   int64
	EscalatedOrgName string
	EscalatedAt      string

	OccurredAt     string
	Place          string
	PeopleInvolved string
	FirstReport    string
	ClosingReport  string

	CreatedBy     int64
	CreatedByName string
	Version       int
	CreatedAt     string
	UpdatedAt     string

	// RespondLate and ResolveLate are set by the service when read: the
	// case is open and the deadline has passed (respond: without an
	// answer).
	RespondLate bool
	ResolveLate bool

	orgPath string
	// workOrg is the unit working on the case: the assigned unit, else
	// the responsible one; escalation starts from it.
	workOrgPath string
}

// Overdue reports whether an open case missed a deadline.
func (c *Case) Overdue() bool { return c.RespondLate || c.ResolveLate }

// setLate fills RespondLate and ResolveLate for the time now.
func (c *Case) setLate(now time.Time) {
	n := formatTime(now)
	open := c.Status.Open()
	c.RespondLate = open && c.RespondedAt == "" && c.RespondDue != "" && c.RespondDue < n
	c.ResolveLate = open && c.ResolveDue != "" && c.ResolveDue < n
}

// Event is a step in a case's timeline.
type Event struct {
	ID         int64
	CaseID     int64
	Action     Action
	FromStatus Status
	ToStatus   Status
	Note       string
	// OrgID/OrgName, TargetUserID/TargetName and Partner name what the
	// step was about (the unit or user assigned, the unit escalated to).
	OrgID        int64
	OrgName      string
	TargetUserID int64
	TargetName   string
	Partner      string
	UserID       int64
	Username     string
	At           string
}

// Attachment is a photo or PDF of a case.
type Attachment struct {
	ID          int64
	CaseID      int64
	Name        string
	ContentType string
	Size        int64
	SHA256      string
	Username    string
	CreatedAt   string
	fileID      int64
}

// KindRule is the deadlines of a kind, in working days (0: the same day).
type KindRule struct {
	Kind        Kind
	RespondDays int
	ResolveDays int
	UpdatedAt   string
}

// Notification is an entry of a user's notification centre. Kind is one of
// the NotifyX values; Title and Body are data (the case's code and summary,
// a reason), the web layer words the kind from the catalog.
type Notification struct {
	ID     int64
	UserID int64
	Kind   string
	CaseID int64
	Title  string
	Body   string
	// Link is the page of a notification that is not about a case (an
	// agreement about to end).
	Link      string
	CreatedAt string
	ReadAt    string
}

// The kinds of notification.
const (
	NotifyEmergency = "emergency" // an emergency was taken in (leaders, subdistrict admin)
	NotifyReport    = "report"    // an update or closing report of an emergency
	NotifyEscalated = "escalated" // an overdue case was escalated to the user's unit
	NotifyAssigned  = "assigned"  // a case was assigned to the user or their unit
	NotifyReturned  = "returned"  // a case the user took in was returned
)
