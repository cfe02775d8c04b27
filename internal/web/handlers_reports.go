package web

import (
	"net/http"
	"strconv"
	"strings"

	"shiliu/internal/approval"
	"shiliu/internal/errs"
	"shiliu/internal/figures"
)

// The annual data sets' pages (internal/approval): the list of a year's
// sets with their status, one set with its figures, narrative, workflow
// and versions, and the security admin's unlock requests.

// FigureRow is one figure as a page shows it: through figures.Show, so a
// leader's small counts of a committee are "<5" on every page.
type FigureRow struct {
	ID, Label, Definition string
	figures.Shown
	// Href opens the records counted (live figures only: a snapshot's
	// records may have changed since it was approved); Cells' links in
	// CellHref, by index.
	Href     string
	CellHref []string
}

// figureRows lays out figures in the engine's order. With link (live
// figures of unit over p) each number opens its records.
func (s *Server) figureRows(lang string, vals map[string]figures.Value, suppress, link bool, unitID int64, p figures.Period) []FigureRow {
	zh := lang != "en"
	shown := figures.Show(vals, suppress)
	out := make([]FigureRow, 0, len(figures.Indicators))
	for _, ind := range figures.Indicators {
		row := FigureRow{ID: ind.ID, Label: ind.ZH, Definition: ind.Definition, Shown: shown[ind.ID]}
		if !zh {
			row.Label = ind.EN
		}
		recordable := link && row.Available && ind.Entity != "" && ind.Entity != "org"
		if recordable && ind.Kind == figures.Count {
			row.Href = figures.Link(ind.ID, unitID, p, "")
		}
		for i, c := range row.Cells {
			row.Cells[i].Key = s.keyLabel(lang, ind.ID, c.Key)
			h := ""
			if recordable && ind.KeyRecords != nil {
				h = figures.Link(ind.ID, unitID, p, c.Code)
			}
			row.CellHref = append(row.CellHref, h)
		}
		out = append(out, row)
	}
	return out
}

type reportIndexPage struct {
	Page
	Year  int
	Years []int
	Rows  []approval.Row
	// Pending counts the units not yet approved.
	Pending int
}

func (s *Server) reportIndex(w http.ResponseWriter, r *http.Request) {
	a := actorOf(r)
	p := &reportIndexPage{Page: s.page(r, "reports.title"), Year: s.Approval.Year() - 1}
	if y, err := strconv.Atoi(r.URL.Query().Get("year")); err == nil && y >= 2000 && y <= s.Approval.Year() {
		p.Year = y
	}
	for y := s.Approval.Year(); y >= s.Approval.Year()-5; y-- {
		p.Years = append(p.Years, y)
	}
	var err error
	if p.Rows, err = s.Approval.List(r.Context(), a, p.Year); err != nil {
		s.fail(w, r, err)
		return
	}
	for _, row := range p.Rows {
		if !row.Approved() {
			p.Pending++
		}
	}
	s.render(w, r, http.StatusOK, "report_index", p)
}

// reportOpen begins (or finds) a unit's set of a year and opens it.
func (s *Server) reportOpen(w http.ResponseWriter, r *http.Request) {
	year, _ := strconv.Atoi(r.PostFormValue("year"))
	x, err := s.Approval.Open(r.Context(), actorOf(r), formID(r, "org_id"), year)
	if e, ok := errs.As(err); ok && e.Kind == errs.Invalid {
		s.flash(w, r, "error", firstKey(e))
		http.Redirect(w, r, "/reports?year="+strconv.Itoa(year), http.StatusSeeOther)
		return
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	http.Redirect(w, r, "/reports/"+strconv.FormatInt(x.ID, 10), http.StatusSeeOther)
}

type reportShowPage struct {
	Page
	Set       *approval.Set
	Snapshots []approval.Snapshot
	// Shown is the snapshot viewed (nil: the live figures).
	Shown   *approval.Snapshot
	Figures []FigureRow
	// Narrative is what the figures' column shows beside them.
	Narrative approval.Narrative
	Max       int
}

func (s *Server) reportShow(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	a := actorOf(r)
	var x *approval.Set
	if err == nil {
		x, err = s.Approval.Get(r.Context(), a, id)
	}
	p := &reportShowPage{Set: x, Max: approval.MaxText}
	if err == nil {
		p.Snapshots, err = s.Approval.Snapshots(r.Context(), a, id)
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	p.Page = s.page(r, "reports.show_title", x.OrgName, x.Year)
	want, _ := strconv.Atoi(r.URL.Query().Get("version"))
	if want == 0 && x.Locked() {
		want = x.ApprovedVersion
	}
	for i := range p.Snapshots {
		if p.Snapshots[i].Version == want {
			p.Shown = &p.Snapshots[i]
		}
	}
	suppress := figures.Suppresses(a, x.OrgKind)
	if p.Shown != nil {
		p.Figures = s.figureRows(p.Lang, figures.FromSummary(p.Shown.Figures), suppress, false, x.OrgID, figures.Year(x.Year))
		p.Narrative = approval.Narrative{Work: p.Shown.Work, Problems: p.Shown.Problems, Plans: p.Shown.Plans}
	} else {
		vals, err := s.Approval.Live(r.Context(), a, x)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		p.Figures = s.figureRows(p.Lang, vals, suppress, true, x.OrgID, figures.Year(x.Year))
		p.Narrative = approval.Narrative{Work: x.Work, Problems: x.Problems, Plans: x.Plans}
	}
	s.render(w, r, http.StatusOK, "report_show", p)
}

// reportStep runs one step from a form and returns to the set; a refusal
// is told in the flash, with its arguments (the committees not approved).
func (s *Server) reportStep(w http.ResponseWriter, r *http.Request, done string, step func(id int64, version int) error) {
	id, err := pathID(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	version, _ := strconv.Atoi(r.PostFormValue("version"))
	back := "/reports/" + strconv.FormatInt(id, 10)
	if r.PostFormValue("back") == "unlocks" {
		back = "/reports/unlocks"
	}
	err = step(id, version)
	if e, ok := errs.As(err); ok && (e.Kind == errs.Invalid || e.Kind == errs.Conflict || e.Kind == errs.Forbidden && e.Key != "err.forbidden") {
		if len(e.Fields) > 0 {
			s.flash(w, r, "error", "reports.fields_error", s.reportFields(info(r).Lang, e.Fields))
		} else {
			s.flash(w, r, "error", e.Key, e.Args...)
		}
		http.Redirect(w, r, back, http.StatusSeeOther)
		return
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.flash(w, r, "ok", done)
	http.Redirect(w, r, back, http.StatusSeeOther)
}

// reportFieldLabels name a data set's fields in a step's error, in the
// order the page shows them.
var reportFieldLabels = []struct{ field, label string }{
	{"work", "reports.work"}, {"problems", "reports.problems"}, {"plans", "reports.plans"}, {"reason", "reports.unlock_reason"},
}

// reportFields says which fields a step found wrong: "主要工作：必填。…".
func (s *Server) reportFields(lang string, fields map[string]string) string {
	var parts []string
	for _, f := range reportFieldLabels {
		if k, ok := fields[f.field]; ok {
			parts = append(parts, s.cat.T(lang, f.label)+"："+s.cat.T(lang, k))
		}
	}
	if len(parts) == 0 {
		for _, k := range fields {
			parts = append(parts, s.cat.T(lang, k))
		}
	}
	return strings.Join(parts, " ")
}

func (s *Server) reportUpdate(w http.ResponseWriter, r *http.Request) {
	s.reportStep(w, r, "reports.saved", func(id int64, version int) error {
		_, err := s.Approval.Update(r.Context(), actorOf(r), id, version, approval.Narrative{Work: r.PostFormValue("work"),
			Problems: r.PostFormValue("problems"), Plans: r.PostFormValue("plans")})
		return err
	})
}

func (s *Server) reportSubmit(w http.ResponseWriter, r *http.Request) {
	s.reportStep(w, r, "reports.submitted_ok", func(id int64, version int) error {
		_, err := s.Approval.Submit(r.Context(), actorOf(r), id, version)
		return err
	})
}

func (s *Server) reportApprove(w http.ResponseWriter, r *http.Request) {
	s.reportStep(w, r, "reports.approved_ok", func(id int64, version int) error {
		_, err := s.Approval.Approve(r.Context(), actorOf(r), id, version)
		return err
	})
}

func (s *Server) reportUnlock(w http.ResponseWriter, r *http.Request) {
	s.reportStep(w, r, "reports.unlock_requested", func(id int64, version int) error {
		_, err := s.Approval.RequestUnlock(r.Context(), actorOf(r), id, version, r.PostFormValue("reason"))
		return err
	})
}

func (s *Server) reportConsent(w http.ResponseWriter, r *http.Request) {
	s.reportStep(w, r, "reports.unlocked_ok", func(id int64, version int) error {
		_, err := s.Approval.ConsentUnlock(r.Context(), actorOf(r), id, version)
		return err
	})
}

type reportUnlocksPage struct {
	Page
	Sets []*approval.Set
}

// reportUnlocks is the security admin's list of unlocks waiting for
// consent: unit, year, version, who asked and why — no figures.
func (s *Server) reportUnlocks(w http.ResponseWriter, r *http.Request) {
	sets, err := s.Approval.Pending(r.Context(), actorOf(r))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "report_unlocks", &reportUnlocksPage{Page: s.page(r, "reports.unlocks_title"), Sets: sets})
}

type reportComparePage struct {
	Page
	UnitID int64
	Parent string
	Year   int
	Years  []int
	Cols   []approval.Column
	// Rows are the figures (not the breakdowns), a cell per column.
	Rows []compareRow
	// Pending counts the columns not approved.
	Pending int
}

type compareRow struct {
	Label, Definition string
	// Cells: the text per column ("" for a column not approved).
	Cells []string
}

// reportCompare shows the approved figures of the units under one (a
// district's subdistricts) side by side, the units not approved marked.
func (s *Server) reportCompare(w http.ResponseWriter, r *http.Request) {
	a := actorOf(r)
	p := &reportComparePage{Page: s.page(r, "reports.compare_title"), UnitID: a.OrgID, Year: s.Approval.Year() - 1}
	if id, err := strconv.ParseInt(r.URL.Query().Get("org"), 10, 64); err == nil && id > 0 {
		p.UnitID = id
	}
	if y, err := strconv.Atoi(r.URL.Query().Get("year")); err == nil && y >= 2000 && y <= s.Approval.Year() {
		p.Year = y
	}
	for y := s.Approval.Year(); y >= s.Approval.Year()-5; y-- {
		p.Years = append(p.Years, y)
	}
	var err error
	if p.Parent, p.Cols, err = s.Approval.Compare(r.Context(), a, p.UnitID, p.Year); err != nil {
		s.fail(w, r, err)
		return
	}
	zh := p.Lang != "en"
	shown := make([]map[string]figures.Shown, len(p.Cols))
	for i, c := range p.Cols {
		if c.Approved() {
			shown[i] = figures.Show(c.Figures, figures.Suppresses(a, c.OrgKind))
		} else {
			p.Pending++
		}
	}
	for _, ind := range figures.Indicators {
		if ind.Kind == figures.Breakdown {
			continue
		}
		row := compareRow{Label: ind.ZH, Definition: ind.Definition}
		if !zh {
			row.Label = ind.EN
		}
		for i := range p.Cols {
			text := ""
			if shown[i] != nil {
				text = shown[i][ind.ID].Text
			}
			row.Cells = append(row.Cells, text)
		}
		p.Rows = append(p.Rows, row)
	}
	s.render(w, r, http.StatusOK, "report_compare", p)
}
