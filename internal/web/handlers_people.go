package web

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"shiliu/internal/auth"
	"shiliu/internal/errs"
	"shiliu/internal/org"
	"shiliu/internal/pairing"
	"shiliu/internal/people"
	"shiliu/internal/ref"
)

// Eth shows an ethnicity code by name (Chinese) or romanisation (English).
func (p *Page) Eth(code string) string {
	e, ok := ref.EthnicityByCode(code)
	if !ok {
		return code
	}
	if p.Lang == "en" && e.Roman != "" {
		return e.Roman
	}
	return e.Name
}

// places are the committees and building groups an actor may file persons
// under, for forms and filters.
type places struct {
	Committees     []*org.Unit
	BuildingGroups []*org.Unit
	Units          []*org.Unit // every unit in scope, for the filter
}

func (s *Server) places(r *http.Request) (places, error) {
	a := actorOf(r)
	// A liaison has no org view; their filter is just their own people.
	if !a.Can(auth.OrgView) && !a.Can(auth.PersonEdit) {
		return places{}, nil
	}
	tree, err := s.Org.Tree(r.Context(), a, false)
	if err != nil {
		return places{}, err
	}
	var pl places
	pl.Units = tree
	for _, u := range tree {
		switch u.Kind {
		case org.Committee:
			pl.Committees = append(pl.Committees, u)
		case org.BuildingGroup:
			pl.BuildingGroups = append(pl.BuildingGroups, u)
		}
	}
	return pl, nil
}

type personIndexPage struct {
	Page
	places
	F        people.Filter
	TagKeys  []string
	Persons  []*people.Person
	Pager    Pager
	QKind    people.QueryKind
	Liaisons []people.Liaison
}

func filterFrom(q url.Values) (people.Filter, []string) {
	f := people.Filter{Q: strings.TrimSpace(q.Get("q")), Ethnicity: q.Get("ethnicity"), Status: q.Get("status"), Sort: q.Get("sort"),
		Minority: q.Get("minority") == "1", NoHousehold: q.Get("no_household") == "1"}
	f.OrgID, _ = strconv.ParseInt(q.Get("org"), 10, 64)
	k, _ := strconv.Atoi(q.Get("kind"))
	f.Kind = people.Kind(k)
	var keys []string
	for _, key := range q["tag"] {
		if t, ok := people.ParseTag(key); ok {
			f.Tags |= people.Tags(t)
			keys = append(keys, key)
		}
	}
	return f, keys
}

func (s *Server) personIndex(w http.ResponseWriter, r *http.Request) {
	a := actorOf(r)
	f, keys := filterFrom(r.URL.Query())
	p := &personIndexPage{Page: s.page(r, "persons.title"), F: f, TagKeys: keys}
	p.QKind, _ = people.ClassifyQuery(f.Q)
	var err error
	if p.places, err = s.places(r); err != nil {
		s.fail(w, r, err)
		return
	}
	// The page asked for and the total in one search; a page past the end
	// shows the last one, read again.
	const perPage = 50
	page, _ := strconv.Atoi(r.URL.Query().Get("page"))
	f.Limit, f.Offset = perPage, (max(page, 1)-1)*perPage
	list, total, err := s.People.Search(r.Context(), a, f)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	p.Pager = newPager(r, total, perPage)
	if off := p.Pager.Offset(); off != f.Offset && total > 0 {
		f.Offset = off
		if list, err = s.People.SearchPage(r.Context(), a, f); err != nil {
			s.fail(w, r, err)
			return
		}
	}
	p.Persons = list
	if a.Can(auth.PersonAssign) {
		if p.Liaisons, err = s.People.Liaisons(r.Context(), a); err != nil {
			s.fail(w, r, err)
			return
		}
	}
	s.render(w, r, http.StatusOK, "person_index", p)
}

type personShowPage struct {
	Page
	places
	Person   *people.Person
	Events   []people.Event
	Liaisons []people.Liaison
	// AllLiaisons are the liaisons the actor may assign.
	AllLiaisons []people.Liaison
	Household   *people.Household
	Revealed    map[string]string
	Errors      map[string]string
	Relations   []string
	// Pairings helping the person (or their household), and those where
	// the person is the volunteer.
	Pairings  []*pairing.Pairing
	Volunteer []*pairing.Pairing
}

func (s *Server) personShowWith(w http.ResponseWriter, r *http.Request, code int, revealed, errors map[string]string) {
	a := actorOf(r)
	id, err := pathID(r)
	var p *personShowPage
	if err == nil {
		var person *people.Person
		if person, err = s.People.Get(r.Context(), a, id); err == nil {
			p = &personShowPage{Page: s.page(r, "persons.show_title", person.Name), Person: person, Revealed: revealed, Errors: errors, Relations: people.Relations}
			p.Events, err = s.People.Events(r.Context(), a, id)
		}
	}
	if err == nil {
		p.Liaisons, err = s.People.AssignedLiaisons(r.Context(), a, id)
	}
	if err == nil && p.Person.HouseholdID != 0 {
		p.Household, err = s.People.Household(r.Context(), a, p.Person.HouseholdID)
		if errs.KindOf(err) == errs.NotFound {
			p.Household, err = nil, nil // a liaison may see a person but not their whole household
		}
	}
	if err == nil && a.Can(auth.PersonAssign) {
		p.AllLiaisons, err = s.People.Liaisons(r.Context(), a)
	}
	if err == nil && a.Can(auth.PersonEdit) {
		p.places, err = s.places(r)
	}
	if err == nil && a.Can(auth.PairingView) && s.Pairing != nil {
		if p.Pairings, err = s.Pairing.ForPerson(r.Context(), a, id); err == nil {
			p.Volunteer, err = s.Pairing.ForHelperPerson(r.Context(), a, id)
		}
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, code, "person_show", p)
}

func (s *Server) personShow(w http.ResponseWriter, r *http.Request) {
	s.personShowWith(w, r, http.StatusOK, nil, nil)
}

type personFormPage struct {
	Page
	places
	Person     *people.Person // nil when creating
	In         people.Input
	Errors     map[string]string
	Education  []string
	Political  []string
	ExistingID int64
}

func personInputFrom(r *http.Request) people.Input {
	f := r.PostFormValue
	in := people.Input{Name: f("name"), IDNumber: f("id_number"), Ethnicity: f("ethnicity"), Phone: f("phone"), CurrentAddress: f("current_address"),
		RegisteredAddr: f("registered_address"), Workplace: f("workplace"), Education: f("education"), PoliticalStatus: f("political_status"),
		Note: f("note"), ArrivalDate: f("arrival_date"), Origin: f("origin"), ExpectedLeave: f("expected_leave_date"), PermitNo: f("permit_no"),
		PermitExpiry: f("permit_expiry"), LiaisonPoint: f("liaison_point")}
	k, _ := strconv.Atoi(f("kind"))
	in.Kind = people.Kind(k)
	wk, _ := strconv.Atoi(f("workplace_kind"))
	in.WorkplaceKind = people.WorkplaceKind(wk)
	in.OrgID, _ = strconv.ParseInt(f("org_id"), 10, 64)
	in.BuildingGroupID, _ = strconv.ParseInt(f("building_group_id"), 10, 64)
	in.Version, _ = strconv.Atoi(f("version"))
	for _, key := range r.PostForm["tag"] {
		if t, ok := people.ParseTag(key); ok {
			in.Tags |= people.Tags(t)
		}
	}
	return in
}

func (s *Server) personForm(w http.ResponseWriter, r *http.Request, code int, p *personFormPage) {
	var err error
	if p.places, err = s.places(r); err != nil {
		s.fail(w, r, err)
		return
	}
	p.Education, p.Political = people.EducationLevels, people.PoliticalStatues
	s.render(w, r, code, "person_form", p)
}

func (s *Server) personNew(w http.ResponseWriter, r *http.Request) {
	in := people.Input{Kind: people.Registered}
	in.OrgID, _ = strconv.ParseInt(r.URL.Query().Get("org"), 10, 64)
	if in.OrgID == 0 {
		in.OrgID = actorOf(r).OrgID
	}
	s.personForm(w, r, http.StatusOK, &personFormPage{Page: s.page(r, "persons.new_title"), In: in})
}

func (s *Server) personCreate(w http.ResponseWriter, r *http.Request) {
	in := personInputFrom(r)
	person, err := s.People.Create(r.Context(), actorOf(r), in)
	if e, ok := errs.As(err); ok && (e.Kind == errs.Invalid || e.Kind == errs.Conflict) {
		p := &personFormPage{Page: s.page(r, "persons.new_title"), In: in, Errors: s.fieldErrors(r, e)}
		if e.Kind == errs.Conflict && len(e.Args) > 0 {
			if id, ok := e.Args[0].(int64); ok {
				if _, err := s.People.Get(r.Context(), actorOf(r), id); err == nil {
					p.ExistingID = id
				}
			}
		}
		s.personForm(w, r, status(err), p)
		return
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.flash(w, r, "ok", "persons.created", person.Name)
	http.Redirect(w, r, "/persons/"+strconv.FormatInt(person.ID, 10), http.StatusSeeOther)
}

// personFromPath loads the person named by {id} within the actor's scope;
// when there is none it answers the request itself and returns false.
func (s *Server) personFromPath(w http.ResponseWriter, r *http.Request) (*people.Person, bool) {
	id, err := pathID(r)
	var p *people.Person
	if err == nil {
		p, err = s.People.Get(r.Context(), actorOf(r), id)
	}
	if err != nil {
		s.fail(w, r, err)
		return nil, false
	}
	return p, true
}

func (s *Server) personEdit(w http.ResponseWriter, r *http.Request) {
	person, ok := s.personFromPath(w, r)
	if !ok {
		return
	}
	in := people.Input{Name: person.Name, Ethnicity: person.Ethnicity, Kind: person.Kind, OrgID: person.OrgID, BuildingGroupID: person.BuildingGroupID,
		CurrentAddress: person.CurrentAddress, RegisteredAddr: person.RegisteredAddr, Workplace: person.Workplace, WorkplaceKind: person.WorkplaceKind,
		Education: person.Education, PoliticalStatus: person.PoliticalStatus, Tags: person.Tags, Note: person.Note, ArrivalDate: person.ArrivalDate,
		Origin: person.Origin, ExpectedLeave: person.ExpectedLeave, PermitNo: person.PermitNo, PermitExpiry: person.PermitExpiry,
		LiaisonPoint: person.LiaisonPoint, Version: person.Version}
	s.personForm(w, r, http.StatusOK, &personFormPage{Page: s.page(r, "persons.edit_title", person.Name), Person: person, In: in})
}

func (s *Server) personUpdate(w http.ResponseWriter, r *http.Request) {
	person, ok := s.personFromPath(w, r)
	if !ok {
		return
	}
	// The form never holds the full phone (it is shown masked): an empty
	// phone field keeps the number on record unless clearing is ticked.
	in := personInputFrom(r)
	in.ClearPhone = r.PostFormValue("clear_phone") == "1"
	err := s.People.Update(r.Context(), actorOf(r), person.ID, in)
	if e, ok := errs.As(err); ok && (e.Kind == errs.Invalid || e.Kind == errs.Conflict) {
		if e.Kind == errs.Conflict {
			in.Version = person.Version
		}
		s.personForm(w, r, status(err), &personFormPage{Page: s.page(r, "persons.edit_title", person.Name), Person: person, In: in, Errors: s.fieldErrors(r, e)})
		return
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.flash(w, r, "ok", "persons.saved")
	http.Redirect(w, r, "/persons/"+strconv.FormatInt(person.ID, 10), http.StatusSeeOther)
}

func (s *Server) personReveal(w http.ResponseWriter, r *http.Request) {
	person, ok := s.personFromPath(w, r)
	if !ok {
		return
	}
	field := r.PostFormValue("field")
	value, err := s.People.Reveal(r.Context(), actorOf(r), person.ID, field, r.PostFormValue("reason"))
	if e, ok := errs.As(err); ok && e.Kind == errs.Invalid {
		s.personShowWith(w, r, http.StatusUnprocessableEntity, nil, map[string]string{"reveal_" + field: s.cat.T(info(r).Lang, "err.reason_required")})
		return
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.personShowWith(w, r, http.StatusOK, map[string]string{field: value}, nil)
}

func (s *Server) personLifecycle(w http.ResponseWriter, r *http.Request) {
	person, ok := s.personFromPath(w, r)
	if !ok {
		return
	}
	c := people.Change{Kind: r.PostFormValue("kind"), Date: r.PostFormValue("date"), Note: r.PostFormValue("note")}
	c.OrgID, _ = strconv.ParseInt(r.PostFormValue("org_id"), 10, 64)
	c.BuildingGroupID, _ = strconv.ParseInt(r.PostFormValue("building_group_id"), 10, 64)
	c.Version, _ = strconv.Atoi(r.PostFormValue("version"))
	err := s.People.Lifecycle(r.Context(), actorOf(r), person.ID, c)
	if e, ok := errs.As(err); ok && (e.Kind == errs.Invalid || e.Kind == errs.Conflict) {
		fe := s.fieldErrors(r, e)
		m := map[string]string{}
		for _, v := range fe {
			m["lifecycle"] = v
		}
		s.personShowWith(w, r, status(err), nil, m)
		return
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.flash(w, r, "ok", "persons.lifecycle_done")
	http.Redirect(w, r, "/persons/"+strconv.FormatInt(person.ID, 10), http.StatusSeeOther)
}

func (s *Server) personSetArchived(w http.ResponseWriter, r *http.Request, archived bool) {
	person, ok := s.personFromPath(w, r)
	if !ok {
		return
	}
	err := s.People.SetArchived(r.Context(), actorOf(r), person.ID, archived, r.PostFormValue("reason"))
	if e, ok := errs.As(err); ok && e.Kind == errs.Invalid {
		s.personShowWith(w, r, http.StatusUnprocessableEntity, nil, map[string]string{"archive": s.cat.T(info(r).Lang, "err.reason_required")})
		return
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	key := "persons.archived_done"
	if !archived {
		key = "persons.restored_done"
	}
	s.flash(w, r, "ok", key)
	http.Redirect(w, r, "/persons/"+strconv.FormatInt(person.ID, 10), http.StatusSeeOther)
}

func (s *Server) personArchive(w http.ResponseWriter, r *http.Request) {
	s.personSetArchived(w, r, true)
}
func (s *Server) personRestore(w http.ResponseWriter, r *http.Request) {
	s.personSetArchived(w, r, false)
}

// personHousehold puts the person into a household (by id or 户号 in
// their committee) or takes them out.
func (s *Server) personHousehold(w http.ResponseWriter, r *http.Request) {
	person, ok := s.personFromPath(w, r)
	if !ok {
		return
	}
	hid, _ := strconv.ParseInt(r.PostFormValue("household_id"), 10, 64)
	if r.PostFormValue("leave") == "1" {
		hid = 0
	}
	err := s.People.SetMember(r.Context(), actorOf(r), person.ID, hid, r.PostFormValue("relation"))
	if e, ok := errs.As(err); ok && (e.Kind == errs.Invalid || e.Kind == errs.NotFound) && hid != 0 {
		s.personShowWith(w, r, http.StatusUnprocessableEntity, nil, map[string]string{"household": s.cat.T(info(r).Lang, "err.household_unknown")})
		return
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.flash(w, r, "ok", "persons.saved")
	back := r.PostFormValue("back")
	if back == "household" && hid != 0 {
		http.Redirect(w, r, "/households/"+strconv.FormatInt(hid, 10), http.StatusSeeOther)
		return
	}
	http.Redirect(w, r, "/persons/"+strconv.FormatInt(person.ID, 10), http.StatusSeeOther)
}

// personAssign gives the person to a liaison, or takes them away.
func (s *Server) personAssign(w http.ResponseWriter, r *http.Request) {
	person, ok := s.personFromPath(w, r)
	if !ok {
		return
	}
	uid, _ := strconv.ParseInt(r.PostFormValue("liaison"), 10, 64)
	_, err := s.People.Assign(r.Context(), actorOf(r), uid, []int64{person.ID}, nil, r.PostFormValue("remove") != "1")
	if e, ok := errs.As(err); ok && e.Kind == errs.Invalid {
		s.personShowWith(w, r, http.StatusUnprocessableEntity, nil, map[string]string{"assign": s.cat.T(info(r).Lang, "err.liaison_unknown")})
		return
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.flash(w, r, "ok", "persons.assigned")
	http.Redirect(w, r, "/persons/"+strconv.FormatInt(person.ID, 10), http.StatusSeeOther)
}

// personBulkAssign gives the persons ticked in the list to a liaison.
func (s *Server) personBulkAssign(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		s.fail(w, r, errs.E(errs.Invalid, "err.invalid_form"))
		return
	}
	uid, _ := strconv.ParseInt(r.PostFormValue("liaison"), 10, 64)
	var ids []int64
	for _, v := range r.PostForm["person"] {
		if id, err := strconv.ParseInt(v, 10, 64); err == nil {
			ids = append(ids, id)
		}
	}
	back := safeNext(r.PostFormValue("back"))
	if len(ids) == 0 {
		s.flash(w, r, "error", "persons.none_selected")
		http.Redirect(w, r, back, http.StatusSeeOther)
		return
	}
	n, err := s.People.Assign(r.Context(), actorOf(r), uid, ids, nil, r.PostFormValue("remove") != "1")
	if e, ok := errs.As(err); ok && e.Kind == errs.Invalid {
		s.flash(w, r, "error", "err.liaison_unknown")
		http.Redirect(w, r, back, http.StatusSeeOther)
		return
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.flash(w, r, "ok", "persons.bulk_assigned", n)
	http.Redirect(w, r, back, http.StatusSeeOther)
}
