package activity

import (
	"strings"
	"time"

	"shiliu/internal/db"
	"shiliu/internal/ref"
)

// Kind is a kind of activity; the built-in ones have a code the figures
// read.
type Kind struct {
	ID      int64
	Code    string
	Name    string
	Builtin bool
	Active  bool
}

// Codes of built-in kinds the software reads.
const (
	KindInterestClass = "interest_class"
	KindHolidayVisit  = "holiday_visit"
	KindLiaisonStudy  = "liaison_study"
	KindFestival      = "festival"
)

// Status of an activity.
type Status string

// The statuses. A cancelled activity stays visible and counts nowhere.
const (
	Planned   Status = "planned"
	Done      Status = "done"
	Cancelled Status = "cancelled"
)

// Activity is one activity or one occurrence of a series.
type Activity struct {
	ID       int64
	OrgID    int64
	OrgName  string
	OrgPath  string
	KindID   int64
	KindCode string
	KindName string
	SeriesID int64
	Seq      int
	Detached bool
	Title    string
	// StartsAt and EndsAt are China local time, 'YYYY-MM-DDTHH:MM'.
	StartsAt       string
	EndsAt         string
	Place          string
	Festival       string
	Status         Status
	CancelReason   string
	OthersCount    int
	OthersMinority int
	Summary        string
	Version        int
	CreatedAt      string
	UpdatedAt      string

	// Series is set by Get for an occurrence.
	Series *Series
	// Stats: the figures of the activity (Get, List).
	Stats Stats
	// Households reached by a visit (Get).
	Households []Household
	// Photos (Get).
	Photos []Photo
	// PartnerIDs are the partners it was done with (Get).
	PartnerIDs []int64
}

// Date is the activity's first day.
func (a *Activity) Date() string { return a.StartsAt[:10] }

// StartTime and EndTime are the clock times, 'HH:MM'.
func (a *Activity) StartTime() string { return a.StartsAt[11:] }
func (a *Activity) EndTime() string   { return a.EndsAt[11:] }

// Minutes is how long it lasts.
func (a *Activity) Minutes() int { return minutesBetween(a.StartsAt, a.EndsAt) }

// Cancelled reports whether it was cancelled.
func (a *Activity) Cancelled() bool { return a.Status == Cancelled }

// Stats are an activity's figures: registered persons present plus the
// others counted by number, and the households reached (of the persons
// present, and the households a visit went to).
type Stats struct {
	SignedUp      int
	Present       int
	Participants  int
	Minority      int
	Households    int
	MinorityHomes int
}

// Series is a recurring activity's rule.
type Series struct {
	ID             int64
	OrgID          int64
	KindID         int64
	Title          string
	Rule           Rule
	FirstDate      string
	StartTime      string
	EndTime        string
	GeneratedUntil string
	Place          string
	Status         string
	Version        int
	// Occurrences counts the series' rows (cancelled ones included).
	Occurrences int
}

// Household is a household a visit goes to.
type Household struct {
	ID      int64
	Address string
	Head    string
	OrgName string
}

// Photo is a photo or document of an activity.
type Photo struct {
	ID      int64
	FileID  int64
	Name    string
	Mime    string
	Size    int64
	Caption string
}

// IsImage reports whether the photo can be shown inline.
func (p Photo) IsImage() bool { return strings.HasPrefix(p.Mime, "image/") }

// Input is what a form or the API gives for an activity or a series.
type Input struct {
	// OrgID is the organiser, a unit in the actor's subtree (default: the
	// actor's own unit).
	OrgID int64
	// KindID or KindCode names the kind.
	KindID   int64
	KindCode string
	Title    string
	// Date 'YYYY-MM-DD' and the clock times 'HH:MM' (China time). For a
	// series, Date is the first possible date.
	Date      string
	StartTime string
	EndTime   string
	Place     string
	Festival  string
	// Repeat makes a series: "" for a single activity, or a rule in its
	// stored form (see Rule).
	Repeat string
	// Others taking part who are not registered, by number.
	OthersCount    int
	OthersMinority int
	Summary        string
	// HouseholdIDs: the households a holiday visit or a service goes to.
	HouseholdIDs []int64
	// PartnerIDs: partner organisations it is done with.
	PartnerIDs []int64
	// VenueID books a venue for the activity (every occurrence of a new
	// series); People is how many are expected (the venue's capacity).
	// On an update, VenueID 0 keeps the bookings it has, moved with it.
	VenueID int64
	People  int
}

// Edit says which occurrences a change or a cancellation applies to.
type Edit string

// The edits.
const (
	ThisOne       Edit = "this"
	ThisAndLater  Edit = "following"
	defaultLength      = 90 // minutes, when no end time is given
)

// minutesBetween is the length of a span of local times.
func minutesBetween(from, to string) int {
	a, err1 := time.Parse(localLayout, from)
	b, err2 := time.Parse(localLayout, to)
	if err1 != nil || err2 != nil {
		return 0
	}
	return int(b.Sub(a) / time.Minute)
}

// localLayout is how activity times are stored: China time to the minute.
const localLayout = "2006-01-02T15:04"

// parseClock normalises 'H:MM' or 'HH:MM'; ok is false when it is not a
// time of day.
func parseClock(s string) (string, bool) {
	t, err := time.Parse("15:04", strings.TrimSpace(s))
	if err != nil {
		return "", false
	}
	return t.Format("15:04"), true
}

// parseDate normalises a date.
func parseDate(s string) (string, bool) {
	t, ok := ref.ParseDate(s)
	if !ok {
		return "", false
	}
	return t.Format(db.DateLayout), true
}
