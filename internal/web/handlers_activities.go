package web

import (
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"shiliu/internal/activity"
	"shiliu/internal/auth"
	"shiliu/internal/budget"
	"shiliu/internal/errs"
	"shiliu/internal/people"
	"shiliu/internal/ref"
	"shiliu/internal/venue"
)

// MayEditActivity reports whether the page's actor may change x (the
// service checks again).
func (p *Page) MayEditActivity(x *activity.Activity) bool {
	return p.Actor.Can(auth.ActivityEdit) && !p.Actor.Scope().IsLiaison() && p.Actor.Scope().Contains(x.OrgPath)
}

type activityIndexPage struct {
	Page
	Activities []*activity.Activity
	Pager      Pager
	F          activity.Filter
	Kinds      []activity.Kind
}

// activityFilter reads the list's filters; by default the current month
// and what follows it.
func (s *Server) activityFilter(r *http.Request) activity.Filter {
	q := r.URL.Query()
	f := activity.Filter{From: q.Get("from"), To: q.Get("to"), Status: activity.Status(q.Get("status")), Q: q.Get("q"), Festival: q.Get("festival")}
	if d, ok := ref.ParseDate(f.From); ok {
		f.From = d.Format("2006-01-02")
	} else {
		f.From = ""
	}
	if d, ok := ref.ParseDate(f.To); ok {
		f.To = d.Format("2006-01-02")
	} else {
		f.To = ""
	}
	f.KindID, _ = strconv.ParseInt(q.Get("kind"), 10, 64)
	f.OrgID, _ = strconv.ParseInt(q.Get("org"), 10, 64)
	f.SeriesID, _ = strconv.ParseInt(q.Get("series"), 10, 64)
	f.Desc = q.Get("order") == "desc"
	return f
}

func (s *Server) activityIndex(w http.ResponseWriter, r *http.Request) {
	a := actorOf(r)
	f := s.activityFilter(r)
	if f.From == "" && f.To == "" && len(r.URL.Query()) == 0 {
		f.From = s.Activity.Today()[:8] + "01"
	}
	p := &activityIndexPage{Page: s.page(r, "activities.title"), F: f}
	var err error
	if p.Kinds, err = s.Activity.Kinds(r.Context(), a); err != nil {
		s.fail(w, r, err)
		return
	}
	p.Activities, p.Pager, err = listPage(r, 50, func(limit, offset int) ([]*activity.Activity, int, error) {
		f.Limit, f.Offset = limit, offset
		return s.Activity.List(r.Context(), a, f)
	})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "activity_index", p)
}

type activityFormPage struct {
	Page
	places
	Activity *activity.Activity
	In       activity.Input
	R        repeatForm
	// Edit: "this" or "following" for an occurrence of a series.
	Edit       string
	Kinds      []activity.Kind
	Partners   []activity.PartnerRef
	Households []activity.Household
	Venues     []*venue.Venue
	Errors     map[string]string
}

// repeatForm is the form's view of a recurrence rule.
type repeatForm struct {
	// Mode: "" once, weekly, biweekly, monthly.
	Mode     string
	Weekdays []int // ISO 1 (Monday) … 7
	Nth      []int
	Count    int
	Until    string
	// Ends: count, until or never ("" on a new form: count).
	Ends string
}

// HasDay and HasNth tell the form which boxes to tick.
func (f repeatForm) HasDay(d int) bool { return slices.Contains(f.Weekdays, d) }
func (f repeatForm) HasNth(n int) bool { return slices.Contains(f.Nth, n) }

func repeatOf(rule activity.Rule) repeatForm {
	f := repeatForm{Mode: "weekly", Count: rule.Count, Until: rule.Until, Nth: rule.Nth, Ends: "never"}
	if rule.Count > 0 {
		f.Ends = "count"
	} else if rule.Until != "" {
		f.Ends = "until"
	}
	for _, d := range rule.Weekdays {
		f.Weekdays = append(f.Weekdays, (int(d)+6)%7+1)
	}
	switch {
	case rule.Freq == activity.Monthly:
		f.Mode = "monthly"
	case rule.Interval == 2:
		f.Mode = "biweekly"
	}
	return f
}

// rule writes the form's choice as a rule ("" for once).
func (f repeatForm) rule() string {
	if f.Mode == "" {
		return ""
	}
	r := activity.Rule{Freq: activity.Weekly, Interval: 1, Count: f.Count, Until: f.Until}
	switch f.Mode {
	case "biweekly":
		r.Interval = 2
	case "monthly":
		r.Freq, r.Nth = activity.Monthly, f.Nth
	}
	for _, d := range f.Weekdays {
		if d >= 1 && d <= 7 {
			r.Weekdays = append(r.Weekdays, time.Weekday(d%7))
		}
	}
	return r.String()
}

func ints(vals []string) []int {
	var out []int
	for _, v := range vals {
		if n, err := strconv.Atoi(v); err == nil {
			out = append(out, n)
		}
	}
	return out
}

func ids(vals []string) []int64 {
	var out []int64
	for _, v := range vals {
		for _, part := range strings.Split(v, ",") {
			if n, err := strconv.ParseInt(strings.TrimSpace(part), 10, 64); err == nil && n > 0 {
				out = append(out, n)
			}
		}
	}
	return out
}

func activityInputFrom(r *http.Request) (activity.Input, repeatForm) {
	f := r.PostFormValue
	in := activity.Input{KindCode: f("kind_code"), Title: f("title"), Date: f("date"), StartTime: f("start_time"), EndTime: f("end_time"),
		Place: f("place"), Festival: f("festival"), Summary: f("summary")}
	in.KindID, _ = strconv.ParseInt(f("kind"), 10, 64)
	in.OrgID, _ = strconv.ParseInt(f("org_id"), 10, 64)
	in.OthersCount, _ = strconv.Atoi(strings.TrimSpace(f("others_count")))
	in.OthersMinority, _ = strconv.Atoi(strings.TrimSpace(f("others_minority")))
	in.HouseholdIDs = ids(r.PostForm["household_ids"])
	in.PartnerIDs = ids(r.PostForm["partner_ids"])
	in.VenueID, _ = strconv.ParseInt(f("venue_id"), 10, 64)
	in.People, _ = strconv.Atoi(strings.TrimSpace(f("people")))
	rf := repeatForm{Mode: f("repeat"), Weekdays: ints(r.PostForm["weekday"]), Nth: ints(r.PostForm["nth"]), Until: f("until"), Ends: f("ends")}
	rf.Count, _ = strconv.Atoi(strings.TrimSpace(f("count")))
	switch rf.Ends {
	case "never":
		rf.Count, rf.Until = 0, ""
	case "until":
		rf.Count = 0
	default:
		rf.Until = ""
	}
	in.Repeat = rf.rule()
	return in, rf
}

func (s *Server) activityForm(w http.ResponseWriter, r *http.Request, code int, p *activityFormPage) {
	a := actorOf(r)
	var err error
	if p.places, err = s.places(r); err == nil {
		if p.Kinds, err = s.Activity.Kinds(r.Context(), a); err == nil {
			if p.Partners, err = s.Activity.Partners(r.Context(), a); err == nil {
				p.Households, err = s.Activity.HouseholdsByID(r.Context(), a, p.In.HouseholdIDs)
			}
		}
	}
	if err == nil && s.Venue != nil {
		p.Venues, err = s.Venue.Venues(r.Context(), a, false)
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, code, "activity_form", p)
}

// activityNew is the form for a new activity; the query can preset the
// kind (by code), the date, a festival and the households a holiday visit
// goes to (the upcoming-festivals list links here).
func (s *Server) activityNew(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	in := activity.Input{KindCode: q.Get("kind"), Date: q.Get("date"), Festival: q.Get("festival"), StartTime: "09:00", EndTime: "11:00",
		HouseholdIDs: ids(q["households"])}
	if in.Date == "" {
		in.Date = s.Activity.Today()
	}
	p := &activityFormPage{Page: s.page(r, "activities.new_title"), In: in}
	if in.KindCode != "" {
		if kinds, err := s.Activity.Kinds(r.Context(), actorOf(r)); err == nil {
			for _, k := range kinds {
				if k.Code == in.KindCode {
					p.In.KindID = k.ID
					if in.Festival != "" && p.In.Title == "" {
						p.In.Title = s.cat.T(info(r).Lang, "festival.name."+in.Festival) + k.Name
					}
				}
			}
		}
	}
	s.activityForm(w, r, http.StatusOK, p)
}

func (s *Server) activityCreate(w http.ResponseWriter, r *http.Request) {
	in, rf := activityInputFrom(r)
	x, err := s.Activity.Create(r.Context(), actorOf(r), in)
	if e, ok := errs.As(err); ok && e.Kind == errs.Invalid {
		s.activityForm(w, r, status(err), &activityFormPage{Page: s.page(r, "activities.new_title"), In: in, R: rf, Errors: s.fieldErrors(r, e)})
		return
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if x.SeriesID != 0 {
		s.flash(w, r, "ok", "activities.series_created", x.Series.Occurrences)
	} else {
		s.flash(w, r, "ok", "activities.created")
	}
	http.Redirect(w, r, "/activities/"+strconv.FormatInt(x.ID, 10), http.StatusSeeOther)
}

func inputOf(x *activity.Activity) activity.Input {
	return activity.Input{OrgID: x.OrgID, KindID: x.KindID, Title: x.Title, Date: x.Date(), StartTime: x.StartTime(), EndTime: x.EndTime(),
		Place: x.Place, Festival: x.Festival, OthersCount: x.OthersCount, OthersMinority: x.OthersMinority, Summary: x.Summary,
		PartnerIDs: x.PartnerIDs}
}

func (s *Server) activityEdit(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	x, err := s.Activity.Get(r.Context(), actorOf(r), id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	in := inputOf(x)
	for _, h := range x.Households {
		in.HouseholdIDs = append(in.HouseholdIDs, h.ID)
	}
	p := &activityFormPage{Page: s.page(r, "activities.edit_title"), Activity: x, In: in, Edit: string(activity.ThisOne)}
	if x.Series != nil && r.URL.Query().Get("edit") == string(activity.ThisAndLater) {
		p.Edit = string(activity.ThisAndLater)
		p.R = repeatOf(activity.RemainingRule(x.Series, x.Seq))
	}
	s.activityForm(w, r, http.StatusOK, p)
}

func (s *Server) activityUpdate(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	a := actorOf(r)
	in, rf := activityInputFrom(r)
	version, _ := strconv.Atoi(r.PostFormValue("version"))
	edit := activity.Edit(r.PostFormValue("edit"))
	x, err := s.Activity.Update(r.Context(), a, id, version, in, edit)
	if e, ok := errs.As(err); ok && (e.Kind == errs.Invalid || e.Kind == errs.Conflict) {
		cur, gerr := s.Activity.Get(r.Context(), a, id)
		if gerr != nil {
			s.fail(w, r, gerr)
			return
		}
		s.activityForm(w, r, status(err), &activityFormPage{Page: s.page(r, "activities.edit_title"), Activity: cur, In: in, R: rf, Edit: string(edit),
			Errors: s.fieldErrors(r, e)})
		return
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.flash(w, r, "ok", "activities.saved")
	http.Redirect(w, r, "/activities/"+strconv.FormatInt(x.ID, 10), http.StatusSeeOther)
}

type activityShowPage struct {
	Page
	Bookings  []*venue.Booking
	Activity  *activity.Activity
	Attendees []activity.Attendee
	Partners  []activity.PartnerRef
	// Costs are the valid spending entries paying for the activity, CostFen
	// their sum.
	Costs   []*budget.Spending
	CostFen int64
	// Lookup and Found: the sign-up search.
	Lookup string
	Found  []*people.Person
	Errors map[string]string
}

func (s *Server) activityShowWith(w http.ResponseWriter, r *http.Request, code int, errors map[string]string) {
	id, err := pathID(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	a := actorOf(r)
	x, err := s.Activity.Get(r.Context(), a, id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	p := &activityShowPage{Page: s.page(r, "activities.show_title", x.Title), Activity: x, Errors: errors, Lookup: strings.TrimSpace(r.URL.Query().Get("lookup"))}
	if p.Attendees, err = s.Activity.Attendees(r.Context(), a, id); err == nil {
		p.Partners, err = s.Activity.PartnersByID(r.Context(), a, x.PartnerIDs)
	}
	if err == nil && s.Venue != nil {
		p.Bookings, err = s.Venue.Bookings(r.Context(), a, venue.BookingFilter{ActivityID: id, WithCancelled: true})
	}
	if err == nil && s.Budget != nil {
		p.Costs, _, p.CostFen, err = s.Budget.Spendings(r.Context(), a, budget.SpendFilter{ActivityID: id, Limit: 20})
	}
	if err == nil && p.Lookup != "" && a.Can(auth.PersonView) {
		p.Found, err = s.People.SearchPage(r.Context(), a, people.Filter{Q: p.Lookup, Limit: 10})
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, code, "activity_show", p)
}

func (s *Server) activityShow(w http.ResponseWriter, r *http.Request) {
	s.activityShowWith(w, r, http.StatusOK, nil)
}

// activityPost runs one of the small forms of an activity's page and goes
// back to the page (or to back=, a page of the same activity); bad input
// shows the page again with the message.
func (s *Server) activityPost(w http.ResponseWriter, r *http.Request, okKey string, run func(id int64) error) {
	id, err := pathID(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	err = run(id)
	if e, ok := errs.As(err); ok && (e.Kind == errs.Invalid || e.Kind == errs.Conflict) {
		if wantsJSON(r) {
			s.fail(w, r, err)
			return
		}
		msgs := s.fieldErrors(r, e)
		var all []string
		for _, m := range msgs {
			all = append(all, m)
		}
		slices.Sort(all)
		s.activityShowWith(w, r, status(err), map[string]string{"_": strings.Join(all, "；")})
		return
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if wantsJSON(r) {
		writeJSON(w, http.StatusOK, map[string]bool{"ok": true})
		return
	}
	if okKey != "" {
		s.flash(w, r, "ok", okKey)
	}
	back := "/activities/" + strconv.FormatInt(id, 10)
	if b := r.PostFormValue("back"); strings.HasPrefix(b, back+"/") || strings.HasPrefix(b, back+"#") || strings.HasPrefix(b, back+"?") {
		back = b
	}
	http.Redirect(w, r, back, http.StatusSeeOther)
}

// wantsJSON: the roll call's script posts with Accept: application/json
// and stays on the page.
func wantsJSON(r *http.Request) bool {
	return strings.Contains(r.Header.Get("Accept"), "application/json")
}

func formID(r *http.Request, name string) int64 {
	id, _ := strconv.ParseInt(r.PostFormValue(name), 10, 64)
	return id
}

func (s *Server) activityCancel(w http.ResponseWriter, r *http.Request) {
	s.activityPost(w, r, "activities.cancelled_ok", func(id int64) error {
		return s.Activity.Cancel(r.Context(), actorOf(r), id, activity.Edit(r.PostFormValue("edit")), strings.TrimSpace(r.PostFormValue("reason")))
	})
}

func (s *Server) activitySignUp(w http.ResponseWriter, r *http.Request) {
	s.activityPost(w, r, "activities.signed_up", func(id int64) error {
		return s.Activity.SignUp(r.Context(), actorOf(r), id, formID(r, "person_id"), r.PostFormValue("role"))
	})
}

func (s *Server) activityUnlist(w http.ResponseWriter, r *http.Request) {
	s.activityPost(w, r, "", func(id int64) error {
		return s.Activity.Unlist(r.Context(), actorOf(r), id, formID(r, "person_id"))
	})
}

func (s *Server) activityRoster(w http.ResponseWriter, r *http.Request) {
	s.activityPost(w, r, "activities.roster_saved", func(id int64) error {
		if r.PostFormValue("remove") == "1" {
			return s.Activity.RemoveMember(r.Context(), actorOf(r), id, formID(r, "person_id"))
		}
		return s.Activity.AddMember(r.Context(), actorOf(r), id, formID(r, "person_id"), r.PostFormValue("role"))
	})
}

func (s *Server) activityAttendance(w http.ResponseWriter, r *http.Request) {
	s.activityPost(w, r, "", func(id int64) error {
		return s.Activity.Mark(r.Context(), actorOf(r), id, formID(r, "person_id"), r.PostFormValue("present") == "1", r.PostFormValue("role"))
	})
}

func (s *Server) activityOthers(w http.ResponseWriter, r *http.Request) {
	s.activityPost(w, r, "activities.saved", func(id int64) error {
		// a number that is none is -1, which the service refuses (after
		// its scope check)
		n, err := strconv.Atoi(strings.TrimSpace(r.PostFormValue("others_count")))
		if err != nil {
			n = -1
		}
		m, err := strconv.Atoi(strings.TrimSpace(cmpOr(r.PostFormValue("others_minority"), "0")))
		if err != nil {
			m = -1
		}
		return s.Activity.SetOthers(r.Context(), actorOf(r), id, n, m)
	})
}

func cmpOr(v, def string) string {
	if strings.TrimSpace(v) == "" {
		return def
	}
	return v
}

func (s *Server) activityPhoto(w http.ResponseWriter, r *http.Request) {
	s.activityPost(w, r, "activities.photo_added", func(id int64) error {
		if err := r.ParseMultipartForm(1 << 20); err != nil && err != http.ErrNotMultipart {
			return errs.InvalidFields(map[string]string{"photo": "err.attachment_too_large"})
		}
		f, hdr, err := r.FormFile("photo")
		if err != nil {
			return errs.InvalidFields(map[string]string{"photo": "err.attachment_type"})
		}
		defer f.Close()
		return s.Activity.AddPhoto(r.Context(), actorOf(r), id, hdr.Filename, f, r.FormValue("caption"))
	})
}

func (s *Server) activityPhotoGet(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	f, err := s.Activity.OpenPhoto(r.Context(), actorOf(r), id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	serveStored(w, r, f)
}

func (s *Server) activityPhotoDelete(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	activityID, err := s.Activity.PhotoActivity(r.Context(), actorOf(r), id)
	if err == nil {
		err = s.Activity.RemovePhoto(r.Context(), actorOf(r), id)
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.flash(w, r, "ok", "activities.photo_removed")
	http.Redirect(w, r, "/activities/"+strconv.FormatInt(activityID, 10), http.StatusSeeOther)
}

type rollCallPage struct {
	Page
	Activity  *activity.Activity
	Attendees []activity.Attendee
	Future    bool
}

// PresentCount is how many of the list are marked present.
func (p *rollCallPage) PresentCount() int {
	n := 0
	for _, t := range p.Attendees {
		if t.Present {
			n++
		}
	}
	return n
}

// activityRollCall is the phone page of the roll call: one tap per person.
func (s *Server) activityRollCall(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	a := actorOf(r)
	x, err := s.Activity.Get(r.Context(), a, id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	p := &rollCallPage{Page: s.page(r, "activities.rollcall_title", x.Title), Activity: x, Future: x.Date() > s.Activity.Today()}
	if p.Attendees, err = s.Activity.Attendees(r.Context(), a, id); err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "activity_rollcall", p)
}

type activityKindsPage struct {
	Page
	Kinds  []activity.Kind
	Errors map[string]string
}

func (s *Server) activityKinds(w http.ResponseWriter, r *http.Request, code int, errors map[string]string) {
	p := &activityKindsPage{Page: s.page(r, "activities.kinds_title"), Errors: errors}
	var err error
	if p.Kinds, err = s.Activity.Kinds(r.Context(), actorOf(r)); err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, code, "activity_kinds", p)
}

func (s *Server) activityKindsIndex(w http.ResponseWriter, r *http.Request) {
	s.activityKinds(w, r, http.StatusOK, nil)
}

func (s *Server) activityKindCreate(w http.ResponseWriter, r *http.Request) {
	a := actorOf(r)
	var err error
	if id, _ := strconv.ParseInt(r.PostFormValue("id"), 10, 64); id != 0 {
		err = s.Activity.SetKindActive(r.Context(), a, id, r.PostFormValue("active") == "1")
	} else {
		_, err = s.Activity.AddKind(r.Context(), a, r.PostFormValue("name"))
	}
	if e, ok := errs.As(err); ok && e.Kind == errs.Invalid {
		s.activityKinds(w, r, status(err), s.fieldErrors(r, e))
		return
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.flash(w, r, "ok", "activities.kinds_saved")
	http.Redirect(w, r, "/activities/kinds", http.StatusSeeOther)
}
