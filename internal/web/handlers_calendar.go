package web

import (
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"shiliu/internal/activity"
	"shiliu/internal/ref"
	"shiliu/internal/venue"
)

// calendarDay is one day of the calendar with what happens on it.
type calendarDay struct {
	Date    string
	Day     int
	Weekday int // ISO 1 … 7
	InMonth bool
	Today   bool
	Items   []calendarItem
}

// calendarItem is an activity (or, once venues are wired, a booking) on a
// day.
type calendarItem struct {
	Time      string
	Title     string
	Href      string
	Place     string
	Cancelled bool
	Kind      string
}

type calendarPage struct {
	Page
	// View: month or week.
	View  string
	Label string
	// Prev and Next are the query strings of the neighbouring periods.
	Prev, Next, ThisPeriod string
	Weeks                  [][]calendarDay
	Days                   []calendarDay
}

const dateLayout = "2006-01-02"

// activityCalendar shows a month (default) or a week of activities.
func (s *Server) activityCalendar(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	today := s.Activity.Today()
	p := &calendarPage{Page: s.page(r, "activities.calendar"), View: "month"}
	if q.Get("view") == "week" {
		p.View = "week"
	}
	var from, to time.Time
	if p.View == "week" {
		d, ok := ref.ParseDate(q.Get("date"))
		if !ok {
			d, _ = time.Parse(dateLayout, today)
		}
		from = d.AddDate(0, 0, -((int(d.Weekday()) + 6) % 7))
		to = from.AddDate(0, 0, 6)
		p.Label = s.cat.T(info(r).Lang, "calendar.week_of", from.Format(dateLayout), to.Format(dateLayout))
		p.Prev = "view=week&date=" + from.AddDate(0, 0, -7).Format(dateLayout)
		p.Next = "view=week&date=" + from.AddDate(0, 0, 7).Format(dateLayout)
		p.ThisPeriod = "view=week"
	} else {
		m, err := time.Parse("2006-01", q.Get("month"))
		if err != nil {
			m, _ = time.Parse("2006-01", today[:7])
		}
		p.Label = s.cat.T(info(r).Lang, "calendar.month_label", m.Year(), int(m.Month()))
		p.Prev = "month=" + m.AddDate(0, -1, 0).Format("2006-01")
		p.Next = "month=" + m.AddDate(0, 1, 0).Format("2006-01")
		p.ThisPeriod = ""
		from = m.AddDate(0, 0, -((int(m.Weekday()) + 6) % 7))
		last := m.AddDate(0, 1, -1)
		to = last.AddDate(0, 0, (7-int(last.Weekday()))%7)
	}
	list, _, err := s.Activity.List(r.Context(), actorOf(r), activity.Filter{From: from.Format(dateLayout), To: to.Format(dateLayout), Limit: 1000})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	byDay := map[string][]calendarItem{}
	for _, x := range list {
		byDay[x.Date()] = append(byDay[x.Date()], calendarItem{Time: x.StartTime(), Title: x.Title, Href: "/activities/" + strconv.FormatInt(x.ID, 10), Place: x.Place,
			Cancelled: x.Cancelled(), Kind: x.KindCode})
	}
	// the venues' bookings by outside groups (an activity's booking is the
	// activity itself)
	if s.Venue != nil {
		bks, err := s.Venue.Bookings(r.Context(), actorOf(r), venue.BookingFilter{From: from.Format(dateLayout), To: to.Format(dateLayout), Limit: 1000})
		if err != nil {
			s.fail(w, r, err)
			return
		}
		for _, b := range bks {
			if b.ActivityID != 0 {
				continue
			}
			byDay[b.Date()] = append(byDay[b.Date()], calendarItem{Time: b.StartTime(), Title: b.VenueName + " · " + b.GroupName,
				Href: "/venues/" + strconv.FormatInt(b.VenueID, 10) + "?week=" + b.Date(), Place: b.Purpose, Kind: "booking"})
		}
		for d, items := range byDay {
			slices.SortStableFunc(items, func(a, b calendarItem) int { return strings.Compare(a.Time, b.Time) })
			byDay[d] = items
		}
	}
	month := ""
	if p.View == "month" {
		month = from.AddDate(0, 0, 7).Format("2006-01")
	}
	var week []calendarDay
	for d := from; !d.After(to); d = d.AddDate(0, 0, 1) {
		ds := d.Format(dateLayout)
		day := calendarDay{Date: ds, Day: d.Day(), Weekday: (int(d.Weekday())+6)%7 + 1, Today: ds == today, Items: byDay[ds],
			InMonth: month == "" || ds[:7] == month}
		p.Days = append(p.Days, day)
		week = append(week, day)
		if len(week) == 7 {
			p.Weeks = append(p.Weeks, week)
			week = nil
		}
	}
	s.render(w, r, http.StatusOK, "activity_calendar", p)
}
