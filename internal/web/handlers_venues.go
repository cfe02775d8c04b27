package web

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"shiliu/internal/activity"
	"shiliu/internal/errs"
	"shiliu/internal/ref"
	"shiliu/internal/venue"
)

// HoursText is a venue's opening hours in a line, consecutive days with
// the same hours together: 周一至周五 09:00–17:00，周六 09:00–12:00.
func (p *Page) HoursText(v *venue.Venue) string {
	if len(v.Hours) == 0 {
		return p.T("venues.no_hours")
	}
	var parts []string
	for i := 0; i < len(v.Hours); {
		j := i
		for j+1 < len(v.Hours) && v.Hours[j+1].Weekday == v.Hours[j].Weekday+1 && v.Hours[j+1].Opens == v.Hours[i].Opens && v.Hours[j+1].Closes == v.Hours[i].Closes {
			j++
		}
		days := p.T("weekday." + strconv.Itoa(v.Hours[i].Weekday))
		if j > i {
			days = p.T("venues.days_range", days, p.T("weekday."+strconv.Itoa(v.Hours[j].Weekday)))
		}
		parts = append(parts, days+" "+v.Hours[i].Opens+"–"+v.Hours[i].Closes)
		i = j + 1
	}
	return strings.Join(parts, "，")
}

type venueIndexPage struct {
	Page
	Venues []*venue.Venue
	Today  string
	// Bookings are today's, by venue.
	Bookings map[int64][]*venue.Booking
}

func (s *Server) venueIndex(w http.ResponseWriter, r *http.Request) {
	a := actorOf(r)
	p := &venueIndexPage{Page: s.page(r, "venues.title"), Today: s.Venue.Today(), Bookings: map[int64][]*venue.Booking{}}
	var err error
	if p.Venues, err = s.Venue.Venues(r.Context(), a, r.URL.Query().Get("all") == "1"); err != nil {
		s.fail(w, r, err)
		return
	}
	list, err := s.Venue.Bookings(r.Context(), a, venue.BookingFilter{From: p.Today, To: p.Today})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	for _, b := range list {
		p.Bookings[b.VenueID] = append(p.Bookings[b.VenueID], b)
	}
	s.render(w, r, http.StatusOK, "venue_index", p)
}

type venueFormPage struct {
	Page
	places
	Venue  *venue.Venue
	In     venue.Input
	Errors map[string]string
}

// HoursOf is the form's hours of an ISO weekday.
func (p *venueFormPage) HoursOf(d int) venue.Hours {
	for _, h := range p.In.Hours {
		if h.Weekday == d {
			return h
		}
	}
	return venue.Hours{Weekday: d}
}

func venueInputFrom(r *http.Request) venue.Input {
	f := r.PostFormValue
	in := venue.Input{Name: f("name"), Address: f("address"), Note: f("note"), Active: f("active") == "1"}
	in.OrgID, _ = strconv.ParseInt(f("org_id"), 10, 64)
	in.Capacity, _ = strconv.Atoi(strings.TrimSpace(f("capacity")))
	in.Version, _ = strconv.Atoi(f("version"))
	for d := 1; d <= 7; d++ {
		k := strconv.Itoa(d)
		if o, c := strings.TrimSpace(f("opens_"+k)), strings.TrimSpace(f("closes_"+k)); o != "" || c != "" {
			in.Hours = append(in.Hours, venue.Hours{Weekday: d, Opens: o, Closes: c})
		}
	}
	return in
}

func (s *Server) venueForm(w http.ResponseWriter, r *http.Request, code int, p *venueFormPage) {
	var err error
	if p.places, err = s.places(r); err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, code, "venue_form", p)
}

func (s *Server) venueNew(w http.ResponseWriter, r *http.Request) {
	in := venue.Input{OrgID: actorOf(r).OrgID}
	for d := 1; d <= 5; d++ {
		in.Hours = append(in.Hours, venue.Hours{Weekday: d, Opens: "09:00", Closes: "17:00"})
	}
	s.venueForm(w, r, http.StatusOK, &venueFormPage{Page: s.page(r, "venues.new"), In: in})
}

func (s *Server) venueCreate(w http.ResponseWriter, r *http.Request) {
	in := venueInputFrom(r)
	v, err := s.Venue.Create(r.Context(), actorOf(r), in)
	if e, ok := errs.As(err); ok && e.Kind == errs.Invalid {
		s.venueForm(w, r, status(err), &venueFormPage{Page: s.page(r, "venues.new"), In: in, Errors: s.fieldErrors(r, e)})
		return
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.flash(w, r, "ok", "venues.saved")
	http.Redirect(w, r, "/venues/"+strconv.FormatInt(v.ID, 10), http.StatusSeeOther)
}

func (s *Server) venueEdit(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	var v *venue.Venue
	if err == nil {
		v, err = s.Venue.Venue(r.Context(), actorOf(r), id)
	}
	if err == nil && !venue.Manages(actorOf(r), v.OrgPath) {
		err = errs.ErrOutOfScope
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	in := venue.Input{OrgID: v.OrgID, Name: v.Name, Address: v.Address, Capacity: v.Capacity, Note: v.Note, Active: v.Active, Hours: v.Hours, Version: v.Version}
	s.venueForm(w, r, http.StatusOK, &venueFormPage{Page: s.page(r, "venues.edit"), Venue: v, In: in})
}

func (s *Server) venueUpdate(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	in := venueInputFrom(r)
	v, err := s.Venue.Update(r.Context(), actorOf(r), id, in)
	if e, ok := errs.As(err); ok && e.Kind == errs.Invalid {
		old, _ := s.Venue.Venue(r.Context(), actorOf(r), id)
		s.venueForm(w, r, status(err), &venueFormPage{Page: s.page(r, "venues.edit"), Venue: old, In: in, Errors: s.fieldErrors(r, e)})
		return
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.flash(w, r, "ok", "venues.saved")
	http.Redirect(w, r, "/venues/"+strconv.FormatInt(v.ID, 10), http.StatusSeeOther)
}

// weekCell is an hour of a day in the week grid.
type weekCell struct {
	Hour   string // 'HH:00'
	Closed bool
	Busy   bool
	// Starts are the bookings that start in this hour.
	Starts []*venue.Booking
	// Book is the link to book this hour ("" when it cannot be).
	Book string
}

// weekDay is a day of a venue's week.
type weekDay struct {
	Date     string
	Weekday  int
	Today    bool
	Hours    venue.Hours
	Open     bool
	Bookings []*venue.Booking
	Cells    []weekCell
}

type venueShowPage struct {
	Page
	Venue *venue.Venue
	// Week is its Monday; Prev and Next the neighbours'; ThisWeek today's.
	Week, WeekEnd, Prev, Next, ThisWeek string
	Days                                []weekDay
	// Hours label the grid's rows.
	Hours     []string
	CanManage bool
	CanBook   bool
	// cancel says which bookings the actor may cancel.
	cancel map[int64]bool
}

// MayCancel reports whether the page's actor may cancel b.
func (p *venueShowPage) MayCancel(b *venue.Booking) bool { return p.cancel[b.ID] }

// monday is the Monday of the week of a date (” or invalid: of today).
func monday(date, today string) time.Time {
	d, err := time.Parse(dateLayout, date)
	if err != nil {
		d, _ = time.Parse(dateLayout, today)
	}
	return d.AddDate(0, 0, -((int(d.Weekday()) + 6) % 7))
}

// venueShow is a venue's week: its bookings by day and hour (a grid at
// desk width, a list of days on a phone).
func (s *Server) venueShow(w http.ResponseWriter, r *http.Request) {
	a := actorOf(r)
	id, err := pathID(r)
	var v *venue.Venue
	if err == nil {
		v, err = s.Venue.Venue(r.Context(), a, id)
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	today := s.Venue.Today()
	mon := monday(r.URL.Query().Get("week"), today)
	p := &venueShowPage{Page: s.page(r, "venues.week"), Venue: v, Week: mon.Format(dateLayout), WeekEnd: mon.AddDate(0, 0, 6).Format(dateLayout),
		Prev: mon.AddDate(0, 0, -7).Format(dateLayout), Next: mon.AddDate(0, 0, 7).Format(dateLayout), ThisWeek: monday(today, today).Format(dateLayout),
		CanManage: venue.Manages(a, v.OrgPath), CanBook: a.Can("venue.book") && v.Active, cancel: map[int64]bool{}}
	p.Title = v.Name
	list, err := s.Venue.Bookings(r.Context(), a, venue.BookingFilter{VenueID: v.ID, From: p.Week, To: p.WeekEnd, WithCancelled: true})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	// the grid's rows: from the earliest opening to the latest closing
	first, last := 24, 0
	for _, h := range v.Hours {
		first, last = min(first, atoiHour(h.Opens)), max(last, atoiHour(h.Closes)+boolToInt(!strings.HasSuffix(h.Closes, ":00")))
	}
	for _, b := range list {
		p.cancel[b.ID] = !b.Cancelled() && venue.MayCancel(a, b, v.OrgPath)
		first, last = min(first, atoiHour(b.StartTime())), max(last, atoiHour(b.EndTime())+boolToInt(!strings.HasSuffix(b.EndTime(), ":00")))
	}
	if first >= last {
		first, last = 8, 18
	}
	for h := first; h < last; h++ {
		p.Hours = append(p.Hours, clockOf(h))
	}
	now := s.Venue.Now().In(ref.China).Format("2006-01-02T15:04")
	for i := 0; i < 7; i++ {
		d := mon.AddDate(0, 0, i)
		day := weekDay{Date: d.Format(dateLayout), Weekday: i + 1}
		day.Today = day.Date == today
		day.Hours, day.Open = v.HoursOn(i + 1)
		for _, b := range list {
			if b.Date() == day.Date {
				day.Bookings = append(day.Bookings, b)
			}
		}
		for h := first; h < last; h++ {
			from, to := clockOf(h), clockOf(h+1)
			c := weekCell{Hour: from, Closed: !day.Open || to <= day.Hours.Opens || from >= day.Hours.Closes}
			for _, b := range day.Bookings {
				if b.Cancelled() {
					continue
				}
				if b.StartTime() < to && b.EndTime() > from {
					c.Busy = true
				}
			}
			for _, b := range day.Bookings {
				if atoiHour(b.StartTime()) == h {
					c.Starts = append(c.Starts, b)
				}
			}
			if p.CanBook && !c.Closed && !c.Busy && day.Date+"T"+to > now {
				start := from
				if start < day.Hours.Opens {
					start = day.Hours.Opens
				}
				c.Book = "/venues/" + strconv.FormatInt(v.ID, 10) + "/book?date=" + day.Date + "&start=" + start
			}
			day.Cells = append(day.Cells, c)
		}
		p.Days = append(p.Days, day)
	}
	s.render(w, r, http.StatusOK, "venue_show", p)
}

func atoiHour(clock string) int {
	n, _ := strconv.Atoi(strings.SplitN(clock, ":", 2)[0])
	return n
}

func clockOf(h int) string {
	if h >= 24 {
		return "24:00"
	}
	return time.Date(2000, 1, 1, h, 0, 0, 0, time.UTC).Format("15:04")
}

func boolToInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

type venueBookPage struct {
	Page
	Venue *venue.Venue
	In    venue.BookingInput
	// Activities are the actor's coming activities, to book the room for
	// one of them.
	Activities []*activity.Activity
	Errors     map[string]string
}

func bookingInputFrom(r *http.Request) venue.BookingInput {
	f := r.PostFormValue
	in := venue.BookingInput{Date: f("date"), StartTime: f("start_time"), EndTime: f("end_time"), GroupName: f("group_name"), Purpose: f("purpose"), Note: f("note")}
	in.ActivityID, _ = strconv.ParseInt(f("activity_id"), 10, 64)
	in.People, _ = strconv.Atoi(strings.TrimSpace(f("people")))
	return in
}

func (s *Server) venueBookForm(w http.ResponseWriter, r *http.Request, code int, p *venueBookPage) {
	a := actorOf(r)
	if a.Can("activity.edit") && s.Activity != nil {
		today := s.Venue.Today()
		t, _ := time.Parse(dateLayout, today)
		list, _, err := s.Activity.List(r.Context(), a, activity.Filter{From: today, To: t.AddDate(0, 0, 60).Format(dateLayout), Status: activity.Planned, Limit: 200})
		if err != nil {
			s.fail(w, r, err)
			return
		}
		for _, x := range list {
			if a.Scope().Contains(x.OrgPath) {
				p.Activities = append(p.Activities, x)
			}
		}
	}
	s.render(w, r, code, "venue_book", p)
}

// venueBook is the form to book a venue, preset from the week's grid.
func (s *Server) venueBook(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	var v *venue.Venue
	if err == nil {
		v, err = s.Venue.Venue(r.Context(), actorOf(r), id)
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	q := r.URL.Query()
	in := venue.BookingInput{VenueID: v.ID, Date: q.Get("date"), StartTime: q.Get("start")}
	if in.Date == "" {
		in.Date = s.Venue.Today()
	}
	if t, err := time.Parse("15:04", in.StartTime); err == nil {
		in.EndTime = t.Add(time.Hour).Format("15:04")
	}
	s.venueBookForm(w, r, http.StatusOK, &venueBookPage{Page: s.page(r, "venues.book_title", v.Name), Venue: v, In: in})
}

func (s *Server) venueBookingCreate(w http.ResponseWriter, r *http.Request) {
	a := actorOf(r)
	id, err := pathID(r)
	var v *venue.Venue
	if err == nil {
		v, err = s.Venue.Venue(r.Context(), a, id) // out of scope is not found, before any field is read
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	in := bookingInputFrom(r)
	in.VenueID = v.ID
	b, err := s.Venue.Book(r.Context(), a, in)
	if e, ok := errs.As(err); ok && (e.Kind == errs.Invalid || e.Kind == errs.Conflict) {
		p := &venueBookPage{Page: s.page(r, "venues.book_title", v.Name), Venue: v, In: in, Errors: s.fieldErrors(r, e)}
		p.Errors["_"] = s.cat.T(info(r).Lang, e.Key, e.Args...)
		s.venueBookForm(w, r, status(err), p)
		return
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.flash(w, r, "ok", "venues.booked")
	http.Redirect(w, r, "/venues/"+strconv.FormatInt(v.ID, 10)+"?week="+monday(b.Date(), b.Date()).Format(dateLayout), http.StatusSeeOther)
}

func (s *Server) bookingCancel(w http.ResponseWriter, r *http.Request) {
	a := actorOf(r)
	id, err := pathID(r)
	var b *venue.Booking
	if err == nil {
		b, err = s.Venue.Booking(r.Context(), a, id)
	}
	if err == nil {
		err = s.Venue.Cancel(r.Context(), a, id, r.PostFormValue("reason"))
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.flash(w, r, "ok", "venues.cancelled")
	http.Redirect(w, r, "/venues/"+strconv.FormatInt(b.VenueID, 10)+"?week="+monday(b.Date(), b.Date()).Format(dateLayout), http.StatusSeeOther)
}
