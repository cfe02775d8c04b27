package web

import (
	"cmp"
	"encoding/json"
	"errors"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"shiliu/internal/errs"
	"shiliu/internal/honour"
	"shiliu/internal/jobs"
	"shiliu/internal/org"
	"shiliu/internal/ref"
)

type orgIndexPage struct {
	Page
	Units    []*org.Unit
	Total    int
	Q        string
	Kind     string
	View     string
	Sort     string
	Kinds    []org.Kind
	Pager    Pager
	Filtered bool
}

func (s *Server) orgIndex(w http.ResponseWriter, r *http.Request) {
	a := actorOf(r)
	q := r.URL.Query()
	p := &orgIndexPage{Page: s.page(r, "org.title"), Q: strings.TrimSpace(q.Get("q")), Kind: q.Get("kind"), View: q.Get("view"), Sort: q.Get("sort"), Kinds: org.Kinds}
	tree, err := s.Org.Tree(r.Context(), a, q.Get("archived") == "1")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	p.Filtered = p.Q != "" || p.Kind != ""
	units := tree[:0:0]
	for _, u := range tree {
		if p.Kind != "" && string(u.Kind) != p.Kind {
			continue
		}
		if p.Q != "" && !strings.Contains(strings.ToLower(u.Name+" "+u.Code), strings.ToLower(p.Q)) {
			continue
		}
		units = append(units, u)
	}
	p.Total = len(units)
	if p.View == "list" || p.Filtered {
		p.View = "list"
		switch p.Sort {
		case "name":
			slices.SortStableFunc(units, func(x, y *org.Unit) int { return cmp.Compare(x.Name, y.Name) })
		case "kind":
			slices.SortStableFunc(units, func(x, y *org.Unit) int {
				return cmp.Compare(slices.Index(org.Kinds, x.Kind), slices.Index(org.Kinds, y.Kind))
			})
		case "updated":
			slices.SortStableFunc(units, func(x, y *org.Unit) int { return cmp.Compare(y.UpdatedAt, x.UpdatedAt) })
		default:
			p.Sort = "code"
			slices.SortStableFunc(units, func(x, y *org.Unit) int { return cmp.Compare(x.Code, y.Code) })
		}
		p.Pager = newPager(r, p.Total, 50)
		units = units[p.Pager.Offset():min(p.Pager.Offset()+p.Pager.PerPage, len(units))]
	}
	p.Units = units
	s.render(w, r, http.StatusOK, "org_index", p)
}

type orgShowPage struct {
	Page
	Unit        *org.Unit
	Ancestors   []*org.Unit
	Children    []*org.Unit
	Populations []org.Population
	PopYear     int
	Errors      map[string]string
	// Honours are the unit's own (a building group's 民族团结特色楼组 …).
	Honours []*honour.Honour
}

func (s *Server) orgShowWith(w http.ResponseWriter, r *http.Request, code int, errors map[string]string) {
	a := actorOf(r)
	ctx := r.Context()
	id, err := pathID(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	u, err := s.Org.Get(ctx, a, id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	p := &orgShowPage{Page: s.page(r, "org.unit_title", u.Name), Unit: u, PopYear: time.Now().In(ref.China).Year(), Errors: errors}
	if p.Ancestors, err = s.Org.Ancestors(ctx, a, u); err == nil {
		if p.Children, err = s.Org.Children(ctx, a, u.ID); err == nil {
			p.Populations, err = s.Org.Populations(ctx, a, u.ID)
		}
	}
	if err == nil {
		p.Honours, err = s.honoursOf(r, honour.Filter{UnitID: u.ID})
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, code, "org_show", p)
}

func (s *Server) orgShow(w http.ResponseWriter, r *http.Request) {
	s.orgShowWith(w, r, http.StatusOK, nil)
}

type orgFormPage struct {
	Page
	Unit    *org.Unit // nil when creating
	In      org.Input
	Parents []*org.Unit
	Kinds   []org.Kind
	Errors  map[string]string
}

func orgInputFrom(r *http.Request) org.Input {
	parent, _ := strconv.ParseInt(r.PostFormValue("parent_id"), 10, 64)
	version, _ := strconv.Atoi(r.PostFormValue("version"))
	return org.Input{Code: r.PostFormValue("code"), Name: r.PostFormValue("name"), Kind: org.Kind(r.PostFormValue("kind")), ParentID: parent,
		Address: r.PostFormValue("address"), Contact: r.PostFormValue("contact"), Note: r.PostFormValue("note"), Version: version}
}

func (s *Server) orgForm(w http.ResponseWriter, r *http.Request, code int, p *orgFormPage) {
	tree, err := s.Org.Tree(r.Context(), actorOf(r), false)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	for _, u := range tree {
		if u.Kind == org.BuildingGroup || u.Kind == org.LiaisonGroup {
			continue // nothing stands under these
		}
		if p.Unit != nil && strings.HasPrefix(u.Path, p.Unit.Path) {
			continue // a unit cannot move under itself
		}
		p.Parents = append(p.Parents, u)
	}
	p.Kinds = org.Kinds
	s.render(w, r, code, "org_form", p)
}

func (s *Server) orgNew(w http.ResponseWriter, r *http.Request) {
	a := actorOf(r)
	parent, _ := strconv.ParseInt(r.URL.Query().Get("parent"), 10, 64)
	if parent == 0 {
		parent = a.OrgID
	}
	in := org.Input{ParentID: parent, Kind: org.Kind(r.URL.Query().Get("kind"))}
	if in.Kind == "" {
		// Suggest the kind that usually stands under the parent.
		if p, err := s.Org.Get(r.Context(), a, parent); err == nil {
			in.Kind = p.Kind.ChildKind()
		}
	}
	s.orgForm(w, r, http.StatusOK, &orgFormPage{Page: s.page(r, "org.new_title"), In: in})
}

func (s *Server) orgCreate(w http.ResponseWriter, r *http.Request) {
	in := orgInputFrom(r)
	u, err := s.Org.Create(r.Context(), actorOf(r), in)
	if e, ok := errs.As(err); ok && e.Kind == errs.Invalid {
		s.orgForm(w, r, http.StatusUnprocessableEntity, &orgFormPage{Page: s.page(r, "org.new_title"), In: in, Errors: s.fieldErrors(r, e)})
		return
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.flash(w, r, "ok", "org.created", u.Name)
	http.Redirect(w, r, "/org/"+strconv.FormatInt(u.ID, 10), http.StatusSeeOther)
}

// unitFromPath loads the org unit named by {id} within the actor's scope;
// when there is none it answers the request itself and returns false.
func (s *Server) unitFromPath(w http.ResponseWriter, r *http.Request) (*org.Unit, bool) {
	id, err := pathID(r)
	var u *org.Unit
	if err == nil {
		u, err = s.Org.Get(r.Context(), actorOf(r), id)
	}
	if err != nil {
		s.fail(w, r, err)
		return nil, false
	}
	return u, true
}

func (s *Server) orgEdit(w http.ResponseWriter, r *http.Request) {
	u, ok := s.unitFromPath(w, r)
	if !ok {
		return
	}
	in := org.Input{Code: u.Code, Name: u.Name, Kind: u.Kind, ParentID: u.ParentID, Address: u.Address, Contact: u.Contact, Note: u.Note, Version: u.Version}
	s.orgForm(w, r, http.StatusOK, &orgFormPage{Page: s.page(r, "org.edit_title", u.Name), Unit: u, In: in})
}

func (s *Server) orgUpdate(w http.ResponseWriter, r *http.Request) {
	u, ok := s.unitFromPath(w, r)
	if !ok {
		return
	}
	id := u.ID
	in := orgInputFrom(r)
	err := s.Org.Update(r.Context(), actorOf(r), id, in)
	if e, ok := errs.As(err); ok && (e.Kind == errs.Invalid || e.Kind == errs.Conflict) {
		// Keep what the user typed; on a conflict show the current version
		// number so a second save is a deliberate overwrite.
		if e.Kind == errs.Conflict {
			in.Version = u.Version
		}
		s.orgForm(w, r, status(err), &orgFormPage{Page: s.page(r, "org.edit_title", u.Name), Unit: u, In: in, Errors: s.fieldErrors(r, e)})
		return
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.flash(w, r, "ok", "org.saved")
	http.Redirect(w, r, "/org/"+strconv.FormatInt(id, 10), http.StatusSeeOther)
}

func (s *Server) orgSetArchived(w http.ResponseWriter, r *http.Request, archived bool) {
	id, err := pathID(r)
	if err == nil {
		err = s.Org.SetArchived(r.Context(), actorOf(r), id, archived)
	}
	if e, ok := errs.As(err); ok && e.Kind == errs.Invalid {
		s.flash(w, r, "error", e.Key)
		http.Redirect(w, r, "/org/"+strconv.FormatInt(id, 10), http.StatusSeeOther)
		return
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	key := "org.archived_done"
	if !archived {
		key = "org.restored_done"
	}
	s.flash(w, r, "ok", key)
	http.Redirect(w, r, "/org/"+strconv.FormatInt(id, 10), http.StatusSeeOther)
}

func (s *Server) orgArchive(w http.ResponseWriter, r *http.Request) { s.orgSetArchived(w, r, true) }
func (s *Server) orgRestore(w http.ResponseWriter, r *http.Request) { s.orgSetArchived(w, r, false) }

func (s *Server) orgPopulation(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	year, e1 := strconv.Atoi(strings.TrimSpace(r.PostFormValue("year")))
	reg, e2 := strconv.Atoi(strings.TrimSpace(r.PostFormValue("registered")))
	flo, e3 := strconv.Atoi(strings.TrimSpace(r.PostFormValue("floating")))
	pop := org.Population{Year: year, Registered: reg, Floating: flo}
	fields := org.ValidatePopulation(pop)
	for name, e := range map[string]error{"year": e1, "registered": e2, "floating": e3} {
		if e != nil {
			fields[name] = "err.number_required"
		}
	}
	if len(fields) == 0 {
		err = s.Org.SetPopulation(r.Context(), actorOf(r), id, pop)
		if e, ok := errs.As(err); ok && e.Kind == errs.Invalid {
			fields = e.Fields
		} else if err != nil {
			s.fail(w, r, err)
			return
		}
	}
	if len(fields) > 0 {
		s.orgShowWith(w, r, http.StatusUnprocessableEntity, s.fieldErrors(r, errs.InvalidFields(fields)))
		return
	}
	s.flash(w, r, "ok", "org.population_saved", year)
	http.Redirect(w, r, "/org/"+strconv.FormatInt(id, 10)+"#population", http.StatusSeeOther)
}

type orgImportPage struct {
	Page
	Result   *org.ImportResult
	Upload   string
	FileName string
	Applied  bool
	Error    string
	Problems []string
}

func (s *Server) orgImportForm(w http.ResponseWriter, r *http.Request) {
	s.render(w, r, http.StatusOK, "org_import", &orgImportPage{Page: s.page(r, "org.import_title")})
}

// orgImportWait bounds how long the page waits for an org-tree job: the
// files are small (a district's units), so the page shows the result
// itself, while the job runner gives the import its lifecycle (one import
// per preview, cancelled on shutdown) and any instance the preview.
const orgImportWait = 2 * time.Minute

// orgImport previews an uploaded file (a dry-run job) or, when the user
// confirms a preview, applies the file kept with that preview (once, with
// two clicks too).
func (s *Server) orgImport(w http.ResponseWriter, r *http.Request) {
	p := &orgImportPage{Page: s.page(r, "org.import_title")}
	job, applied, refusal, err := s.runFileJob(r, fileJob{check: jobOrgCheck, apply: jobOrgApply, kind: RosterKind, exts: []string{".csv", ".xlsx"}})
	if refusal != "" {
		p.Error = p.T(refusal)
		s.render(w, r, http.StatusUnprocessableEntity, "org_import", p)
		return
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	var params importParams
	json.Unmarshal(job.Params, &params)
	var out orgOutcome
	json.Unmarshal(job.Result, &out)
	p.FileName, p.Result = params.Name, out.Result
	if p.Result != nil {
		for _, pr := range p.Result.Problems {
			p.Problems = append(p.Problems, p.T(pr.Key, wholeArgs(pr.Args)...))
		}
	}
	switch {
	case job.Status != jobs.Done:
		p.Error = job.Error
		s.render(w, r, http.StatusUnprocessableEntity, "org_import", p)
	case out.Err != nil && out.Err.Other != "":
		s.fail(w, r, errors.New(out.Err.Other))
	case out.Err != nil:
		if len(p.Problems) == 0 {
			p.Error = p.T(out.Err.Key, wholeArgs(out.Err.Args)...)
		}
		s.render(w, r, http.StatusUnprocessableEntity, "org_import", p)
	default:
		p.Applied = applied
		if !p.Applied {
			p.Upload = strconv.FormatInt(job.ID, 10)
		}
		s.render(w, r, http.StatusOK, "org_import", p)
	}
}

// Pager is the pagination of a list page.
type Pager struct {
	Page, PerPage, Total, Pages int
	base                        string
	query                       map[string][]string
}

func newPager(r *http.Request, total, perPage int) Pager {
	page, _ := strconv.Atoi(r.URL.Query().Get("page"))
	pages := max(1, (total+perPage-1)/perPage)
	page = min(max(page, 1), pages)
	return Pager{Page: page, PerPage: perPage, Total: total, Pages: pages, base: r.URL.Path, query: r.URL.Query()}
}

// listPage reads the page of a list that the request asks for, with the
// list's total, in one call of list (the service's own list method, which
// counts and pages in one go); a page past the end shows the last page,
// read again. Every paged list uses it, so none counts twice.
func listPage[T any](r *http.Request, perPage int, list func(limit, offset int) ([]T, int, error)) ([]T, Pager, error) {
	page, _ := strconv.Atoi(r.URL.Query().Get("page"))
	offset := (max(page, 1) - 1) * perPage
	items, total, err := list(perPage, offset)
	if err != nil {
		return nil, Pager{}, err
	}
	p := newPager(r, total, perPage)
	if off := p.Offset(); off != offset && total > 0 {
		if items, _, err = list(perPage, off); err != nil {
			return nil, Pager{}, err
		}
	}
	return items, p, nil
}

// Offset is the index of the page's first row.
func (p Pager) Offset() int { return (p.Page - 1) * p.PerPage }

// URL returns the link to page n with the current filters kept.
func (p Pager) URL(n int) string {
	q := make(map[string][]string, len(p.query))
	for k, v := range p.query {
		q[k] = v
	}
	q["page"] = []string{strconv.Itoa(n)}
	return p.base + "?" + encodeQuery(q)
}

// Prev and Next are the neighbouring page numbers, 0 when there is none.
func (p Pager) Prev() int {
	if p.Page > 1 {
		return p.Page - 1
	}
	return 0
}

// Next is the next page number, 0 on the last page.
func (p Pager) Next() int {
	if p.Page < p.Pages {
		return p.Page + 1
	}
	return 0
}

// SortURL returns the current URL with another sort key, back on page 1.
// A value receiver, like T, for the "sort-th" partial.
func (p Page) SortURL(key string) string {
	q := map[string][]string{}
	for k, v := range p.Query {
		q[k] = v
	}
	q["sort"] = []string{key}
	delete(q, "page")
	return p.Path + "?" + encodeQuery(q)
}
