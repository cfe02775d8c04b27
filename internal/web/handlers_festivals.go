package web

import (
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"

	"shiliu/internal/auth"
	"shiliu/internal/errs"
	"shiliu/internal/festival"
)

// festivalRow is a festival of the calendar page.
type festivalRow struct {
	festival.Date
	// Weekday is 1 (Monday) … 7 (Sunday) of the first day, 0 when unknown.
	Weekday int
	// Note says how the date was found, in the page's language.
	Note string
}

type festivalPage struct {
	Page
	Year, Prev, Next int
	Rows             []festivalRow
	Upcoming         []festival.Upcoming
	// Errors holds a refused form's message by festival id.
	Errors map[string]string
	// Form is the refused form, shown again open.
	Form festival.OfficialInput
}

// isoWeekday is 1 (Monday) … 7 (Sunday) of a YYYY-MM-DD date, 0 for none.
func isoWeekday(d string) int {
	t, err := time.Parse("2006-01-02", d)
	if err != nil {
		return 0
	}
	if wd := int(t.Weekday()); wd != 0 {
		return wd
	}
	return 7
}

// festivalYear reads ?year=, this year in China when absent.
func (s *Server) festivalYear(r *http.Request) (int, error) {
	q := r.URL.Query().Get("year")
	if q == "" {
		y, _ := strconv.Atoi(s.Festival.Today()[:4])
		return y, nil
	}
	y, err := strconv.Atoi(q)
	if err != nil || !festival.ValidYear(y) {
		return 0, errs.InvalidFields(map[string]string{"year": "festival.err.year"})
	}
	return y, nil
}

func (s *Server) festivalIndex(w http.ResponseWriter, r *http.Request) {
	y, err := s.festivalYear(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.festivalRender(w, r, http.StatusOK, y, nil, festival.OfficialInput{})
}

func (s *Server) festivalRender(w http.ResponseWriter, r *http.Request, code, y int, errors map[string]string, form festival.OfficialInput) {
	a := actorOf(r)
	cal, err := s.Festival.Calendar(r.Context(), a, y)
	var up []festival.Upcoming
	if err == nil {
		up, err = s.Festival.Upcoming(r.Context(), a, festival.UpcomingDays)
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	p := &festivalPage{Page: s.page(r, "festival.title"), Year: y, Upcoming: up, Errors: errors, Form: form}
	if festival.ValidYear(y - 1) {
		p.Prev = y - 1
	}
	if festival.ValidYear(y + 1) {
		p.Next = y + 1
	}
	for _, d := range cal {
		p.Rows = append(p.Rows, festivalRow{Date: d, Weekday: isoWeekday(d.Date), Note: s.cat.T(p.Lang, d.NoteKey, d.NoteArgs...)})
	}
	// In date order, as a calendar reads; a festival not dated yet last.
	sort.SliceStable(p.Rows, func(i, j int) bool {
		a, b := p.Rows[i].Date.Date, p.Rows[j].Date.Date
		return a != "" && (b == "" || a < b)
	})
	s.render(w, r, code, "festivals", p)
}

type festivalUpcomingPage struct {
	Page
	Upcoming []festival.Upcoming
}

func (s *Server) festivalUpcoming(w http.ResponseWriter, r *http.Request) {
	up, err := s.Festival.Upcoming(r.Context(), actorOf(r), festival.UpcomingDays)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "festivals_upcoming", &festivalUpcomingPage{Page: s.page(r, "festival.upcoming_title"), Upcoming: up})
}

// UpcomingFestivals is the dashboard's block: the festivals of the next
// 60 days for the request's actor (counts only for figures-only roles),
// nil for roles that see neither community life nor figures. Render it
// with {{template "festivals-upcoming" (dict "P" .Page "U" .Festivals)}}.
func (s *Server) UpcomingFestivals(r *http.Request) ([]festival.Upcoming, error) {
	a := actorOf(r)
	if s.Festival == nil || !(a.Can(auth.CommunityView) || a.Can(auth.FigureView)) {
		return nil, nil
	}
	return s.Festival.Upcoming(r.Context(), a, festival.UpcomingDays)
}

func officialFrom(r *http.Request) festival.OfficialInput {
	f := r.PostFormValue
	in := festival.OfficialInput{Festival: f("festival"), Date: f("date"), End: f("end"), Source: f("source")}
	in.Year, _ = strconv.Atoi(f("year"))
	in.Version, _ = strconv.Atoi(f("version"))
	return in
}

func (s *Server) festivalSet(w http.ResponseWriter, r *http.Request) {
	in := officialFrom(r)
	s.festivalChange(w, r, in, "festival.saved", s.Festival.Set(r.Context(), actorOf(r), in))
}

func (s *Server) festivalUnset(w http.ResponseWriter, r *http.Request) {
	in := officialFrom(r)
	s.festivalChange(w, r, in, "festival.unsaved", s.Festival.Unset(r.Context(), actorOf(r), in.Festival, in.Year))
}

// festivalChange answers a set or unset: back to the year's calendar, or
// the calendar again with the festival's form open and its message.
func (s *Server) festivalChange(w http.ResponseWriter, r *http.Request, in festival.OfficialInput, ok string, err error) {
	if e, isErr := errs.As(err); isErr && (e.Kind == errs.Invalid || e.Kind == errs.Conflict) && festival.ValidYear(in.Year) {
		msg := s.fieldErrorText(r, e)
		if len(e.Fields) == 0 {
			msg = s.cat.T(info(r).Lang, e.Key, e.Args...)
		}
		s.festivalRender(w, r, status(err), in.Year, map[string]string{in.Festival: strings.TrimSpace(msg)}, in)
		return
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.flash(w, r, "ok", ok)
	http.Redirect(w, r, "/festivals?year="+strconv.Itoa(in.Year), http.StatusSeeOther)
}
