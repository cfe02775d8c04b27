package web

import (
	"net/http"
	"strconv"
	"strings"

	"shiliu/internal/auth"
	"shiliu/internal/errs"
	"shiliu/internal/honour"
	"shiliu/internal/pairing"
	"shiliu/internal/people"
)

type householdIndexPage struct {
	Page
	places
	Households []*people.Household
	Pager      Pager
	Q          string
	OrgID      int64
	Mixed      bool
}

func (s *Server) householdIndex(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	p := &householdIndexPage{Page: s.page(r, "households.title"), Q: strings.TrimSpace(q.Get("q")), Mixed: q.Get("mixed") == "1"}
	p.OrgID, _ = strconv.ParseInt(q.Get("org"), 10, 64)
	var err error
	if p.places, err = s.places(r); err != nil {
		s.fail(w, r, err)
		return
	}
	f := people.HouseholdFilter{Q: p.Q, OrgID: p.OrgID, Mixed: p.Mixed}
	p.Households, p.Pager, err = listPage(r, 50, func(limit, offset int) ([]*people.Household, int, error) {
		f.Limit, f.Offset = limit, offset
		return s.People.Households(r.Context(), actorOf(r), f)
	})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "household_index", p)
}

type householdShowPage struct {
	Page
	places
	Household   *people.Household
	In          people.HouseholdInput
	Errors      map[string]string
	Relations   []string
	AllLiaisons []people.Liaison
	Pairings    []*pairing.Pairing
	// Honours are the household's (民族团结文明家庭 …).
	Honours []*honour.Honour
}

func householdInputFrom(r *http.Request) people.HouseholdInput {
	in := people.HouseholdInput{Code: r.PostFormValue("code"), Address: r.PostFormValue("address"), Note: r.PostFormValue("note")}
	in.OrgID, _ = strconv.ParseInt(r.PostFormValue("org_id"), 10, 64)
	in.BuildingGroupID, _ = strconv.ParseInt(r.PostFormValue("building_group_id"), 10, 64)
	in.Version, _ = strconv.Atoi(r.PostFormValue("version"))
	return in
}

func (s *Server) householdPage(w http.ResponseWriter, r *http.Request, code int, p *householdShowPage) {
	var err error
	if actorOf(r).Can(auth.PersonEdit) {
		p.places, err = s.places(r)
	}
	if err == nil && actorOf(r).Can(auth.PersonAssign) {
		p.AllLiaisons, err = s.People.Liaisons(r.Context(), actorOf(r))
	}
	if err == nil && p.Household != nil && actorOf(r).Can(auth.PairingView) && s.Pairing != nil {
		p.Pairings, err = s.Pairing.ForHousehold(r.Context(), actorOf(r), p.Household.ID)
	}
	if err == nil && p.Household != nil {
		p.Honours, err = s.honoursOf(r, honour.Filter{HouseholdID: p.Household.ID})
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	p.Relations = people.Relations
	name := "household_show"
	if p.Household == nil {
		name = "household_form"
	}
	s.render(w, r, code, name, p)
}

func (s *Server) householdNew(w http.ResponseWriter, r *http.Request) {
	in := people.HouseholdInput{OrgID: actorOf(r).OrgID}
	s.householdPage(w, r, http.StatusOK, &householdShowPage{Page: s.page(r, "households.new_title"), In: in})
}

func (s *Server) householdCreate(w http.ResponseWriter, r *http.Request) {
	in := householdInputFrom(r)
	h, err := s.People.CreateHousehold(r.Context(), actorOf(r), in)
	if e, ok := errs.As(err); ok && e.Kind == errs.Invalid {
		s.householdPage(w, r, http.StatusUnprocessableEntity, &householdShowPage{Page: s.page(r, "households.new_title"), In: in, Errors: s.fieldErrors(r, e)})
		return
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.flash(w, r, "ok", "households.created")
	http.Redirect(w, r, "/households/"+strconv.FormatInt(h.ID, 10), http.StatusSeeOther)
}

// householdFromPath loads the household named by {id} within scope; when
// there is none it answers the request itself and returns false.
func (s *Server) householdFromPath(w http.ResponseWriter, r *http.Request) (*people.Household, bool) {
	id, err := pathID(r)
	var h *people.Household
	if err == nil {
		h, err = s.People.Household(r.Context(), actorOf(r), id)
	}
	if err != nil {
		s.fail(w, r, err)
		return nil, false
	}
	return h, true
}

func (s *Server) householdShow(w http.ResponseWriter, r *http.Request) {
	h, ok := s.householdFromPath(w, r)
	if !ok {
		return
	}
	in := people.HouseholdInput{OrgID: h.OrgID, BuildingGroupID: h.BuildingGroupID, Code: h.Code, Address: h.Address, Note: h.Note, Version: h.Version}
	s.householdPage(w, r, http.StatusOK, &householdShowPage{Page: s.page(r, "households.show_title", h.Code), Household: h, In: in})
}

func (s *Server) householdUpdate(w http.ResponseWriter, r *http.Request) {
	h, ok := s.householdFromPath(w, r)
	if !ok {
		return
	}
	in := householdInputFrom(r)
	err := s.People.UpdateHousehold(r.Context(), actorOf(r), h.ID, in)
	if e, ok := errs.As(err); ok && (e.Kind == errs.Invalid || e.Kind == errs.Conflict) {
		if e.Kind == errs.Conflict {
			in.Version = h.Version
		}
		s.householdPage(w, r, status(err), &householdShowPage{Page: s.page(r, "households.show_title", h.Code), Household: h, In: in, Errors: s.fieldErrors(r, e)})
		return
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.flash(w, r, "ok", "households.saved")
	http.Redirect(w, r, "/households/"+strconv.FormatInt(h.ID, 10), http.StatusSeeOther)
}

// householdAddMember adds a person, found by ID number or by record id,
// to the household.
func (s *Server) householdAddMember(w http.ResponseWriter, r *http.Request) {
	h, ok := s.householdFromPath(w, r)
	if !ok {
		return
	}
	a := actorOf(r)
	var person *people.Person
	var err error
	if q := strings.TrimSpace(r.PostFormValue("id_number")); q != "" {
		person, err = s.People.FindByID(r.Context(), a, q)
	} else {
		pid, _ := strconv.ParseInt(r.PostFormValue("person_id"), 10, 64)
		person, err = s.People.Get(r.Context(), a, pid)
	}
	if err == nil {
		err = s.People.SetMember(r.Context(), a, person.ID, h.ID, r.PostFormValue("relation"))
	}
	if errs.KindOf(err) == errs.NotFound || errs.KindOf(err) == errs.Invalid {
		in := people.HouseholdInput{OrgID: h.OrgID, BuildingGroupID: h.BuildingGroupID, Code: h.Code, Address: h.Address, Note: h.Note, Version: h.Version}
		s.householdPage(w, r, http.StatusUnprocessableEntity, &householdShowPage{Page: s.page(r, "households.show_title", h.Code), Household: h, In: in,
			Errors: map[string]string{"member": s.cat.T(info(r).Lang, "err.member_not_found")}})
		return
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.flash(w, r, "ok", "households.member_added", person.Name)
	http.Redirect(w, r, "/households/"+strconv.FormatInt(h.ID, 10), http.StatusSeeOther)
}

// householdAssign gives the household to a liaison, or takes it away.
func (s *Server) householdAssign(w http.ResponseWriter, r *http.Request) {
	h, ok := s.householdFromPath(w, r)
	if !ok {
		return
	}
	uid, _ := strconv.ParseInt(r.PostFormValue("liaison"), 10, 64)
	_, err := s.People.Assign(r.Context(), actorOf(r), uid, nil, []int64{h.ID}, r.PostFormValue("remove") != "1")
	if e, ok := errs.As(err); ok && e.Kind == errs.Invalid {
		s.flash(w, r, "error", "err.liaison_unknown")
	} else if err != nil {
		s.fail(w, r, err)
		return
	} else {
		s.flash(w, r, "ok", "persons.assigned")
	}
	http.Redirect(w, r, "/households/"+strconv.FormatInt(h.ID, 10), http.StatusSeeOther)
}

type qualityPage struct {
	Page
	Counts     *people.Quality
	List       string
	Persons    []*people.Person
	Pager      Pager
	Duplicates []people.DuplicatePair
}

var qualityLists = map[string]people.QualityList{"no_household": people.ListNoHousehold, "committee_gone": people.ListCommitteeGone,
	"over_stay": people.ListOverStay, "permit_expired": people.ListPermitExpired, "permit_expiring": people.ListPermitExpiring}

func (s *Server) quality(w http.ResponseWriter, r *http.Request) {
	a := actorOf(r)
	p := &qualityPage{Page: s.page(r, "quality.title"), List: r.URL.Query().Get("list")}
	var err error
	if p.Counts, err = s.People.QualityCounts(r.Context(), a); err != nil {
		s.fail(w, r, err)
		return
	}
	if p.List == "" {
		p.List = "duplicates"
	}
	if l, ok := qualityLists[p.List]; ok {
		_, total, err := s.People.QualityPersons(r.Context(), a, l, 1, 0)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		p.Pager = newPager(r, total, 50)
		if p.Persons, _, err = s.People.QualityPersons(r.Context(), a, l, p.Pager.PerPage, p.Pager.Offset()); err != nil {
			s.fail(w, r, err)
			return
		}
	} else {
		p.List = "duplicates"
		if p.Duplicates, err = s.People.Duplicates(r.Context(), a, 200); err != nil {
			s.fail(w, r, err)
			return
		}
	}
	s.render(w, r, http.StatusOK, "quality", p)
}

func (s *Server) qualityMerge(w http.ResponseWriter, r *http.Request) {
	keep, _ := strconv.ParseInt(r.PostFormValue("keep"), 10, 64)
	drop, _ := strconv.ParseInt(r.PostFormValue("drop"), 10, 64)
	err := s.People.Merge(r.Context(), actorOf(r), keep, drop)
	if e, ok := errs.As(err); ok && e.Kind == errs.Invalid {
		s.flash(w, r, "error", e.Key)
		http.Redirect(w, r, "/quality", http.StatusSeeOther)
		return
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.flash(w, r, "ok", "quality.merged")
	http.Redirect(w, r, "/persons/"+strconv.FormatInt(keep, 10), http.StatusSeeOther)
}
