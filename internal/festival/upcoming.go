package festival

import (
	"context"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"shiliu/internal/auth"
	"shiliu/internal/db"
	"shiliu/internal/people"
)

// Upcoming is a festival of the coming days and whom it concerns in the
// actor's scope.
type Upcoming struct {
	Date
	// On is the day of this occurrence (Date.Date, or a second one of an
	// Islamic festival in Also); DaysUntil counts from today (0 today,
	// negative while a festival of several days is on).
	On        string
	DaysUntil int
	// Residents are the active residents of its groups in scope.
	Residents int
	// Hardship counts the households in scope with a member of its groups
	// tagged 困难户; Unplanned those of them with no holiday visit planned
	// (an activity for the festival, not cancelled, starting within 30
	// days of it, that names the household).
	Hardship, Unplanned int
	// Households are the unplanned households, only for actors who may
	// see the registry (a leader sees the counts).
	Households []Household
	// VisitURL opens the holiday-visit form for them; only for actors who
	// may plan activities.
	VisitURL string
}

// Household is a hardship household without a visit planned.
type Household struct {
	ID       int64
	Code     string
	Address  string
	HeadName string
	OrgName  string
}

// UpcomingDays is how far ahead the upcoming list looks; VisitWindow how
// far before or after a festival a planned visit counts for it.
const (
	UpcomingDays = 60
	VisitWindow  = 30
	// maxHouseholds caps the households named per festival; the counts
	// stay whole.
	maxHouseholds = 200
)

// Upcoming lists the festivals from today to days ahead (a festival of
// several days still on today too), soonest first, with the residents of
// their groups in the actor's scope and the hardship households among
// them with no holiday visit planned. Figures-only roles (FigureView) get
// the counts without names.
func (s *Service) Upcoming(ctx context.Context, a *auth.Actor, days int) ([]Upcoming, error) {
	if err := a.RequireAny(auth.CommunityView, auth.FigureView); err != nil {
		return nil, err
	}
	if days <= 0 || days > 366 {
		days = UpcomingDays
	}
	today, _ := time.Parse(day, s.Today())
	last := today.AddDate(0, 0, days)
	var out []Upcoming
	for y := today.Year(); y <= last.Year(); y++ {
		if !ValidYear(y) {
			continue
		}
		cal, err := s.calendar(ctx, s.DB, y)
		if err != nil {
			return nil, err
		}
		for _, d := range cal {
			if d.Date == "" {
				continue
			}
			for i, on := range append([]string{d.Date}, d.Also...) {
				first, _ := time.Parse(day, on)
				end := first
				if i == 0 && d.End != "" {
					end, _ = time.Parse(day, d.End)
				}
				if end.Before(today) || first.After(last) {
					continue
				}
				out = append(out, Upcoming{Date: d, On: on, DaysUntil: int(first.Sub(today).Hours() / 24)})
			}
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].On < out[j].On })
	for i := range out {
		if err := s.concerned(ctx, a, &out[i]); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// concerned fills in the residents and hardship households of u's groups
// in the actor's scope.
func (s *Service) concerned(ctx context.Context, a *auth.Actor, u *Upcoming) error {
	scope, sargs := a.Scope().Persons("p")
	groups, gargs := "", []any(nil)
	if !u.All {
		groups = " AND p.ethnicity IN (" + db.Placeholders(len(u.Groups)) + ")"
		for _, g := range u.Groups {
			gargs = append(gargs, g)
		}
	}
	who := `p.status = 'active' AND p.archived = 0` + groups + ` AND ` + scope
	args := append(append([]any{}, gargs...), sargs...)
	if err := s.DB.QueryRow(ctx, `SELECT COUNT(*) FROM persons p WHERE `+who, args...).Scan(&u.Residents); err != nil {
		return fmt.Errorf("festival residents: %w", err)
	}
	on, _ := time.Parse(day, u.On)
	from, to := on.AddDate(0, 0, -VisitWindow).Format(day), on.AddDate(0, 0, VisitWindow+1).Format(day)
	q := `SELECT h.id, h.code, h.address, COALESCE(hp.name, ''), o.name,
		CASE WHEN EXISTS (SELECT 1 FROM activity_households ah JOIN activities ac ON ac.id = ah.activity_id
			WHERE ah.household_id = h.id AND ac.festival = ? AND ac.status <> 'cancelled' AND ac.starts_at >= ? AND ac.starts_at < ?) THEN 1 ELSE 0 END
		FROM households h JOIN org_units o ON o.id = h.org_id LEFT JOIN persons hp ON hp.id = h.head_person_id
		WHERE h.archived = 0 AND h.id IN (SELECT p.household_id FROM persons p WHERE p.household_id IS NOT NULL AND (p.tags & ` +
		strconv.Itoa(int(people.TagHardship)) + `) <> 0 AND ` + who + `)
		ORDER BY o.path, h.code, h.id`
	rows, err := s.DB.Query(ctx, q, append([]any{u.ID, from, to}, args...)...)
	if err != nil {
		return fmt.Errorf("festival households: %w", err)
	}
	defer rows.Close()
	names := a.Can(auth.PersonView)
	var ids []string
	for rows.Next() {
		var h Household
		var planned int
		if err := rows.Scan(&h.ID, &h.Code, &h.Address, &h.HeadName, &h.OrgName, &planned); err != nil {
			return err
		}
		u.Hardship++
		if planned == 1 {
			continue
		}
		u.Unplanned++
		if names && len(u.Households) < maxHouseholds {
			u.Households = append(u.Households, h)
			ids = append(ids, strconv.FormatInt(h.ID, 10))
		}
	}
	if err := rows.Err(); err != nil {
		return err
	}
	if a.Can(auth.ActivityEdit) {
		// The ids are plain digits and the festival id and date need no
		// escaping: the link reads as documented.
		u.VisitURL = "/activities/new?kind=holiday_visit&festival=" + u.ID + "&date=" + u.On
		if len(ids) > 0 {
			u.VisitURL += "&households=" + strings.Join(ids, ",")
		}
	}
	return nil
}

// NotListed is the number of unplanned households beyond those named
// (the cap, or a role that sees no names).
func (u Upcoming) NotListed() int { return u.Unplanned - len(u.Households) }
