package web

import (
	"net/http"
	"strconv"
	"strings"

	"shiliu/internal/figures"
	"shiliu/internal/org"
)

// The records behind a figure: /figures/{figure}?org=&year= (or from=&to=)
// [&key=] lists what the number counts, in the viewer's scope, as little
// of each record as identifies it; opening it is audited. The dashboard's
// numbers and bars link here.

type figureListPage struct {
	Page
	Unit   *org.Unit
	Period figures.Period
	List   *figures.List
	// KeyName is the breakdown's key as shown.
	KeyName  string
	Offset   int
	Limit    int
	PrevHref string
	NextHref string
	// FigureOnly: the viewer sees figures, not names (a leader); Shown is
	// the figure as they see it.
	FigureOnly bool
	Shown      string
}

// figurePeriod reads year= or from=&to= (default: this year to date).
func (s *Server) figurePeriod(r *http.Request) (figures.Period, error) {
	q := r.URL.Query()
	if from, to := q.Get("from"), q.Get("to"); from != "" || to != "" {
		return figures.Range(from, to)
	}
	if y, err := strconv.Atoi(q.Get("year")); err == nil && y >= 2000 && y <= 2100 {
		return figures.Year(y), nil
	}
	return figures.ToDate(s.Figures.Now().Year(), s.Figures.Now()), nil
}

func (s *Server) figureRecords(w http.ResponseWriter, r *http.Request) {
	a := actorOf(r)
	id := r.PathValue("figure")
	if figures.ByID(id) == nil {
		s.notFound(w, r)
		return
	}
	p, err := s.figurePeriod(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	unitID := a.OrgID
	if u := queryID(r, "org"); u != 0 {
		unitID = u
	}
	unit, err := s.Org.Get(r.Context(), a, unitID)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	const limit = 100
	offset, _ := strconv.Atoi(r.URL.Query().Get("offset"))
	offset = max(offset, 0)
	key := r.URL.Query().Get("key")
	ind := figures.ByID(id)
	if !mayOpenFigure(a, ind.Entity) {
		// a leader's: the figure and what it counts, not the names behind it
		vals, err := s.Figures.Some(r.Context(), a, unitID, p, id)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		shown := figures.Show(vals, figures.Suppresses(a, string(unit.Kind)))[id]
		pg := &figureListPage{Page: s.page(r, "figures.records_title", ind.ZH), Unit: unit, Period: p, List: &figures.List{Indicator: ind, Value: vals[id], Key: key},
			FigureOnly: true, Shown: shown.Text, KeyName: s.keyLabel(info(r).Lang, id, key)}
		s.render(w, r, http.StatusOK, "figure_records", pg)
		return
	}
	list, err := s.Figures.Open(r.Context(), a, id, unitID, p, key, limit, offset)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	pg := &figureListPage{Page: s.page(r, "figures.records_title", list.Indicator.ZH), Unit: unit, Period: p, List: list, Offset: offset, Limit: limit,
		KeyName: s.keyLabel(info(r).Lang, id, key)}
	if info(r).Lang != "zh" {
		pg.Title = s.cat.T(info(r).Lang, "figures.records_title", list.Indicator.EN)
	}
	if key != "" && list.Indicator.KeyName != nil {
		pg.KeyName = list.Indicator.KeyName(key)
	}
	for i := range list.Rows {
		list.Rows[i].Title = s.rowText(info(r).Lang, ind.Entity, list.Rows[i].Title)
		list.Rows[i].Sub = s.rowText(info(r).Lang, ind.Entity, list.Rows[i].Sub)
	}
	base := figures.Link(id, unitID, p, key)
	if offset > 0 {
		pg.PrevHref = base + "&offset=" + strconv.Itoa(max(offset-limit, 0))
	}
	if offset+limit < list.Total {
		pg.NextHref = base + "&offset=" + strconv.Itoa(offset+limit)
	}
	s.render(w, r, http.StatusOK, "figure_records", pg)
}

// rowPrefixes are the catalogue prefixes of the codes a record list's row
// holds, by kind of record (a case's kind and status, a pairing's helper
// kind and status).
var rowPrefixes = map[string][]string{
	"case":    {"case_kind.", "case_status."},
	"pairing": {"helper.", "pairings.status_"},
}

// rowText shows the codes in a record list's title or detail by their
// names: each " · "-separated part that is a known code is translated.
func (s *Server) rowText(lang, entity, text string) string {
	prefixes := rowPrefixes[entity]
	if len(prefixes) == 0 {
		return text
	}
	parts := strings.Split(text, " · ")
	for i, part := range parts {
		for _, pre := range prefixes {
			if t := s.cat.T(lang, pre+part); t != pre+part {
				parts[i] = t
				break
			}
		}
	}
	return strings.Join(parts, " · ")
}

type figureIndexPage struct {
	Page
	Unit    *org.Unit
	Units   []*org.Unit
	Period  figures.Period
	Year    int
	Years   []int
	Figures []FigureRow
	// Computed: see statsPage.
	Computed figures.Computed
	Fresh    string
}

// figureIndex lists every indicator with its definition and its value for
// a unit over a year (this year: to date), each opening its records.
func (s *Server) figureIndex(w http.ResponseWriter, r *http.Request) {
	a := actorOf(r)
	unit, p, err := s.figureUnit(r)
	pg := &figureIndexPage{Page: s.page(r, "figures.index_title"), Unit: unit, Period: p, Year: p.Year}
	var vals map[string]figures.Value
	if err == nil {
		pg.Units, err = s.Org.Tree(r.Context(), a, false)
	}
	if err == nil {
		vals, pg.Computed, err = s.Figures.Latest(r.Context(), a, unit.ID, p, r.URL.Query().Get("fresh") == "1")
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	pg.Units = statUnits(pg.Units)
	pg.Fresh = "/figures?org=" + strconv.FormatInt(unit.ID, 10) + "&year=" + strconv.Itoa(p.Year) + "&fresh=1"
	for y := s.Figures.Now().Year(); y >= s.Figures.Now().Year()-4; y-- {
		pg.Years = append(pg.Years, y)
	}
	pg.Figures = s.figureRows(pg.Lang, vals, figures.Suppresses(a, string(unit.Kind)), true, unit.ID, p)
	s.render(w, r, http.StatusOK, "figure_index", pg)
}
