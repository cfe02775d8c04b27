package web

import (
	"net/http"
	"strconv"
	"strings"

	"shiliu/internal/auth"
	"shiliu/internal/errs"
	"shiliu/internal/honour"
	"shiliu/internal/org"
	"shiliu/internal/people"
)

type honourIndexPage struct {
	Page
	Honours []*honour.Honour
	Pager   Pager
	Kinds   []honour.Kind
	Units   []*org.Unit
	Years   []int
	Year    int
	KindID  int64
	Status  string
	OrgID   int64
}

// queryID reads a numeric query parameter (0 when absent or bad).
func queryID(r *http.Request, name string) int64 {
	id, _ := strconv.ParseInt(r.URL.Query().Get(name), 10, 64)
	return id
}

func (s *Server) honourIndex(w http.ResponseWriter, r *http.Request) {
	a := actorOf(r)
	q := r.URL.Query()
	p := &honourIndexPage{Page: s.page(r, "honours.title"), KindID: queryID(r, "kind"), Status: q.Get("status"), OrgID: queryID(r, "org")}
	p.Year, _ = strconv.Atoi(q.Get("year"))
	for y := s.Honour.Year() + 1; y >= s.Honour.Year()-4; y-- {
		p.Years = append(p.Years, y)
	}
	var err error
	if p.Kinds, err = s.Honour.Kinds(r.Context(), a); err == nil {
		p.Units, err = s.Org.Tree(r.Context(), a, false)
	}
	f := honour.Filter{Year: p.Year, KindID: p.KindID, Status: honour.Status(p.Status), OrgID: p.OrgID}
	if err == nil {
		p.Honours, p.Pager, err = listPage(r, 50, func(limit, offset int) ([]*honour.Honour, int, error) {
			f.Limit, f.Offset = limit, offset
			return s.Honour.List(r.Context(), a, f)
		})
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "honour_index", p)
}

type honourFormPage struct {
	Page
	Kinds      []honour.Kind
	Households []*people.Household
	Persons    []*people.Person
	Groups     []*org.Unit
	Units      []*org.Unit
	In         honour.Input
	Errors     map[string]string
}

func (s *Server) honourForm(w http.ResponseWriter, r *http.Request, code int, p *honourFormPage) {
	a := actorOf(r)
	ctx := r.Context()
	var err error
	if p.Kinds, err = s.Honour.Kinds(ctx, a); err == nil {
		p.Units, err = s.Org.Tree(ctx, a, false)
	}
	for _, u := range p.Units {
		if u.Kind == org.BuildingGroup {
			p.Groups = append(p.Groups, u)
		}
	}
	if err == nil && a.Can(auth.PersonView) {
		if p.Households, _, err = s.People.Households(ctx, a, people.HouseholdFilter{Limit: 500}); err == nil {
			p.Persons, err = s.People.SearchPage(ctx, a, people.Filter{Limit: 500})
		}
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, code, "honour_form", p)
}

func (s *Server) honourNew(w http.ResponseWriter, r *http.Request) {
	in := honour.Input{Year: s.Honour.Year(), HouseholdID: queryID(r, "household"), UnitID: queryID(r, "unit"), KindCode: r.URL.Query().Get("kind")}
	switch {
	case in.KindCode != "":
	case in.HouseholdID != 0:
		in.KindCode = honour.KindCivilisedFamily
	case in.UnitID != 0:
		in.KindCode = honour.KindFeaturedGroup
	}
	s.honourForm(w, r, http.StatusOK, &honourFormPage{Page: s.page(r, "honours.new_title"), In: in})
}

func (s *Server) honourCreate(w http.ResponseWriter, r *http.Request) {
	in := honour.Input{KindID: formID(r, "kind_id"), HouseholdID: formID(r, "household_id"), PersonID: formID(r, "person_id"), UnitID: formID(r, "unit_id"),
		Collective: r.PostFormValue("collective"), Deeds: r.PostFormValue("deeds")}
	in.Year, _ = strconv.Atoi(r.PostFormValue("year"))
	h, err := s.Honour.Nominate(r.Context(), actorOf(r), in)
	if e, ok := errs.As(err); ok && e.Kind == errs.Invalid {
		s.honourForm(w, r, status(err), &honourFormPage{Page: s.page(r, "honours.new_title"), In: in, Errors: s.fieldErrors(r, e)})
		return
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.flash(w, r, "ok", "honours.nominated")
	http.Redirect(w, r, "/honours/"+strconv.FormatInt(h.ID, 10), http.StatusSeeOther)
}

type honourShowPage struct {
	Page
	H *honour.Honour
}

func (s *Server) honourFromPath(w http.ResponseWriter, r *http.Request) (*honour.Honour, bool) {
	id, err := pathID(r)
	var h *honour.Honour
	if err == nil {
		h, err = s.Honour.Get(r.Context(), actorOf(r), id)
	}
	if err != nil {
		s.fail(w, r, err)
		return nil, false
	}
	return h, true
}

func (s *Server) honourShow(w http.ResponseWriter, r *http.Request) {
	h, ok := s.honourFromPath(w, r)
	if !ok {
		return
	}
	s.render(w, r, http.StatusOK, "honour_show", &honourShowPage{Page: s.page(r, "honours.show_title", h.KindName), H: h})
}

func (s *Server) honourCertificate(w http.ResponseWriter, r *http.Request) {
	h, ok := s.honourFromPath(w, r)
	if !ok {
		return
	}
	if h.Status != honour.Granted {
		s.flash(w, r, "error", "honours.no_certificate")
		http.Redirect(w, r, "/honours/"+strconv.FormatInt(h.ID, 10), http.StatusSeeOther)
		return
	}
	s.render(w, r, http.StatusOK, "honour_certificate", &honourShowPage{Page: s.page(r, "honours.certificate_title"), H: h})
}

// honourStep runs one workflow step from a form and returns to the honour.
func (s *Server) honourStep(w http.ResponseWriter, r *http.Request, done string, step func(id int64, version int) error) {
	id, err := pathID(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	version, _ := strconv.Atoi(r.PostFormValue("version"))
	err = step(id, version)
	if e, ok := errs.As(err); ok && (e.Kind == errs.Invalid || e.Kind == errs.Conflict) {
		s.flash(w, r, "error", firstKey(e))
		http.Redirect(w, r, "/honours/"+strconv.FormatInt(id, 10), http.StatusSeeOther)
		return
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.flash(w, r, "ok", done)
	http.Redirect(w, r, "/honours/"+strconv.FormatInt(id, 10), http.StatusSeeOther)
}

func (s *Server) honourReview(w http.ResponseWriter, r *http.Request) {
	s.honourStep(w, r, "honours.reviewed_ok", func(id int64, version int) error {
		_, err := s.Honour.Review(r.Context(), actorOf(r), id, version, r.PostFormValue("note"))
		return err
	})
}

func (s *Server) honourGrant(w http.ResponseWriter, r *http.Request) {
	s.honourStep(w, r, "honours.granted_ok", func(id int64, version int) error {
		_, err := s.Honour.Grant(r.Context(), actorOf(r), id, version)
		return err
	})
}

func (s *Server) honourRefuse(w http.ResponseWriter, r *http.Request) {
	s.honourStep(w, r, "honours.refused_ok", func(id int64, version int) error {
		_, err := s.Honour.Refuse(r.Context(), actorOf(r), id, version, r.PostFormValue("reason"))
		return err
	})
}

type honourKindsPage struct {
	Page
	Kinds  []honour.Kind
	Name   string
	Errors map[string]string
}

func (s *Server) honourKindsPage(w http.ResponseWriter, r *http.Request, code int, p *honourKindsPage) {
	var err error
	if p.Kinds, err = s.Honour.Kinds(r.Context(), actorOf(r)); err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, code, "honour_kinds", p)
}

func (s *Server) honourKinds(w http.ResponseWriter, r *http.Request) {
	s.honourKindsPage(w, r, http.StatusOK, &honourKindsPage{Page: s.page(r, "honours.kinds_title")})
}

func (s *Server) honourKindCreate(w http.ResponseWriter, r *http.Request) {
	name := strings.TrimSpace(r.PostFormValue("name"))
	_, err := s.Honour.AddKind(r.Context(), actorOf(r), name, honour.Recipient(r.PostFormValue("recipient")))
	if e, ok := errs.As(err); ok && e.Kind == errs.Invalid {
		s.honourKindsPage(w, r, status(err), &honourKindsPage{Page: s.page(r, "honours.kinds_title"), Name: name, Errors: s.fieldErrors(r, e)})
		return
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.flash(w, r, "ok", "honours.kind_added")
	http.Redirect(w, r, "/honours/kinds", http.StatusSeeOther)
}

// honoursOf lists the honours of a household or of a unit (a building
// group's own) for their pages; nil when the actor may not read them.
func (s *Server) honoursOf(r *http.Request, f honour.Filter) ([]*honour.Honour, error) {
	if !actorOf(r).Can(auth.CommunityView) || s.Honour == nil {
		return nil, nil
	}
	f.Limit = 100
	list, _, err := s.Honour.List(r.Context(), actorOf(r), f)
	return list, err
}
