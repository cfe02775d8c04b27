package web

import (
	"encoding/json"
	"net/http"
	"strconv"

	"shiliu/internal/approval"
	"shiliu/internal/errs"
	"shiliu/internal/figures"
)

// The annual data sets' pages (internal/approval): the list of a year's
// sets with their status, one set with its figures, narrative, workflow
// and versions, and the security admin's unlock requests.

// FigureRow is one figure as a page shows it.
type FigureRow struct {
	ID, Label, Definition string
	// Text is the value ("—" when not available).
	Text  string
	Parts []figures.Part
}

// liveRows lays out computed figures in the engine's order.
func liveRows(zh bool, vals map[string]figures.Value) []FigureRow {
	return summaryRows(zh, figures.Summary(vals))
}

// summaryRows lays out a summary (live or a snapshot's) in the engine's
// order; a snapshot's id the engine no longer knows comes last by its id.
func summaryRows(zh bool, sum map[string]any) []FigureRow {
	var out []FigureRow
	seen := map[string]bool{}
	add := func(id, label, def string, v any) {
		row := FigureRow{ID: id, Label: label, Definition: def, Text: "—"}
		switch x := v.(type) {
		case nil:
		case map[string]int64:
			for k, n := range x {
				row.Parts = append(row.Parts, figures.Part{Key: k, Count: float64(n)})
			}
		case map[string]any:
			for k, n := range x {
				c, _ := strconv.ParseFloat(jsonText(n), 64)
				row.Parts = append(row.Parts, figures.Part{Key: k, Count: c})
			}
		default:
			row.Text = jsonText(x)
		}
		if row.Parts != nil {
			sortParts(row.Parts)
			row.Text = ""
		}
		out = append(out, row)
	}
	for _, ind := range figures.Indicators {
		seen[ind.ID] = true
		if v, ok := sum[ind.ID]; ok {
			label := ind.ZH
			if !zh {
				label = ind.EN
			}
			add(ind.ID, label, ind.Definition, v)
		}
	}
	for id, v := range sum {
		if !seen[id] {
			add(id, id, "", v)
		}
	}
	return out
}

func jsonText(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return "—"
	}
	return string(b)
}

// sortParts puts a breakdown largest first, then by key.
func sortParts(ps []figures.Part) {
	for i := 1; i < len(ps); i++ {
		for j := i; j > 0 && (ps[j].Count > ps[j-1].Count || ps[j].Count == ps[j-1].Count && ps[j].Key < ps[j-1].Key); j-- {
			ps[j], ps[j-1] = ps[j-1], ps[j]
		}
	}
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
	zh := p.Lang != "en"
	want, _ := strconv.Atoi(r.URL.Query().Get("version"))
	if want == 0 && x.Locked() {
		want = x.ApprovedVersion
	}
	for i := range p.Snapshots {
		if p.Snapshots[i].Version == want {
			p.Shown = &p.Snapshots[i]
		}
	}
	if p.Shown != nil {
		p.Figures = summaryRows(zh, p.Shown.Figures)
		p.Narrative = approval.Narrative{Work: p.Shown.Work, Problems: p.Shown.Problems, Plans: p.Shown.Plans}
	} else {
		vals, err := s.Approval.Live(r.Context(), a, x)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		p.Figures = liveRows(zh, vals)
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
			s.flash(w, r, "error", firstKey(e))
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
