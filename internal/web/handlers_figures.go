package web

import (
	"net/http"
	"strconv"

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
	base := figures.Link(id, unitID, p, key)
	if offset > 0 {
		pg.PrevHref = base + "&offset=" + strconv.Itoa(max(offset-limit, 0))
	}
	if offset+limit < list.Total {
		pg.NextHref = base + "&offset=" + strconv.Itoa(offset+limit)
	}
	s.render(w, r, http.StatusOK, "figure_records", pg)
}
