package web

import (
	"net/http"
	"strconv"

	"shiliu/internal/activity"
	"shiliu/internal/auth"
	"shiliu/internal/errs"
	"shiliu/internal/people"
	"shiliu/internal/ref"
)

type volunteerIndexPage struct {
	Page
	From, To   string
	Volunteers []*activity.VolunteerHours
	Pending    []activity.PendingEntry
	// Options: the volunteers one may log hours for.
	Options []*people.Person
	In      activity.HoursInput
	Errors  map[string]string
}

// period reads from and to, by default the current year to today.
func (s *Server) period(r *http.Request) (string, string) {
	q := r.URL.Query()
	today := s.Activity.Today()
	from, to := today[:4]+"-01-01", today
	if d, ok := ref.ParseDate(q.Get("from")); ok {
		from = d.Format("2006-01-02")
	}
	if d, ok := ref.ParseDate(q.Get("to")); ok {
		to = d.Format("2006-01-02")
	}
	return from, to
}

func (s *Server) volunteerPage(w http.ResponseWriter, r *http.Request, code int, p *volunteerIndexPage) {
	a := actorOf(r)
	p.From, p.To = s.period(r)
	var err error
	if p.Volunteers, err = s.Activity.Volunteers(r.Context(), a, p.From, p.To); err == nil && (a.Can(auth.HoursApprove) || a.Can(auth.HoursLog)) {
		p.Pending, err = s.Activity.Pending(r.Context(), a)
	}
	if err == nil && a.Can(auth.HoursLog) && a.Can(auth.PersonView) {
		p.Options, err = s.People.SearchPage(r.Context(), a, people.Filter{Tags: people.Tags(people.TagVolunteer), Limit: 500})
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, code, "volunteer_index", p)
}

func (s *Server) volunteerIndex(w http.ResponseWriter, r *http.Request) {
	s.volunteerPage(w, r, http.StatusOK, &volunteerIndexPage{Page: s.page(r, "volunteers.title"), In: activity.HoursInput{Date: s.Activity.Today()}})
}

func (s *Server) volunteerLogHours(w http.ResponseWriter, r *http.Request) {
	in := activity.HoursInput{Date: r.PostFormValue("date"), Hours: r.PostFormValue("hours"), What: r.PostFormValue("what")}
	in.PersonID = formID(r, "person_id")
	_, err := s.Activity.LogHours(r.Context(), actorOf(r), in)
	if e, ok := errs.As(err); ok && e.Kind == errs.Invalid {
		s.volunteerPage(w, r, status(err), &volunteerIndexPage{Page: s.page(r, "volunteers.title"), In: in, Errors: s.fieldErrors(r, e)})
		return
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.flash(w, r, "ok", "volunteers.logged")
	http.Redirect(w, r, "/volunteers#pending", http.StatusSeeOther)
}

func (s *Server) volunteerDecide(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	approve := r.PostFormValue("approve") == "1"
	err = s.Activity.Decide(r.Context(), actorOf(r), id, approve, r.PostFormValue("reason"))
	if e, ok := errs.As(err); ok && (e.Kind == errs.Invalid || e.Kind == errs.Conflict) {
		s.volunteerPage(w, r, status(err), &volunteerIndexPage{Page: s.page(r, "volunteers.title"), In: activity.HoursInput{Date: s.Activity.Today()},
			Errors: map[string]string{"decide": s.cat.T(info(r).Lang, firstKey(e))}})
		return
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if approve {
		s.flash(w, r, "ok", "volunteers.approved")
	} else {
		s.flash(w, r, "ok", "volunteers.rejected")
	}
	http.Redirect(w, r, "/volunteers#pending", http.StatusSeeOther)
}

// firstKey is the message key of an error, or of its first field.
func firstKey(e *errs.Error) string {
	for _, k := range e.Fields {
		return k
	}
	return e.Key
}

type volunteerShowPage struct {
	Page
	Person     *people.Person
	From, To   string
	Entries    []activity.Entry
	Total      int
	Pending    int
	BySource   map[activity.Source]int
	Activities []*activity.Activity
}

func (s *Server) volunteerShow(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	a := actorOf(r)
	p := &volunteerShowPage{Page: s.page(r, "volunteers.ledger_title"), BySource: map[activity.Source]int{}}
	p.From, p.To = s.period(r)
	if p.Entries, err = s.Activity.Ledger(r.Context(), a, id, p.From, p.To); err == nil {
		p.Person, err = s.People.Get(r.Context(), a, id)
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	p.Title = s.cat.T(info(r).Lang, "volunteers.ledger_of", p.Person.Name)
	for _, e := range p.Entries {
		switch {
		case e.Counts():
			p.Total += e.Minutes
			p.BySource[e.Source] += e.Minutes
		case e.Status == activity.HoursPending:
			p.Pending += e.Minutes
		}
	}
	s.render(w, r, http.StatusOK, "volunteer_show", p)
}

type teamIndexPage struct {
	Page
	places
	Teams  []*activity.Team
	In     activity.TeamInput
	Errors map[string]string
}

func (s *Server) teamPage(w http.ResponseWriter, r *http.Request, code int, p *teamIndexPage) {
	var err error
	if p.Teams, err = s.Activity.Teams(r.Context(), actorOf(r)); err == nil {
		p.places, err = s.places(r)
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, code, "team_index", p)
}

func (s *Server) teamIndex(w http.ResponseWriter, r *http.Request) {
	s.teamPage(w, r, http.StatusOK, &teamIndexPage{Page: s.page(r, "teams.title")})
}

func (s *Server) teamCreate(w http.ResponseWriter, r *http.Request) {
	in := activity.TeamInput{Name: r.PostFormValue("name"), Purpose: r.PostFormValue("purpose"), OrgID: formID(r, "org_id")}
	id, err := s.Activity.CreateTeam(r.Context(), actorOf(r), in)
	if e, ok := errs.As(err); ok && e.Kind == errs.Invalid {
		s.teamPage(w, r, status(err), &teamIndexPage{Page: s.page(r, "teams.title"), In: in, Errors: s.fieldErrors(r, e)})
		return
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.flash(w, r, "ok", "teams.created")
	http.Redirect(w, r, "/volunteers/teams/"+strconv.FormatInt(id, 10), http.StatusSeeOther)
}

type teamShowPage struct {
	Page
	Team    *activity.Team
	Options []*people.Person
	Errors  map[string]string
}

func (s *Server) teamShowWith(w http.ResponseWriter, r *http.Request, code int, errors map[string]string) {
	id, err := pathID(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	a := actorOf(r)
	p := &teamShowPage{Page: s.page(r, "teams.title"), Errors: errors}
	if p.Team, err = s.Activity.Team(r.Context(), a, id); err == nil && a.Can(auth.HoursApprove) && a.Can(auth.PersonView) {
		p.Options, err = s.People.SearchPage(r.Context(), a, people.Filter{Tags: people.Tags(people.TagVolunteer), Limit: 500})
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	p.Title = p.Team.Name
	s.render(w, r, code, "team_show", p)
}

func (s *Server) teamShow(w http.ResponseWriter, r *http.Request) {
	s.teamShowWith(w, r, http.StatusOK, nil)
}

func (s *Server) teamMember(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	err = s.Activity.SetTeamMember(r.Context(), actorOf(r), id, formID(r, "person_id"), r.PostFormValue("remove") != "1")
	if e, ok := errs.As(err); ok && e.Kind == errs.Invalid {
		s.teamShowWith(w, r, status(err), s.fieldErrors(r, e))
		return
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.flash(w, r, "ok", "teams.saved")
	http.Redirect(w, r, "/volunteers/teams/"+strconv.FormatInt(id, 10), http.StatusSeeOther)
}
