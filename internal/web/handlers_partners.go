package web

import (
	"net/http"
	"strconv"

	"shiliu/internal/errs"
	"shiliu/internal/partner"
)

type partnerIndexPage struct {
	Page
	Partners []*partner.Partner
	Pager    Pager
	F        partner.Filter
}

func partnerFilter(r *http.Request) partner.Filter {
	q := r.URL.Query()
	return partner.Filter{Q: q.Get("q"), Type: partner.Type(q.Get("type")), Ending: q.Get("ending") == "1", WithInactive: q.Get("all") == "1"}
}

func (s *Server) partnerIndex(w http.ResponseWriter, r *http.Request) {
	f := partnerFilter(r)
	p := &partnerIndexPage{Page: s.page(r, "partners.title"), F: f}
	var err error
	p.Partners, p.Pager, err = listPage(r, 50, func(limit, offset int) ([]*partner.Partner, int, error) {
		f.Limit, f.Offset = limit, offset
		return s.Partner.List(r.Context(), actorOf(r), f)
	})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "partner_index", p)
}

type partnerFormPage struct {
	Page
	places
	Partner *partner.Partner
	In      partner.Input
	Errors  map[string]string
}

func partnerInputFrom(r *http.Request) partner.Input {
	f := r.PostFormValue
	in := partner.Input{Name: f("name"), Type: partner.Type(f("type")), ContactName: f("contact_name"), ContactPhone: f("contact_phone"),
		Address: f("address"), Note: f("note"), Active: f("active") == "1"}
	in.OrgID, _ = strconv.ParseInt(f("org_id"), 10, 64)
	in.Version, _ = strconv.Atoi(f("version"))
	return in
}

func (s *Server) partnerForm(w http.ResponseWriter, r *http.Request, code int, p *partnerFormPage) {
	var err error
	if p.places, err = s.places(r); err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, code, "partner_form", p)
}

func (s *Server) partnerNew(w http.ResponseWriter, r *http.Request) {
	s.partnerForm(w, r, http.StatusOK, &partnerFormPage{Page: s.page(r, "partners.new"), In: partner.Input{OrgID: actorOf(r).OrgID, Type: partner.Restaurant}})
}

func (s *Server) partnerCreate(w http.ResponseWriter, r *http.Request) {
	in := partnerInputFrom(r)
	x, err := s.Partner.Create(r.Context(), actorOf(r), in)
	if e, ok := errs.As(err); ok && e.Kind == errs.Invalid {
		s.partnerForm(w, r, status(err), &partnerFormPage{Page: s.page(r, "partners.new"), In: in, Errors: s.fieldErrors(r, e)})
		return
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.flash(w, r, "ok", "partners.saved")
	http.Redirect(w, r, "/partners/"+strconv.FormatInt(x.ID, 10), http.StatusSeeOther)
}

func (s *Server) partnerEdit(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	var x *partner.Partner
	if err == nil {
		x, err = s.Partner.Get(r.Context(), actorOf(r), id)
	}
	if err == nil && !partner.MayEdit(actorOf(r), x) {
		err = errs.ErrOutOfScope
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	in := partner.Input{OrgID: x.OrgID, Name: x.Name, Type: x.Type, ContactName: x.ContactName, ContactPhone: x.ContactPhone, Address: x.Address,
		Note: x.Note, Active: x.Active, Version: x.Version}
	s.partnerForm(w, r, http.StatusOK, &partnerFormPage{Page: s.page(r, "partners.edit"), Partner: x, In: in})
}

func (s *Server) partnerUpdate(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	in := partnerInputFrom(r)
	x, err := s.Partner.Update(r.Context(), actorOf(r), id, in)
	if e, ok := errs.As(err); ok && e.Kind == errs.Invalid {
		old, _ := s.Partner.Get(r.Context(), actorOf(r), id)
		s.partnerForm(w, r, status(err), &partnerFormPage{Page: s.page(r, "partners.edit"), Partner: old, In: in, Errors: s.fieldErrors(r, e)})
		return
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.flash(w, r, "ok", "partners.saved")
	http.Redirect(w, r, "/partners/"+strconv.FormatInt(x.ID, 10), http.StatusSeeOther)
}

type partnerShowPage struct {
	Page
	Partner    *partner.Partner
	Activities []partner.Activity
	MayEdit    bool
	MayOpen    bool
	// In and Errors are the new agreement form's; EditIn and EditErrors
	// the form of agreement EditID, sent back.
	In         partner.AgreementInput
	Errors     map[string]string
	EditID     int64
	EditIn     partner.AgreementInput
	EditErrors map[string]string
}

func (s *Server) partnerPage(w http.ResponseWriter, r *http.Request, code int, id int64, in partner.AgreementInput, fieldErrs map[string]string) {
	s.partnerPageWith(w, r, code, id, func(p *partnerShowPage) { p.In, p.Errors = in, fieldErrs })
}

// partnerPageWith renders a partner's page, with set filling in a form
// sent back.
func (s *Server) partnerPageWith(w http.ResponseWriter, r *http.Request, code int, id int64, set func(*partnerShowPage)) {
	a := actorOf(r)
	x, err := s.Partner.Get(r.Context(), a, id)
	var acts []partner.Activity
	if err == nil {
		acts, err = s.Partner.Activities(r.Context(), a, id)
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	p := &partnerShowPage{Page: s.page(r, "partners.title"), Partner: x, Activities: acts, MayEdit: partner.MayEdit(a, x), MayOpen: partner.MayOpenFiles(a, x)}
	set(p)
	p.Title = x.Name
	s.render(w, r, code, "partner_show", p)
}

func (s *Server) partnerShow(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.partnerPage(w, r, http.StatusOK, id, partner.AgreementInput{}, nil)
}

func (s *Server) agreementCreate(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	in, done, err := agreementForm(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	defer done()
	_, err = s.Partner.AddAgreement(r.Context(), actorOf(r), id, in)
	if e, ok := errs.As(err); ok && e.Kind == errs.Invalid {
		in.File = nil
		s.partnerPage(w, r, status(err), id, in, s.fieldErrors(r, e))
		return
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.flash(w, r, "ok", "partners.agreement_saved")
	http.Redirect(w, r, "/partners/"+strconv.FormatInt(id, 10), http.StatusSeeOther)
}

func (s *Server) agreementFile(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	f, err := s.Partner.OpenFile(r.Context(), actorOf(r), id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	serveStored(w, r, f)
}

// agreementUpdate changes or renews an agreement from the form on its
// partner's page (a new scan replaces the old one).
func (s *Server) agreementUpdate(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	in, done, err := agreementForm(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	defer done()
	a := actorOf(r)
	g, err := s.Partner.Agreement(r.Context(), a, id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	version, _ := strconv.Atoi(r.FormValue("version"))
	_, err = s.Partner.UpdateAgreement(r.Context(), a, id, version, in)
	if e, ok := errs.As(err); ok && (e.Kind == errs.Invalid || e.Kind == errs.Conflict) {
		in.File = nil
		msgs := s.fieldErrors(r, e)
		s.partnerPageWith(w, r, status(err), g.PartnerID, func(p *partnerShowPage) { p.EditIn, p.EditErrors, p.EditID = in, msgs, id })
		return
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.flash(w, r, "ok", "partners.agreement_saved")
	http.Redirect(w, r, "/partners/"+strconv.FormatInt(g.PartnerID, 10)+"#agreement-"+strconv.FormatInt(id, 10), http.StatusSeeOther)
}

// agreementForm reads an agreement's form, with its scan if one was sent;
// done closes the scan.
func agreementForm(r *http.Request) (partner.AgreementInput, func(), error) {
	if err := r.ParseMultipartForm(1 << 20); err != nil && err != http.ErrNotMultipart {
		return partner.AgreementInput{}, nil, errs.InvalidFields(map[string]string{"file": "err.attachment_too_large"})
	}
	f := r.FormValue
	in := partner.AgreementInput{Title: f("title"), SignedOn: f("signed_on"), StartsOn: f("starts_on"), EndsOn: f("ends_on"), Note: f("note")}
	done := func() {}
	if file, hdr, err := r.FormFile("file"); err == nil {
		in.File, in.FileName, done = file, hdr.Filename, func() { file.Close() }
	}
	return in, done, nil
}
