package web

import (
	"io"
	"math"
	"net/http"
	"strconv"
	"strings"

	"shiliu/internal/auth"
	"shiliu/internal/errs"
	"shiliu/internal/pairing"
	"shiliu/internal/people"
	"shiliu/internal/ref"
)

// MayLogVisit reports whether the page's actor may log a visit of pr.
func (p *Page) MayLogVisit(pr *pairing.Pairing) bool { return pairing.MayLogVisit(p.Actor, pr) }

// MayEditPairing reports whether the page's actor may change pr.
func (p *Page) MayEditPairing(pr *pairing.Pairing) bool { return pairing.MayEdit(p.Actor, pr) }

type pairingIndexPage struct {
	Page
	places
	Pairings []*pairing.Pairing
	Pager    Pager
	F        pairing.Filter
	Counts   pairing.Counts
}

func (s *Server) pairingIndex(w http.ResponseWriter, r *http.Request) {
	a := actorOf(r)
	q := r.URL.Query()
	f := pairing.Filter{Status: pairing.Status(q.Get("status")), Overdue: q.Get("overdue") == "1", HelperKind: pairing.HelperKind(q.Get("helper_kind"))}
	f.OrgID, _ = strconv.ParseInt(q.Get("org"), 10, 64)
	p := &pairingIndexPage{Page: s.page(r, "pairings.title"), F: f}
	var err error
	if p.places, err = s.places(r); err == nil {
		p.Counts, err = s.Pairing.Counts(r.Context(), a)
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	p.Pairings, p.Pager, err = listPage(r, 50, func(limit, offset int) ([]*pairing.Pairing, int, error) {
		f.Limit, f.Offset = limit, offset
		return s.Pairing.List(r.Context(), a, f)
	})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "pairing_index", p)
}

type pairingFormPage struct {
	Page
	Pairing  *pairing.Pairing
	In       pairing.Input
	Target   string
	Errors   map[string]string
	Liaisons []people.Liaison
	Kinds    []pairing.HelperKind
}

func pairingInputFrom(r *http.Request) pairing.Input {
	f := r.PostFormValue
	in := pairing.Input{HelperKind: pairing.HelperKind(f("helper_kind")), HelperName: f("helper_name"), StartDate: f("start_date"), EndDate: f("end_date"),
		Agreement: f("agreement")}
	in.HelperPersonID, _ = strconv.ParseInt(f("helper_person_id"), 10, 64)
	in.HelperUserID, _ = strconv.ParseInt(f("helper_user_id"), 10, 64)
	in.TargetPersonID, _ = strconv.ParseInt(f("target_person_id"), 10, 64)
	in.TargetHouseholdID, _ = strconv.ParseInt(f("target_household_id"), 10, 64)
	in.CadenceDays, _ = strconv.Atoi(f("cadence_days"))
	in.Version, _ = strconv.Atoi(f("version"))
	return in
}

func (s *Server) pairingForm(w http.ResponseWriter, r *http.Request, code int, p *pairingFormPage) {
	a := actorOf(r)
	var err error
	if p.Liaisons, err = s.People.Liaisons(r.Context(), a); err != nil {
		s.fail(w, r, err)
		return
	}
	p.Kinds = pairing.HelperKinds
	// Name the target so the form says whom the pairing helps.
	if p.In.TargetPersonID != 0 {
		if t, err := s.People.Get(r.Context(), a, p.In.TargetPersonID); err == nil {
			p.Target = t.Name
		}
	} else if p.In.TargetHouseholdID != 0 {
		if h, err := s.People.Household(r.Context(), a, p.In.TargetHouseholdID); err == nil {
			p.Target = h.Code
			if h.HeadName != "" {
				p.Target += " · " + h.HeadName
			}
		}
	}
	s.render(w, r, code, "pairing_form", p)
}

func (s *Server) pairingNew(w http.ResponseWriter, r *http.Request) {
	in := pairing.Input{HelperKind: pairing.HelperVolunteer, CadenceDays: 30, StartDate: s.Pairing.Today()}
	in.TargetPersonID, _ = strconv.ParseInt(r.URL.Query().Get("person"), 10, 64)
	in.TargetHouseholdID, _ = strconv.ParseInt(r.URL.Query().Get("household"), 10, 64)
	s.pairingForm(w, r, http.StatusOK, &pairingFormPage{Page: s.page(r, "pairings.new_title"), In: in})
}

func (s *Server) pairingCreate(w http.ResponseWriter, r *http.Request) {
	in := pairingInputFrom(r)
	if id := strings.TrimSpace(r.PostFormValue("helper_id_number")); id != "" && in.HelperKind == pairing.HelperVolunteer {
		if v, err := s.People.FindByID(r.Context(), actorOf(r), id); err == nil {
			in.HelperPersonID = v.ID
		}
	}
	pr, err := s.Pairing.Create(r.Context(), actorOf(r), in)
	if e, ok := errs.As(err); ok && (e.Kind == errs.Invalid || e.Kind == errs.Conflict) {
		s.pairingForm(w, r, status(err), &pairingFormPage{Page: s.page(r, "pairings.new_title"), In: in, Errors: s.fieldErrors(r, e)})
		return
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.flash(w, r, "ok", "pairings.created")
	http.Redirect(w, r, "/pairings/"+strconv.FormatInt(pr.ID, 10), http.StatusSeeOther)
}

type pairingShowPage struct {
	Page
	Pairing *pairing.Pairing
	Visits  []*pairing.Visit
	Errors  map[string]string
}

func (s *Server) pairingShowWith(w http.ResponseWriter, r *http.Request, code int, errors map[string]string) {
	id, err := pathID(r)
	var pr *pairing.Pairing
	if err == nil {
		pr, err = s.Pairing.Get(r.Context(), actorOf(r), id)
	}
	var visits []*pairing.Visit
	if err == nil {
		visits, err = s.Pairing.Visits(r.Context(), actorOf(r), id)
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	name := pr.TargetName
	if name == "" {
		name = pr.TargetHousehold
	}
	s.render(w, r, code, "pairing_show", &pairingShowPage{Page: s.page(r, "pairings.show_title", name), Pairing: pr, Visits: visits, Errors: errors})
}

func (s *Server) pairingShow(w http.ResponseWriter, r *http.Request) {
	s.pairingShowWith(w, r, http.StatusOK, nil)
}

func (s *Server) pairingUpdate(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	in := pairingInputFrom(r)
	err = s.Pairing.Update(r.Context(), actorOf(r), id, in)
	if e, ok := errs.As(err); ok && (e.Kind == errs.Invalid || e.Kind == errs.Conflict) {
		s.pairingShowWith(w, r, status(err), map[string]string{"edit": s.fieldErrorText(r, e)})
		return
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.flash(w, r, "ok", "pairings.saved")
	http.Redirect(w, r, "/pairings/"+strconv.FormatInt(id, 10), http.StatusSeeOther)
}

// fieldErrorText joins a validation error's messages into one line, for
// forms that show their errors in one place.
func (s *Server) fieldErrorText(r *http.Request, e *errs.Error) string {
	var parts []string
	for _, m := range s.fieldErrors(r, e) {
		parts = append(parts, m)
	}
	return strings.Join(parts, " ")
}

func (s *Server) pairingEnd(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	err = s.Pairing.End(r.Context(), actorOf(r), id, r.PostFormValue("date"), r.PostFormValue("reason"))
	if e, ok := errs.As(err); ok && e.Kind == errs.Invalid {
		s.pairingShowWith(w, r, http.StatusUnprocessableEntity, map[string]string{"end": s.fieldErrorText(r, e)})
		return
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.flash(w, r, "ok", "pairings.ended")
	http.Redirect(w, r, "/pairings/"+strconv.FormatInt(id, 10), http.StatusSeeOther)
}

// parseYuan reads an amount in yuan ("120", "35.5") as fen.
func parseYuan(s string) (int64, bool) {
	s = strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(s), "¥"))
	if s == "" {
		return 0, true
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || f < 0 || math.IsInf(f, 0) || math.IsNaN(f) {
		return 0, false
	}
	return int64(math.Round(f * 100)), true
}

func (s *Server) pairingVisit(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if err := r.ParseMultipartForm(MaxUploadBytes); err != nil && err != http.ErrNotMultipart {
		s.pairingShowWith(w, r, http.StatusUnprocessableEntity, map[string]string{"visit": s.cat.T(info(r).Lang, "err.photo_too_large")})
		return
	}
	in := pairing.VisitInput{Date: r.FormValue("date"), VisitorName: r.FormValue("visitor_name"), Help: r.FormValue("help"), Note: r.FormValue("note")}
	cents, ok := parseYuan(r.FormValue("value"))
	if !ok {
		s.pairingShowWith(w, r, http.StatusUnprocessableEntity, map[string]string{"visit": s.cat.T(info(r).Lang, "err.amount_invalid")})
		return
	}
	in.ValueCents = cents
	if v := strings.TrimSpace(r.FormValue("hours")); v != "" {
		h, err := strconv.ParseFloat(v, 64)
		if err != nil || h < 0 || h > 24 {
			s.pairingShowWith(w, r, http.StatusUnprocessableEntity, map[string]string{"visit": s.cat.T(info(r).Lang, "err.hours_invalid")})
			return
		}
		in.Minutes = int(h*60 + 0.5)
	}
	if f, hdr, err := r.FormFile("photo"); err == nil {
		data, err := io.ReadAll(io.LimitReader(f, pairing.MaxPhotoBytes+1))
		f.Close()
		if err != nil {
			s.fail(w, r, err)
			return
		}
		in.Photo = &pairing.Photo{Data: data, Filename: hdr.Filename}
	}
	_, err = s.Pairing.LogVisit(r.Context(), actorOf(r), id, in)
	if e, ok := errs.As(err); ok && e.Kind == errs.Invalid {
		s.pairingShowWith(w, r, http.StatusUnprocessableEntity, map[string]string{"visit": s.fieldErrorText(r, e)})
		return
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.flash(w, r, "ok", "pairings.visit_logged")
	http.Redirect(w, r, "/pairings/"+strconv.FormatInt(id, 10), http.StatusSeeOther)
}

func (s *Server) visitPhoto(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	var f *pairing.PhotoFile
	if err == nil {
		f, err = s.Pairing.Photo(r.Context(), actorOf(r), id)
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	defer f.Close()
	w.Header().Set("Content-Type", f.ContentType)
	w.Header().Set("Content-Disposition", "inline; filename=\"visit-"+strconv.FormatInt(id, 10)+"\"")
	w.Header().Set("Cache-Control", "private, no-store")
	http.ServeContent(w, r, "", now(), f)
}

type contactsPage struct {
	Page
	Contacts []*pairing.Contact
	Pager    Pager
	Errors   map[string]string
	In       pairing.ContactInput
	Modes    []pairing.Mode
	Persons  []*people.Person
}

func (s *Server) contactsPage(w http.ResponseWriter, r *http.Request, code int, p *contactsPage) {
	a := actorOf(r)
	f := pairing.ContactFilter{WithOpinion: r.URL.Query().Get("opinion") == "1"}
	var err error
	p.Contacts, p.Pager, err = listPage(r, 50, func(limit, offset int) ([]*pairing.Contact, int, error) {
		f.Limit, f.Offset = limit, offset
		return s.Pairing.Contacts(r.Context(), a, f)
	})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	// The representative figures the actor can record a contact with.
	if a.Can(auth.VisitLog) {
		if p.Persons, err = s.People.SearchPage(r.Context(), a, people.Filter{Tags: people.Tags(people.TagRepresentative), Limit: 500}); err != nil {
			s.fail(w, r, err)
			return
		}
	}
	p.Modes = pairing.Modes
	s.render(w, r, code, "contacts", p)
}

func (s *Server) contactIndex(w http.ResponseWriter, r *http.Request) {
	s.contactsPage(w, r, http.StatusOK, &contactsPage{Page: s.page(r, "contacts.title"), In: pairing.ContactInput{Date: s.Pairing.Today(), Mode: pairing.ModeVisit}})
}

func (s *Server) contactCreate(w http.ResponseWriter, r *http.Request) {
	in := pairing.ContactInput{Date: r.PostFormValue("date"), Mode: pairing.Mode(r.PostFormValue("mode")), Topic: r.PostFormValue("topic"),
		Note: r.PostFormValue("note"), Opinion: r.PostFormValue("opinion")}
	in.PersonID, _ = strconv.ParseInt(r.PostFormValue("person_id"), 10, 64)
	_, err := s.Pairing.LogContact(r.Context(), actorOf(r), in)
	if e, ok := errs.As(err); ok && e.Kind == errs.Invalid {
		s.contactsPage(w, r, http.StatusUnprocessableEntity, &contactsPage{Page: s.page(r, "contacts.title"), In: in, Errors: s.fieldErrors(r, e)})
		return
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.flash(w, r, "ok", "contacts.logged")
	http.Redirect(w, r, "/contacts", http.StatusSeeOther)
}

type dutyPage struct {
	Page
	places
	Service  string
	Slots    []*pairing.Slot
	OnDuty   []*pairing.Slot
	Hours    []pairing.Hours
	Year     int
	Errors   map[string]string
	Weekdays []int
}

func (s *Server) dutyPage(w http.ResponseWriter, r *http.Request, code int, errors map[string]string) {
	a := actorOf(r)
	p := &dutyPage{Page: s.page(r, "duty.title"), Service: r.URL.Query().Get("service"), Year: now().In(ref.China).Year(), Errors: errors, Weekdays: []int{1, 2, 3, 4, 5, 6, 7}}
	if p.Service != string(pairing.Window) {
		p.Service = string(pairing.Hotline)
	}
	var err error
	if p.Slots, err = s.Pairing.Slots(r.Context(), a, pairing.DutyService(p.Service)); err == nil {
		if p.OnDuty, err = s.Pairing.OnDuty(r.Context(), a, pairing.DutyService(p.Service), now()); err == nil {
			if p.Hours, err = s.Pairing.Hours(r.Context(), a, p.Year); err == nil {
				p.places, err = s.places(r)
			}
		}
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, code, "duty", p)
}

func (s *Server) dutyIndex(w http.ResponseWriter, r *http.Request) {
	s.dutyPage(w, r, http.StatusOK, nil)
}

func (s *Server) dutySlotSave(w http.ResponseWriter, r *http.Request) {
	f := r.PostFormValue
	in := pairing.SlotInput{Service: pairing.DutyService(f("service")), StartTime: f("start_time"), EndTime: f("end_time"), Name: f("name"),
		ValidFrom: f("valid_from"), ValidTo: f("valid_to"), Note: f("note")}
	in.OrgID, _ = strconv.ParseInt(f("org_id"), 10, 64)
	in.Weekday, _ = strconv.Atoi(f("weekday"))
	in.UserID, _ = strconv.ParseInt(f("user_id"), 10, 64)
	_, err := s.Pairing.SetSlot(r.Context(), actorOf(r), in)
	if e, ok := errs.As(err); ok && (e.Kind == errs.Invalid || e.Kind == errs.Conflict) {
		s.dutyPage(w, r, status(err), map[string]string{"slot": s.fieldErrorText(r, e)})
		return
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.flash(w, r, "ok", "duty.slot_saved")
	http.Redirect(w, r, "/duty?service="+string(in.Service), http.StatusSeeOther)
}

func (s *Server) dutySlotDelete(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err == nil {
		err = s.Pairing.DeleteSlot(r.Context(), actorOf(r), id)
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.flash(w, r, "ok", "duty.slot_deleted")
	http.Redirect(w, r, "/duty", http.StatusSeeOther)
}

func (s *Server) dutyLog(w http.ResponseWriter, r *http.Request) {
	f := r.PostFormValue
	in := pairing.DutyInput{Service: pairing.DutyService(f("service")), Date: f("date"), Name: f("name"), Note: f("note")}
	in.SlotID, _ = strconv.ParseInt(f("slot_id"), 10, 64)
	in.Minutes, _ = strconv.Atoi(f("minutes"))
	_, err := s.Pairing.LogDuty(r.Context(), actorOf(r), in)
	if e, ok := errs.As(err); ok && e.Kind == errs.Invalid {
		s.dutyPage(w, r, http.StatusUnprocessableEntity, map[string]string{"log": s.fieldErrorText(r, e)})
		return
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.flash(w, r, "ok", "duty.logged")
	http.Redirect(w, r, "/duty?service="+string(in.Service), http.StatusSeeOther)
}
