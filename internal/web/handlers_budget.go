package web

import (
	"net/http"
	"slices"
	"strconv"

	"shiliu/internal/auth"
	"shiliu/internal/budget"
	"shiliu/internal/errs"
	"shiliu/internal/org"
)

type budgetIndexPage struct {
	Page
	Units    []*org.Unit
	OrgID    int64
	OrgName  string
	Year     int
	Years    []int
	Exec     *budget.Execution
	Lines    []budget.Line
	Purposes []budget.Purpose
	Amounts  map[string]string
	Errors   map[string]string
}

// unitYear reads the unit (default: the actor's) and year (default: this
// year) of a budget page.
func (s *Server) unitYear(r *http.Request, form bool) (int64, int) {
	get := r.URL.Query().Get
	if form {
		get = r.PostFormValue
	}
	id, _ := strconv.ParseInt(get("org"), 10, 64)
	if id == 0 {
		id, _ = strconv.ParseInt(get("org_id"), 10, 64)
	}
	if id == 0 {
		id = actorOf(r).OrgID
	}
	year, _ := strconv.Atoi(get("year"))
	if year == 0 {
		year = s.Budget.Year()
	}
	return id, year
}

func (s *Server) budgetPage(w http.ResponseWriter, r *http.Request, code int, p *budgetIndexPage) {
	a := actorOf(r)
	ctx := r.Context()
	p.Purposes = budget.Purposes
	this := s.Budget.Year()
	for y := this + 1; y >= this-3; y-- {
		p.Years = append(p.Years, y)
	}
	var err error
	if p.Units, err = s.Org.Tree(ctx, a, false); err == nil {
		p.Exec, err = s.Budget.Execution(ctx, a, p.OrgID, p.Year)
	}
	if err == nil && a.Can(auth.BudgetEdit) {
		p.Lines, err = s.Budget.Lines(ctx, a, p.OrgID, p.Year)
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	for _, u := range p.Units {
		if u.ID == p.OrgID {
			p.OrgName = u.Name
		}
	}
	s.render(w, r, code, "budget_index", p)
}

func (s *Server) budgetIndex(w http.ResponseWriter, r *http.Request) {
	p := &budgetIndexPage{Page: s.page(r, "budget.title")}
	p.OrgID, p.Year = s.unitYear(r, false)
	s.budgetPage(w, r, http.StatusOK, p)
}

func (s *Server) budgetSet(w http.ResponseWriter, r *http.Request) {
	in := budget.BudgetInput{Amounts: map[budget.Purpose]string{}, Versions: map[budget.Purpose]int{}}
	in.OrgID, in.Year = s.unitYear(r, true)
	amounts := map[string]string{}
	for _, pu := range budget.Purposes {
		in.Amounts[pu] = r.PostFormValue("amount_" + string(pu))
		amounts[string(pu)] = in.Amounts[pu]
		in.Versions[pu], _ = strconv.Atoi(r.PostFormValue("version_" + string(pu)))
	}
	err := s.Budget.SetBudget(r.Context(), actorOf(r), in)
	if e, ok := errs.As(err); ok && (e.Kind == errs.Invalid || e.Kind == errs.Conflict) {
		p := &budgetIndexPage{Page: s.page(r, "budget.title"), OrgID: in.OrgID, Year: in.Year, Amounts: amounts, Errors: s.fieldErrors(r, e)}
		if p.OrgID != actorOf(r).OrgID && e.Fields["org_id"] != "" {
			p.OrgID = actorOf(r).OrgID
		}
		s.budgetPage(w, r, status(err), p)
		return
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.flash(w, r, "ok", "budget.saved")
	http.Redirect(w, r, "/budget?org="+strconv.FormatInt(in.OrgID, 10)+"&year="+strconv.Itoa(in.Year), http.StatusSeeOther)
}

type spendingIndexPage struct {
	Page
	Units     []*org.Unit
	Spendings []*budget.Spending
	Pager     Pager
	SumFen    int64
	F         budget.SpendFilter
	Years     []int
	Purposes  []budget.Purpose
}

func (s *Server) spendingIndex(w http.ResponseWriter, r *http.Request) {
	a := actorOf(r)
	q := r.URL.Query()
	p := &spendingIndexPage{Page: s.page(r, "budget.spending_title"), Purposes: budget.Purposes}
	p.F.OrgID, p.F.Year = queryID(r, "org"), s.Budget.Year()
	if y, err := strconv.Atoi(q.Get("year")); err == nil {
		p.F.Year = y
	}
	p.F.Month, _ = strconv.Atoi(q.Get("month"))
	p.F.Purpose, p.F.WithVoid = budget.Purpose(q.Get("purpose")), q.Get("void") == "1"
	for y := p.F.Year + 1; y >= s.Budget.Year()-3 && y >= p.F.Year-3; y-- {
		p.Years = append(p.Years, y)
	}
	var err error
	if p.Units, err = s.Org.Tree(r.Context(), a, false); err == nil {
		f := p.F
		p.Spendings, p.Pager, err = listPage(r, 50, func(limit, offset int) ([]*budget.Spending, int, error) {
			f.Limit, f.Offset = limit, offset
			list, n, sum, err := s.Budget.Spendings(r.Context(), a, f)
			p.SumFen = sum
			return list, n, err
		})
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "spending_index", p)
}

type spendingFormPage struct {
	Page
	Units    []*org.Unit
	Links    *budget.LinkOptions
	Purposes []budget.Purpose
	In       budget.SpendInput
	Errors   map[string]string
}

func (s *Server) spendingForm(w http.ResponseWriter, r *http.Request, code int, p *spendingFormPage) {
	a := actorOf(r)
	p.Purposes = budget.Purposes
	var err error
	if p.Units, err = s.Org.Tree(r.Context(), a, false); err == nil {
		p.Links, err = s.Budget.Links(r.Context(), a, s.Budget.Year())
	}
	if err == nil && p.In.ActivityID != 0 && !slices.ContainsFunc(p.Links.Activities, func(o budget.Option) bool { return o.ID == p.In.ActivityID }) {
		// the activity the form was opened from, though of another year
		if x, xerr := s.Activity.Get(r.Context(), a, p.In.ActivityID); xerr == nil {
			p.Links.Activities = append([]budget.Option{{ID: x.ID, Name: x.Date() + " " + x.Title}}, p.Links.Activities...)
		}
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, code, "spending_form", p)
}

func (s *Server) spendingNew(w http.ResponseWriter, r *http.Request) {
	in := budget.SpendInput{OrgID: actorOf(r).OrgID, Date: s.Budget.Today(), Purpose: budget.Purpose(r.URL.Query().Get("purpose")), ActivityID: queryID(r, "activity")}
	if id := queryID(r, "org"); id != 0 {
		in.OrgID = id
	}
	s.spendingForm(w, r, http.StatusOK, &spendingFormPage{Page: s.page(r, "budget.spend_title"), In: in})
}

func (s *Server) spendingCreate(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseMultipartForm(1 << 20); err != nil && err != http.ErrNotMultipart {
		s.fail(w, r, errs.InvalidFields(map[string]string{"receipt": "err.receipt_too_large"}))
		return
	}
	in := budget.SpendInput{OrgID: formID(r, "org_id"), Date: r.FormValue("date"), Purpose: budget.Purpose(r.FormValue("purpose")), Amount: r.FormValue("amount"),
		Payee: r.FormValue("payee"), Note: r.FormValue("note"), ActivityID: formID(r, "activity_id"), PairingID: formID(r, "pairing_id"),
		PartnerID: formID(r, "partner_id"), OverReason: r.FormValue("over_reason")}
	if r.MultipartForm != nil {
		for _, fh := range r.MultipartForm.File["receipt"] {
			f, err := fh.Open()
			if err != nil {
				s.fail(w, r, err)
				return
			}
			defer f.Close()
			in.Receipts = append(in.Receipts, budget.Receipt{Name: fh.Filename, R: f})
		}
	}
	x, err := s.Budget.Spend(r.Context(), actorOf(r), in)
	if e, ok := errs.As(err); ok && e.Kind == errs.Invalid {
		in.Receipts = nil
		s.spendingForm(w, r, status(err), &spendingFormPage{Page: s.page(r, "budget.spend_title"), In: in, Errors: s.fieldErrors(r, e)})
		return
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.flash(w, r, "ok", "budget.spent_ok")
	http.Redirect(w, r, "/budget/spending/"+strconv.FormatInt(x.ID, 10), http.StatusSeeOther)
}

type spendingShowPage struct {
	Page
	X      *budget.Spending
	Errors map[string]string
}

func (s *Server) spendingShowWith(w http.ResponseWriter, r *http.Request, code int, errors map[string]string) {
	id, err := pathID(r)
	var x *budget.Spending
	if err == nil {
		x, err = s.Budget.Spending(r.Context(), actorOf(r), id)
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, code, "spending_show", &spendingShowPage{Page: s.page(r, "budget.entry_title", x.ID), X: x, Errors: errors})
}

func (s *Server) spendingShow(w http.ResponseWriter, r *http.Request) {
	s.spendingShowWith(w, r, http.StatusOK, nil)
}

func (s *Server) spendingVoid(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err == nil {
		version, _ := strconv.Atoi(r.PostFormValue("version"))
		err = s.Budget.Void(r.Context(), actorOf(r), id, version, r.PostFormValue("reason"))
	}
	if e, ok := errs.As(err); ok && (e.Kind == errs.Invalid || e.Kind == errs.Conflict) {
		s.spendingShowWith(w, r, status(err), s.fieldErrors(r, e))
		return
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.flash(w, r, "ok", "budget.voided_ok")
	http.Redirect(w, r, "/budget/spending/"+strconv.FormatInt(id, 10), http.StatusSeeOther)
}

func (s *Server) spendingReceipt(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if err := r.ParseMultipartForm(1 << 20); err != nil && err != http.ErrNotMultipart {
		s.spendingShowWith(w, r, http.StatusUnprocessableEntity, map[string]string{"receipt": s.cat.T(info(r).Lang, "err.receipt_too_large")})
		return
	}
	f, hdr, ferr := r.FormFile("receipt")
	if ferr == nil {
		defer f.Close()
		err = s.Budget.AddReceipt(r.Context(), actorOf(r), id, budget.Receipt{Name: hdr.Filename, R: f})
	} else if _, err = s.Budget.Spending(r.Context(), actorOf(r), id); err == nil {
		err = errs.InvalidFields(map[string]string{"receipt": "err.receipt_type"})
	}
	if e, ok := errs.As(err); ok && (e.Kind == errs.Invalid || e.Kind == errs.Conflict) {
		s.spendingShowWith(w, r, status(err), s.fieldErrors(r, e))
		return
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.flash(w, r, "ok", "budget.receipt_added")
	http.Redirect(w, r, "/budget/spending/"+strconv.FormatInt(id, 10), http.StatusSeeOther)
}

func (s *Server) receiptGet(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	f, err := s.Budget.OpenReceipt(r.Context(), actorOf(r), id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	serveStored(w, r, f)
}
