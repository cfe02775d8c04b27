package web

import (
	"errors"
	"net/http"
	"strconv"
	"time"

	"shiliu/internal/approval"
	"shiliu/internal/errs"
	"shiliu/internal/figures"
	"shiliu/internal/org"
)

// The API of the figures: the indicators and their definitions, a figure's
// value and its records, a unit's dashboard figures against the same span
// of last year, the JSON summary and the annual data sets.

type apiIndicator struct {
	ID         string `json:"id"`
	ZH         string `json:"zh"`
	EN         string `json:"en"`
	Definition string `json:"definition" doc:"what is counted, in Chinese"`
	Kind       string `json:"kind" enum:"count,percent,breakdown"`
	Entity     string `json:"entity,omitempty" doc:"the records a figure counts (person, household, case, activity, honour, pairing, visit, org); empty for a base figure or a sum"`
	Decimals   int    `json:"decimals"`
}

func toAPIIndicator(ind *figures.Indicator) apiIndicator {
	return apiIndicator{ID: ind.ID, ZH: ind.ZH, EN: ind.EN, Definition: ind.Definition,
		Kind: [...]string{"count", "percent", "breakdown"}[ind.Kind], Entity: ind.Entity, Decimals: ind.Decimals}
}

type apiCell struct {
	Key        string  `json:"key" doc:"as shown: an ethnicity's full name, a month, a code's name"`
	Code       string  `json:"code,omitempty" doc:"the key as stored: what records' key= names"`
	Count      float64 `json:"count"`
	Text       string  `json:"text" doc:"as shown: \"<5\" or \"*\" when suppressed"`
	Suppressed bool    `json:"suppressed"`
	Records    string  `json:"records,omitempty" doc:"the API path of the records this cell counts"`
}

type apiFigure struct {
	ID         string    `json:"id"`
	Available  bool      `json:"available" doc:"false where the data is not kept (shown as —, never 0)"`
	Number     float64   `json:"number" doc:"0 when suppressed"`
	Text       string    `json:"text"`
	Suppressed bool      `json:"suppressed" doc:"a leader's count under 5 of a committee or building group"`
	Cells      []apiCell `json:"cells,omitempty"`
	Records    string    `json:"records,omitempty" doc:"the API path of the records it counts"`
}

// recordsPath is the API path of a figure's records.
func recordsPath(id string, unitID int64, p figures.Period, key string) string {
	return "/api/v1/indicators/" + figures.Link(id, unitID, p, key)[len("/figures/"):]
}

func toAPIFigure(ind *figures.Indicator, sh figures.Shown, unitID int64, p figures.Period) apiFigure {
	f := apiFigure{ID: ind.ID, Available: sh.Available, Number: sh.Number, Text: sh.Text, Suppressed: sh.Suppressed}
	if sh.Suppressed {
		f.Number = 0
	}
	listed := sh.Available && ind.Entity != "" && ind.Entity != "org"
	if listed && ind.Kind == figures.Count {
		f.Records = withRecords(recordsPath(ind.ID, unitID, p, ""))
	}
	for _, c := range sh.Cells {
		ac := apiCell{Key: c.Key, Code: c.Code, Count: c.Count, Text: c.Text, Suppressed: c.Suppressed}
		if c.Suppressed {
			ac.Count = 0
		}
		if listed && ind.KeyRecords != nil {
			ac.Records = withRecords(recordsPath(ind.ID, unitID, p, c.Code))
		}
		f.Cells = append(f.Cells, ac)
	}
	return f
}

// withRecords turns /api/v1/indicators/{id}?q into /api/v1/indicators/{id}/records?q.
func withRecords(path string) string {
	for i := len("/api/v1/indicators/"); i < len(path); i++ {
		if path[i] == '?' {
			return path[:i] + "/records" + path[i:]
		}
	}
	return path + "/records"
}

func (s *Server) apiIndicators(w http.ResponseWriter, r *http.Request) {
	items := make([]apiIndicator, 0, len(figures.Indicators))
	for i := range figures.Indicators {
		items = append(items, toAPIIndicator(&figures.Indicators[i]))
	}
	writeJSON(w, http.StatusOK, apiList[apiIndicator]{Items: items, Total: len(items), Limit: len(items)})
}

// figureUnit reads ?org= (default: the actor's unit) and the period.
func (s *Server) figureUnit(r *http.Request) (*org.Unit, figures.Period, error) {
	a := actorOf(r)
	p, err := s.figurePeriod(r)
	if err != nil {
		return nil, p, err
	}
	unitID := a.OrgID
	if u := queryID(r, "org"); u != 0 {
		unitID = u
	}
	unit, err := s.Org.Get(r.Context(), a, unitID)
	return unit, p, err
}

type apiIndicatorValue struct {
	Indicator apiIndicator `json:"indicator"`
	UnitID    int64        `json:"unit_id"`
	From      string       `json:"from"`
	To        string       `json:"to"`
	Figure    apiFigure    `json:"figure"`
}

func (s *Server) apiIndicatorGet(w http.ResponseWriter, r *http.Request) {
	ind := figures.ByID(r.PathValue("figure"))
	if ind == nil {
		s.fail(w, r, errs.ErrNotFound)
		return
	}
	unit, p, err := s.figureUnit(r)
	var vals map[string]figures.Value
	if err == nil {
		vals, err = s.Figures.Some(r.Context(), actorOf(r), unit.ID, p, ind.ID)
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	sh := figures.Show(vals, figures.Suppresses(actorOf(r), string(unit.Kind)))[ind.ID]
	writeJSON(w, http.StatusOK, apiIndicatorValue{Indicator: toAPIIndicator(ind), UnitID: unit.ID, From: p.From, To: p.To,
		Figure: toAPIFigure(ind, sh, unit.ID, p)})
}

type apiRecords struct {
	Indicator string        `json:"indicator"`
	Key       string        `json:"key,omitempty"`
	UnitID    int64         `json:"unit_id"`
	Items     []figures.Row `json:"items" doc:"as little of each record as identifies it: no ID number, no phone"`
	Total     int           `json:"total" doc:"equals the figure"`
	// FigureOnly: the caller sees figures, not names (a leader): no items,
	// Figure is the number as they see it.
	FigureOnly bool   `json:"figure_only"`
	Figure     string `json:"figure,omitempty"`
	Limit      int    `json:"limit"`
	Offset     int    `json:"offset"`
}

func (s *Server) apiIndicatorRecords(w http.ResponseWriter, r *http.Request) {
	a := actorOf(r)
	ind := figures.ByID(r.PathValue("figure"))
	if ind == nil {
		s.fail(w, r, errs.ErrNotFound)
		return
	}
	unit, p, err := s.figureUnit(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	key := r.URL.Query().Get("key")
	if !mayOpenFigure(a, ind.Entity) {
		// a leader sees figures, not the names behind them
		vals, err := s.Figures.Some(r.Context(), a, unit.ID, p, ind.ID)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		sh := figures.Show(vals, figures.Suppresses(a, string(unit.Kind)))[ind.ID]
		text := sh.Text
		if key != "" {
			text = "0"
			for _, c := range sh.Cells {
				if c.Code == key || c.Key == key {
					text = c.Text
				}
			}
		}
		writeJSON(w, http.StatusOK, apiRecords{Indicator: ind.ID, Key: key, UnitID: unit.ID, Items: []figures.Row{}, FigureOnly: true, Figure: text})
		return
	}
	limit, offset := limitOffset(r)
	list, err := s.Figures.Open(r.Context(), a, ind.ID, unit.ID, p, key, limit, offset)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	lang := info(r).Lang
	for i := range list.Rows {
		list.Rows[i].Title = s.rowText(lang, ind.Entity, list.Rows[i].Title)
		list.Rows[i].Sub = s.rowText(lang, ind.Entity, list.Rows[i].Sub)
	}
	if list.Rows == nil {
		list.Rows = []figures.Row{}
	}
	writeJSON(w, http.StatusOK, apiRecords{Indicator: ind.ID, Key: key, UnitID: unit.ID, Items: list.Rows, Total: list.Total, Limit: limit, Offset: offset})
}

type apiDashboard struct {
	UnitID    int64             `json:"unit_id"`
	Unit      string            `json:"unit"`
	From      string            `json:"from"`
	To        string            `json:"to"`
	PriorFrom string            `json:"prior_from" doc:"the same span of last year"`
	PriorTo   string            `json:"prior_to"`
	Figures   []apiFigure       `json:"figures"`
	Prior     []apiFigure       `json:"prior" doc:"the same figures over the same span of last year"`
	Children  []apiDashboardKid `json:"children" doc:"the units directly below, with their minority residents"`
	// ComputedAt is when figures kept from a slow computation were computed.
	ComputedAt *string `json:"computed_at" doc:"when the figures were computed, for a large unit whose figures are kept for a while (fresh=1 computes them again); null when live"`
}

type apiDashboardKid struct {
	UnitID     int64  `json:"unit_id"`
	Unit       string `json:"unit"`
	Registered string `json:"minority_registered"`
	Floating   string `json:"minority_floating"`
}

// computedAt is the oldest computation among cs kept from the cache, as
// RFC 3339, or nil when all are live.
func computedAt(cs ...figures.Computed) *string {
	oldest := figures.Oldest(cs...)
	if !oldest.Cached() {
		return nil
	}
	t := oldest.At.UTC().Format(time.RFC3339)
	return &t
}

// apiDashboard is the statistics page's figures: every indicator of the
// unit's subtree over the period (default: this year to date) and over
// the same span of last year, suppressed for leaders as on the page.
func (s *Server) apiDashboard(w http.ResponseWriter, r *http.Request) {
	a := actorOf(r)
	unit, p, err := s.figureUnit(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	prior := figures.SameSpanBefore(p)
	fresh := r.URL.Query().Get("fresh") == "1"
	cur, c1, err := s.Figures.Latest(r.Context(), a, unit.ID, p, fresh)
	var before map[string]figures.Value
	var c2, c3 figures.Computed
	if err == nil {
		before, c2, err = s.Figures.Latest(r.Context(), a, unit.ID, prior, fresh)
	}
	var kids []figures.Child
	if err == nil {
		kids, c3, err = s.Figures.LatestChildren(r.Context(), a, unit.ID, p, fresh, "minority_registered", "minority_floating")
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	sup := figures.Suppresses(a, string(unit.Kind))
	nowShown, priorShown := figures.Show(cur, sup), figures.Show(before, sup)
	out := apiDashboard{UnitID: unit.ID, Unit: unit.Name, From: p.From, To: p.To, PriorFrom: prior.From, PriorTo: prior.To,
		Figures: []apiFigure{}, Prior: []apiFigure{}, Children: []apiDashboardKid{}, ComputedAt: computedAt(c1, c2, c3)}
	for i := range figures.Indicators {
		ind := &figures.Indicators[i]
		out.Figures = append(out.Figures, toAPIFigure(ind, nowShown[ind.ID], unit.ID, p))
		out.Prior = append(out.Prior, toAPIFigure(ind, priorShown[ind.ID], unit.ID, prior))
	}
	for _, k := range kids {
		ks := figures.Show(k.Values, figures.Suppresses(a, k.Kind))
		out.Children = append(out.Children, apiDashboardKid{UnitID: k.UnitID, Unit: k.Name,
			Registered: ks["minority_registered"].Text, Floating: ks["minority_floating"].Text})
	}
	writeJSON(w, http.StatusOK, out)
}

// apiSummary is `shiliu report summary` over HTTP: ?year=&org=CODE
// [&live=1]; the approved snapshot unless live. A leader's summary of a
// committee shows small counts as "<5".
func (s *Server) apiSummary(w http.ResponseWriter, r *http.Request) {
	a := actorOf(r)
	q := r.URL.Query()
	// Without a year, this year; without an org, the caller's own unit.
	year, err := s.Figures.Now().Year(), error(nil)
	if q.Get("year") != "" {
		year, err = strconv.Atoi(q.Get("year"))
	}
	if err != nil || year < 2000 || year > 2100 {
		s.fail(w, r, errs.InvalidFields(map[string]string{"year": "err.year_range"}))
		return
	}
	var unit *org.Unit
	if q.Get("org") == "" {
		unit, err = s.Org.Get(r.Context(), a, a.OrgID)
	} else {
		unit, err = s.Org.ByCode(r.Context(), q.Get("org"))
	}
	if errors.Is(err, errs.ErrNotFound) {
		s.fail(w, r, errs.InvalidFields(map[string]string{"org": "err.report_unknown_org"}))
		return
	}
	var out map[string]any
	var at figures.Computed
	if err == nil {
		out, at, err = s.Figures.LatestReport(r.Context(), a, unit.ID, year, q.Get("live") == "1" || q.Get("live") == "true", q.Get("fresh") == "1")
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if figures.Suppresses(a, string(unit.Kind)) {
		shown := figures.Show(figures.FromSummary(out), true)
		for id, sh := range shown {
			if sh.Suppressed {
				out[id] = sh.Text
			}
			if len(sh.Cells) > 0 {
				m := map[string]any{}
				for _, c := range sh.Cells {
					if c.Suppressed {
						m[c.Key] = c.Text
					} else {
						m[c.Key] = c.Count
					}
				}
				out[id] = m
			}
		}
	}
	if c := computedAt(at); c != nil {
		out["computed_at"] = *c
	}
	writeJSON(w, http.StatusOK, out)
}

// The annual data sets.

type apiReportSet struct {
	ID              int64  `json:"id"`
	UnitID          int64  `json:"unit_id"`
	Unit            string `json:"unit"`
	Year            int    `json:"year"`
	Status          string `json:"status" enum:"draft,submitted,approved"`
	Work            string `json:"work" doc:"主要工作"`
	Problems        string `json:"problems" doc:"存在问题"`
	Plans           string `json:"plans" doc:"下一步计划"`
	SubmittedBy     string `json:"submitted_by,omitempty"`
	ApprovedVersion int    `json:"approved_version" doc:"the latest snapshot's version (0: never approved)"`
	UnlockPending   bool   `json:"unlock_pending"`
	UnlockReason    string `json:"unlock_reason,omitempty"`
	Version         int    `json:"version" doc:"the record's version, for the steps"`
}

func toAPIReportSet(x *approval.Set) apiReportSet {
	return apiReportSet{ID: x.ID, UnitID: x.OrgID, Unit: x.OrgName, Year: x.Year, Status: string(x.Status), Work: x.Work, Problems: x.Problems,
		Plans: x.Plans, SubmittedBy: x.SubmittedBy, ApprovedVersion: x.ApprovedVersion, UnlockPending: x.UnlockPending(),
		UnlockReason: x.UnlockReason, Version: x.Version}
}

type apiReportRow struct {
	UnitID int64         `json:"unit_id"`
	Unit   string        `json:"unit"`
	Kind   string        `json:"kind" enum:"subdistrict,committee"`
	Set    *apiReportSet `json:"set" doc:"null: not begun"`
}

func (s *Server) apiReportList(w http.ResponseWriter, r *http.Request) {
	year, _ := strconv.Atoi(r.URL.Query().Get("year"))
	if year == 0 {
		year = s.Approval.Year() - 1
	}
	rows, err := s.Approval.List(r.Context(), actorOf(r), year)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	items := make([]apiReportRow, 0, len(rows))
	for _, row := range rows {
		it := apiReportRow{UnitID: row.OrgID, Unit: row.OrgName, Kind: row.OrgKind}
		if row.Set != nil {
			x := toAPIReportSet(row.Set)
			it.Set = &x
		}
		items = append(items, it)
	}
	writeJSON(w, http.StatusOK, apiList[apiReportRow]{Items: items, Total: len(items), Limit: len(items)})
}

type apiSnapshot struct {
	Version           int            `json:"version"`
	Figures           map[string]any `json:"figures" doc:"the summary as approved: indicator id → number, breakdown object or null"`
	Work              string         `json:"work"`
	Problems          string         `json:"problems"`
	Plans             string         `json:"plans"`
	ApprovedBy        string         `json:"approved_by"`
	ApprovedAt        string         `json:"approved_at"`
	UnlockRequestedBy string         `json:"unlock_requested_by,omitempty"`
	UnlockConsentedBy string         `json:"unlock_consented_by,omitempty"`
	UnlockReason      string         `json:"unlock_reason,omitempty"`
}

type apiReportDetail struct {
	Set       apiReportSet  `json:"set"`
	Snapshots []apiSnapshot `json:"snapshots" doc:"the approved versions, newest first"`
}

func (s *Server) apiReportGet(w http.ResponseWriter, r *http.Request) {
	a := actorOf(r)
	id, err := pathID(r)
	var x *approval.Set
	var snaps []approval.Snapshot
	if err == nil {
		x, err = s.Approval.Get(r.Context(), a, id)
	}
	if err == nil {
		snaps, err = s.Approval.Snapshots(r.Context(), a, id)
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	out := apiReportDetail{Set: toAPIReportSet(x), Snapshots: []apiSnapshot{}}
	for _, sn := range snaps {
		figs := sn.Figures
		if figures.Suppresses(a, x.OrgKind) {
			figs = map[string]any{}
			for id, sh := range figures.Show(figures.FromSummary(sn.Figures), true) {
				figs[id] = sh.Text
			}
		}
		out.Snapshots = append(out.Snapshots, apiSnapshot{Version: sn.Version, Figures: figs, Work: sn.Work, Problems: sn.Problems, Plans: sn.Plans,
			ApprovedBy: sn.ApprovedBy, ApprovedAt: sn.ApprovedAt.Format("2006-01-02T15:04:05Z07:00"), UnlockRequestedBy: sn.UnlockRequestedBy,
			UnlockConsentedBy: sn.UnlockConsentedBy, UnlockReason: sn.UnlockReason})
	}
	writeJSON(w, http.StatusOK, out)
}

type apiReportOpen struct {
	UnitID int64 `json:"unit_id" doc:"a subdistrict or a committee of your scope"`
	Year   int   `json:"year"`
}

func (s *Server) apiReportOpen(w http.ResponseWriter, r *http.Request) {
	var in apiReportOpen
	if err := decode(r, &in); err != nil {
		s.fail(w, r, err)
		return
	}
	x, err := s.Approval.Open(r.Context(), actorOf(r), in.UnitID, in.Year)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, toAPIReportSet(x))
}

type apiReportStep struct {
	Version  int    `json:"version"`
	Work     string `json:"work" doc:"update only"`
	Problems string `json:"problems" doc:"update only"`
	Plans    string `json:"plans" doc:"update only"`
	Reason   string `json:"reason" doc:"unlock only: required"`
}

func (s *Server) apiReportStep(w http.ResponseWriter, r *http.Request, step func(id int64, in apiReportStep) (*approval.Set, error)) {
	id, err := pathID(r)
	var in apiReportStep
	if err == nil {
		err = decode(r, &in)
	}
	var x *approval.Set
	if err == nil {
		x, err = step(id, in)
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, toAPIReportSet(x))
}

func (s *Server) apiReportUpdate(w http.ResponseWriter, r *http.Request) {
	s.apiReportStep(w, r, func(id int64, in apiReportStep) (*approval.Set, error) {
		return s.Approval.Update(r.Context(), actorOf(r), id, in.Version, approval.Narrative{Work: in.Work, Problems: in.Problems, Plans: in.Plans})
	})
}

func (s *Server) apiReportSubmit(w http.ResponseWriter, r *http.Request) {
	s.apiReportStep(w, r, func(id int64, in apiReportStep) (*approval.Set, error) {
		return s.Approval.Submit(r.Context(), actorOf(r), id, in.Version)
	})
}

func (s *Server) apiReportApprove(w http.ResponseWriter, r *http.Request) {
	s.apiReportStep(w, r, func(id int64, in apiReportStep) (*approval.Set, error) {
		return s.Approval.Approve(r.Context(), actorOf(r), id, in.Version)
	})
}

func (s *Server) apiReportUnlock(w http.ResponseWriter, r *http.Request) {
	s.apiReportStep(w, r, func(id int64, in apiReportStep) (*approval.Set, error) {
		return s.Approval.RequestUnlock(r.Context(), actorOf(r), id, in.Version, in.Reason)
	})
}

func (s *Server) apiReportConsent(w http.ResponseWriter, r *http.Request) {
	s.apiReportStep(w, r, func(id int64, in apiReportStep) (*approval.Set, error) {
		return s.Approval.ConsentUnlock(r.Context(), actorOf(r), id, in.Version)
	})
}
