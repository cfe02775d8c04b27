package web

import (
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"

	"shiliu/internal/auth"
	"shiliu/internal/budget"
	"shiliu/internal/figures"
	"shiliu/internal/org"
)

// The statistics dashboard: the figures of a unit's subtree for a year to
// date, each beside the same span of the year before, with charts whose
// bars open the records they count. Figures carry no names: a leader sees
// the same page, without the links to lists of people.

// statTiles are the headline figures, in the order shown.
var statTiles = []string{"minority_registered", "minority_registered_households", "minority_floating", "ethnic_groups", "minority_share_pct",
	"cases_handled", "cases_overdue", "pairings_active", "visits", "activities", "activity_participants", "participating_families",
	"volunteers", "volunteer_hours", "honoured_families", "featured_building_groups", "budget", "spent"}

// statCharts are the dashboard's charts: a breakdown each, or the
// distribution over the units below (ID "children").
var statCharts = []struct {
	ID, Title string
	// Months: the keys are months of the period (YYYY-MM), compared month
	// by month with the year before.
	Months bool
}{
	{ID: "ethnic_breakdown", Title: "stats.chart_ethnic"},
	{ID: "children", Title: "stats.chart_children"},
	{ID: "cases_by_month", Title: "stats.chart_cases_month", Months: true},
	{ID: "cases_by_channel", Title: "stats.chart_cases_channel"},
	{ID: "cases_by_kind", Title: "stats.chart_cases_kind"},
	{ID: "cases_by_status", Title: "stats.chart_cases_status"},
	{ID: "activities_by_month", Title: "stats.chart_activities_month", Months: true},
	{ID: "activities_by_kind", Title: "stats.chart_activities_kind"},
	{ID: "hours_by_source", Title: "stats.chart_hours"},
	{ID: "honours_by_kind", Title: "stats.chart_honours"},
}

type statTile struct {
	ID, Label, Definition string
	Now, Before           figures.Value
	Percent, Money        bool
	Href                  string
	// NowText and BeforeText are the numbers as shown ("<5" for a
	// leader's small counts of a committee).
	NowText, BeforeText string
	Suppressed          bool
}

// Delta is the change from the year before, signed, or "" when either
// side is not available.
func (t statTile) Delta() string {
	if !t.Now.Available || !t.Before.Available || t.Suppressed {
		return ""
	}
	d := t.Now.Number - t.Before.Number
	sign := "+"
	if d < 0 {
		sign, d = "-", -d
	}
	switch {
	case t.Money:
		// yuan with fen, grouped as the number beside it: +¥1,234.50
		return sign + yuanText(d)
	case t.Percent:
		// percentage points
		return sign + strconv.FormatFloat(d, 'f', 1, 64)
	case d == 0:
		return "±0"
	}
	return sign + countText(d)
}

// statChart is a chart's data: categories, one or two series, and for
// each bar the list it opens; the same data is the table beside it.
type statChart struct {
	ID, Title, Definition string
	Categories            []string
	Series                []statSeries
	// Horizontal bars for long names (ethnic groups, units).
	Horizontal bool
}

type statSeries struct {
	Name  string    `json:"name"`
	Data  []float64 `json:"data"`
	Links []string  `json:"links"`
}

// JSON is what app.js draws.
func (c statChart) JSON() string {
	b, _ := json.Marshal(map[string]any{"categories": c.Categories, "series": c.Series, "horizontal": c.Horizontal})
	return string(b)
}

// Rows are the table's rows: a category and its values.
func (c statChart) Rows() [][]string {
	out := make([][]string, len(c.Categories))
	for i, k := range c.Categories {
		row := []string{k}
		for _, s := range c.Series {
			row = append(row, strconv.FormatFloat(s.Data[i], 'f', -1, 64))
		}
		out[i] = row
	}
	return out
}

type statsPage struct {
	Page
	Units         []*org.Unit
	Unit          *org.Unit
	Year          int
	Years         []int
	Period, Prior figures.Period
	Tiles         []statTile
	Charts        []statChart
	Execution     *budget.Execution
	// Computed says when figures kept from a slow computation were
	// computed (zero: live); Fresh is the link computing them again.
	Computed figures.Computed
	Fresh    string
}

func (s *Server) stats(w http.ResponseWriter, r *http.Request) {
	a := actorOf(r)
	ctx := r.Context()
	now := time.Now()
	if s.Figures.Now != nil {
		now = s.Figures.Now()
	}
	p := &statsPage{Page: s.page(r, "stats.title"), Year: now.Year()}
	if y, err := strconv.Atoi(r.URL.Query().Get("year")); err == nil && y >= 2000 && y <= now.Year() {
		p.Year = y
	}
	for y := now.Year(); y >= now.Year()-4; y-- {
		p.Years = append(p.Years, y)
	}
	unitID := a.OrgID
	if id := queryID(r, "org"); id != 0 {
		unitID = id
	}
	var err error
	if p.Unit, err = s.Org.Get(ctx, a, unitID); err != nil {
		s.fail(w, r, err)
		return
	}
	if p.Units, err = s.Org.Tree(ctx, a, false); err != nil {
		s.fail(w, r, err)
		return
	}
	p.Units = statUnits(p.Units)
	p.Period = figures.ToDate(p.Year, now)
	p.Prior = figures.SameSpanBefore(p.Period)
	ids := append([]string{}, statTiles...)
	for _, c := range statCharts {
		ids = append(ids, c.ID)
	}
	fresh := r.URL.Query().Get("fresh") == "1"
	cur, at, err := s.Figures.Latest(ctx, a, unitID, p.Period, fresh, ids...)
	var prior map[string]figures.Value
	var atPrior, atKids figures.Computed
	if err == nil {
		prior, atPrior, err = s.Figures.Latest(ctx, a, unitID, p.Prior, fresh, ids...)
	}
	var kids []figures.Child
	if err == nil {
		kids, atKids, err = s.Figures.LatestChildren(ctx, a, unitID, p.Period, fresh, "minority_registered", "minority_floating")
	}
	// the page says when its oldest kept figures were computed
	p.Computed = figures.Oldest(at, atPrior, atKids)
	p.Fresh = "/stats?org=" + strconv.FormatInt(unitID, 10) + "&year=" + strconv.Itoa(p.Year) + "&fresh=1"
	if err == nil && a.Can(auth.CommunityView) && s.Budget != nil && (p.Unit.Kind == org.Subdistrict || p.Unit.Kind == org.Committee) {
		p.Execution, err = s.Budget.Execution(ctx, a, unitID, p.Year)
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	lang := info(r).Lang
	// a leader looking at a committee: small counts are "<5", and a chart
	// with such a cell is not drawn (its bars would give it away)
	suppress := figures.Suppresses(a, string(p.Unit.Kind))
	shown, shownPrior := figures.Show(cur, suppress), figures.Show(prior, suppress)
	hidden := func(id string) bool {
		for _, sh := range []figures.Shown{shown[id], shownPrior[id]} {
			if sh.Suppressed {
				return true
			}
			for _, c := range sh.Cells {
				if c.Suppressed {
					return true
				}
			}
		}
		return false
	}
	for _, id := range statTiles {
		ind := figures.ByID(id)
		if ind == nil {
			continue // not built yet: not shown rather than shown as 0
		}
		t := statTile{ID: id, Label: ind.ZH, Definition: ind.Definition, Now: cur[id], Before: prior[id], Percent: ind.Kind == figures.Percent,
			Money: id == "budget" || id == "spent"}
		if lang != "zh" {
			t.Label = ind.EN
		}
		if ind.Records != nil && mayOpenFigure(a, ind.Entity) {
			t.Href = figures.Link(id, unitID, p.Period, "")
		}
		t.NowText, t.BeforeText = t.Number(t.Now), t.Number(t.Before)
		if shown[id].Suppressed {
			t.NowText, t.Suppressed = shown[id].Text, true
		}
		if shownPrior[id].Suppressed {
			t.BeforeText, t.Suppressed = shownPrior[id].Text, true
		}
		p.Tiles = append(p.Tiles, t)
	}
	for _, c := range statCharts {
		var ch statChart
		if suppress && (c.ID == "children" || hidden(c.ID)) {
			continue
		}
		if c.ID == "children" {
			ch = childrenChart(s, r, kids, p.Period, mayOpenFigure(a, "person"))
			if len(ch.Categories) == 0 {
				continue
			}
		} else {
			ind := figures.ByID(c.ID)
			if ind == nil || !cur[c.ID].Available {
				continue
			}
			ch = statChart{ID: c.ID, Definition: ind.Definition}
			open := ind.Entity != "" && mayOpenFigure(a, ind.Entity)
			if c.Months {
				ch.fillMonths(s.cat.T(lang, "stats.this_year", p.Year), s.cat.T(lang, "stats.last_year", p.Year-1), cur[c.ID], prior[c.ID], p, open, unitID)
			} else {
				ch.fillParts(s.cat.T(lang, "stats.this_year", p.Year), cur[c.ID], func(k string) string { return s.keyLabel(lang, c.ID, k) }, open, unitID, p.Period)
				ch.Horizontal = len(ch.Categories) > 6 || c.ID == "ethnic_breakdown"
			}
			if len(ch.Categories) == 0 {
				continue
			}
		}
		ch.Title = s.cat.T(lang, c.Title)
		p.Charts = append(p.Charts, ch)
	}
	s.render(w, r, http.StatusOK, "stats", p)
}

// statUnits keeps the units a dashboard is drawn for: the district,
// subdistricts and committees (building groups and liaison groups are
// bars of their committee's chart).
func statUnits(list []*org.Unit) []*org.Unit {
	var out []*org.Unit
	for _, u := range list {
		if u.Kind == org.District || u.Kind == org.Subdistrict || u.Kind == org.Committee {
			out = append(out, u)
		}
	}
	return out
}

// mayOpenFigure: the lists behind a figure are records the actor may
// read; a leader (figures, never names) sees numbers without links.
func mayOpenFigure(a *auth.Actor, entity string) bool {
	perm, ok := figures.EntityPerm[entity]
	return ok && a.Can(perm)
}

// keyLabel shows a breakdown's key: a code of cases' channels, kinds and
// statuses or of hours' sources by its Chinese name; names as they are.
func (s *Server) keyLabel(lang, id, key string) string {
	prefix := map[string]string{"cases_by_channel": "case_channel.", "cases_by_kind": "case_kind.", "cases_by_status": "case_status.",
		"hours_by_source": "hours_source."}[id]
	if prefix == "" {
		return key
	}
	if t := s.cat.T(lang, prefix+key); t != prefix+key {
		return t
	}
	return key
}

func (c *statChart) fillParts(name string, v figures.Value, label func(string) string, open bool, unitID int64, p figures.Period) {
	parts := v.Parts
	const most = 12
	var rest float64
	if len(parts) > most {
		for _, x := range parts[most:] {
			rest += float64(x.Count)
		}
		parts = parts[:most]
	}
	ser := statSeries{Name: name}
	for _, x := range parts {
		c.Categories = append(c.Categories, label(x.Key))
		ser.Data = append(ser.Data, float64(x.Count))
		link := ""
		if open {
			link = figures.Link(c.ID, unitID, p, x.Code)
		}
		ser.Links = append(ser.Links, link)
	}
	if rest > 0 {
		c.Categories = append(c.Categories, "其他")
		ser.Data = append(ser.Data, rest)
		ser.Links = append(ser.Links, "")
	}
	c.Series = []statSeries{ser}
}

// fillMonths lays a month breakdown over the months of the period, with
// the same months of the year before.
func (c *statChart) fillMonths(thisYear, lastYear string, cur, prior figures.Value, p *statsPage, open bool, unitID int64) {
	last := 12
	if t, err := time.Parse("2006-01-02", p.Period.To); err == nil && t.Year() == p.Year {
		last = int(t.Month())
	}
	byKey := func(v figures.Value) map[string]float64 {
		m := map[string]float64{}
		for _, x := range v.Parts {
			m[x.Key] = float64(x.Count)
		}
		return m
	}
	now, before := byKey(cur), byKey(prior)
	a := statSeries{Name: thisYear}
	b := statSeries{Name: lastYear}
	for m := 1; m <= last; m++ {
		k, kb := fmt.Sprintf("%04d-%02d", p.Year, m), fmt.Sprintf("%04d-%02d", p.Year-1, m)
		c.Categories = append(c.Categories, strconv.Itoa(m)+"月")
		a.Data, b.Data = append(a.Data, now[k]), append(b.Data, before[kb])
		la, lb := "", ""
		if open {
			la, lb = figures.Link(c.ID, unitID, p.Period, k), figures.Link(c.ID, unitID, p.Prior, kb)
		}
		a.Links, b.Links = append(a.Links, la), append(b.Links, lb)
	}
	c.Series = []statSeries{a, b}
}

// childrenChart is the distribution over the units below: registered and
// floating minority residents of each.
func childrenChart(s *Server, r *http.Request, kids []figures.Child, p figures.Period, open bool) statChart {
	lang := info(r).Lang
	c := statChart{ID: "children", Horizontal: true, Definition: s.cat.T(lang, "stats.children_def")}
	reg := statSeries{Name: s.cat.T(lang, "stats.registered")}
	flo := statSeries{Name: s.cat.T(lang, "stats.floating")}
	any := false
	for _, k := range kids {
		c.Categories = append(c.Categories, strings.TrimSpace(k.Name))
		rv, fv := k.Values["minority_registered"].Number, k.Values["minority_floating"].Number
		reg.Data, flo.Data = append(reg.Data, rv), append(flo.Data, fv)
		if rv+fv > 0 {
			any = true
		}
		lr, lf := "", ""
		if open {
			lr, lf = figures.Link("minority_registered", k.UnitID, p, ""), figures.Link("minority_floating", k.UnitID, p, "")
		}
		reg.Links, flo.Links = append(reg.Links, lr), append(flo.Links, lf)
	}
	if !any {
		return statChart{}
	}
	c.Series = []statSeries{reg, flo}
	return c
}

// number shows a figure's value: a count grouped, a percentage or yuan
// with its decimals.
func (t statTile) Number(v figures.Value) string {
	switch {
	case !v.Available:
		return "—"
	case t.Money:
		return yuanText(v.Number)
	case t.Percent:
		return strconv.FormatFloat(v.Number, 'f', 1, 64) + "%"
	}
	return countText(v.Number)
}

// yuanText is an amount of yuan with fen, grouped: ¥1,234.50.
func yuanText(n float64) string { return "¥" + groupThousands(strconv.FormatFloat(n, 'f', 2, 64)) }

// countText is a count, grouped: 1,234.
func countText(n float64) string { return groupThousands(strconv.FormatInt(int64(math.Round(n)), 10)) }

// groupThousands puts commas in the integer part of a decimal number.
func groupThousands(s string) string {
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	frac := ""
	if i := strings.IndexByte(s, '.'); i >= 0 {
		s, frac = s[:i], s[i:]
	}
	var b strings.Builder
	for i, ch := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(ch)
	}
	out := b.String() + frac
	if neg {
		out = "-" + out
	}
	return out
}
