package figures

import (
	"context"
	"fmt"
	"net/url"
	"strconv"
	"strings"

	"shiliu/internal/audit"
	"shiliu/internal/auth"
	"shiliu/internal/db"
	"shiliu/internal/errs"
)

// Link is the address of the record list behind a figure (and one key of
// a breakdown): /figures/{id}?org=&year=[&key=][&from=&to=]. Dashboards
// link here; the address is kept stable.
func Link(id string, orgID int64, p Period, key string) string {
	v := url.Values{}
	v.Set("org", strconv.FormatInt(orgID, 10))
	if p.From == fmt.Sprintf("%04d-01-01", p.Year) && p.To == fmt.Sprintf("%04d-12-31", p.Year) {
		v.Set("year", strconv.Itoa(p.Year))
	} else {
		v.Set("from", p.From)
		v.Set("to", p.To)
	}
	if key != "" {
		v.Set("key", key)
	}
	return "/figures/" + url.PathEscape(id) + "?" + v.Encode()
}

// SmallCount is the smallest count a leader below subdistrict level sees
// as a number; smaller ones show as "<5".
const SmallCount = 5

// Shown is a figure as a user sees it: the number as text, "<5" when
// suppressed, and a breakdown's cells likewise.
type Shown struct {
	Value
	Text       string      `json:"text"`
	Suppressed bool        `json:"suppressed"`
	Cells      []ShownCell `json:"cells,omitempty"`
}

// ShownCell is one key of a breakdown as shown.
type ShownCell struct {
	Part
	Text       string `json:"text"`
	Suppressed bool   `json:"suppressed"`
}

// Suppresses reports whether the actor's figures of a unit of kind are
// suppressed: a leader (figures, not names) looking at a committee or a
// building group.
func Suppresses(a *auth.Actor, unitKind string) bool {
	return a.Can(auth.FigureView) && !a.Can(auth.PersonView) && (unitKind == "committee" || unitKind == "building_group")
}

// Show turns computed figures into what a user sees. With suppress, every
// count of records under SmallCount shows as "<5"; in a breakdown, when
// exactly one cell is suppressed the next-smallest is suppressed too (so
// the total cannot reveal it), and a percentage whose numerator is
// suppressed is suppressed. Pages and the API both show figures through
// here.
func Show(vals map[string]Value, suppress bool) map[string]Shown {
	out := map[string]Shown{}
	small := func(ind *Indicator, n float64) bool {
		return suppress && ind.Entity != "" && ind.Entity != "org" && n < SmallCount && n > 0
	}
	for i := range Indicators {
		ind := &Indicators[i]
		v := vals[ind.ID]
		sh := Shown{Value: v, Text: format(ind, v.Number)}
		if !v.Available {
			sh.Text = "—"
		}
		if ind.Kind == Count && v.Available && small(ind, v.Number) {
			sh.Text, sh.Suppressed = fmt.Sprintf("<%d", SmallCount), true
		}
		if ind.Kind == Breakdown {
			hidden, smallest := 0, -1
			for _, p := range v.Parts {
				c := ShownCell{Part: p, Text: formatN(p.Count, ind.Decimals)}
				if small(ind, p.Count) {
					c.Text, c.Suppressed = fmt.Sprintf("<%d", SmallCount), true
					hidden++
				}
				sh.Cells = append(sh.Cells, c)
			}
			if hidden == 1 {
				for j, c := range sh.Cells {
					if !c.Suppressed && c.Count > 0 && (smallest < 0 || c.Count < sh.Cells[smallest].Count) {
						smallest = j
					}
				}
				if smallest >= 0 {
					sh.Cells[smallest].Text, sh.Cells[smallest].Suppressed = "*", true
				}
			}
		}
		out[ind.ID] = sh
	}
	for i := range Indicators {
		ind := &Indicators[i]
		if ind.Kind == Percent && out[ind.Of[0]].Suppressed {
			sh := out[ind.ID]
			sh.Text, sh.Suppressed = "*", true
			out[ind.ID] = sh
		}
	}
	return out
}

func format(ind *Indicator, n float64) string {
	if ind.Kind == Percent {
		return strconv.FormatFloat(n, 'f', 1, 64)
	}
	return formatN(n, ind.Decimals)
}

func formatN(n float64, decimals int) string { return strconv.FormatFloat(n, 'f', decimals, 64) }

// Row is one record of a figure's list, as little as identifies it: no ID
// number, no phone.
type Row struct {
	ID    int64  `json:"id"`
	Title string `json:"title"`
	Sub   string `json:"sub"`
	Link  string `json:"link"`
}

// List is the page of records behind a figure.
type List struct {
	Indicator *Indicator
	Value     Value
	Key       string
	Total     int
	Rows      []Row
}

// rowSQL reads the rows of the listed ids, by kind of record.
var rowSQL = map[string]struct{ q, link string }{
	"person":    {`SELECT p.id, p.name, p.ethnicity || ' · ' || o.name FROM persons p JOIN org_units o ON o.id = p.org_id WHERE p.id IN (%s) ORDER BY p.id`, "/persons/%d"},
	"household": {`SELECT h.id, h.code, o.name || ' · ' || h.address FROM households h JOIN org_units o ON o.id = h.org_id WHERE h.id IN (%s) ORDER BY h.id`, "/households/%d"},
	"case":      {`SELECT c.id, c.code, c.kind || ' · ' || c.status || ' · ' || substr(c.created_at, 1, 10) FROM cases c WHERE c.id IN (%s) ORDER BY c.id`, "/cases/%d"},
	"activity":  {`SELECT x.id, x.title, substr(x.starts_at, 1, 16) FROM activities x WHERE x.id IN (%s) ORDER BY x.id`, "/activities/%d"},
	"honour":    {`SELECT h.id, k.name, o.name || ' · ' || h.year FROM honours h JOIN honour_kinds k ON k.id = h.kind_id JOIN org_units o ON o.id = h.org_id WHERE h.id IN (%s) ORDER BY h.id`, "/honours/%d"},
	"pairing":   {`SELECT pr.id, pr.helper_kind || ' · ' || pr.start_date, pr.status FROM pairings pr WHERE pr.id IN (%s) ORDER BY pr.id`, "/pairings/%d"},
	"visit":     {`SELECT v.pairing_id, v.date, 'visit ' || v.id FROM pairing_visits v WHERE v.id IN (%s) ORDER BY v.id`, "/pairings/%d"},
	"org":       {`SELECT u.id, u.name, u.code FROM org_units u WHERE u.id IN (%s) ORDER BY u.id`, "/org/%d"},
}

// Open is the list of records behind a figure (or one key of a breakdown)
// for the actor, a page of it from offset; opening it is audited.
func (s *Service) Open(ctx context.Context, a *auth.Actor, id string, unitID int64, p Period, key string, limit, offset int) (*List, error) {
	entity, page, total, err := s.records(ctx, a, id, unitID, p, key, limit, offset)
	if err != nil {
		return nil, err
	}
	l := &List{Indicator: ByID(id), Key: key, Total: total}
	if len(page) > 0 {
		marks := strings.TrimSuffix(strings.Repeat("?, ", len(page)), ", ")
		args := make([]any, len(page))
		for i, x := range page {
			args[i] = x
		}
		rs := rowSQL[entity]
		rows, err := s.DB.Query(ctx, fmt.Sprintf(rs.q, marks), args...)
		l.Rows, err = db.Collect(rows, err, func(sc db.Scanner) (Row, error) {
			var r Row
			err := sc.Scan(&r.ID, &r.Title, &r.Sub)
			if entity == "person" {
				if code, rest, ok := strings.Cut(r.Sub, " · "); ok {
					r.Sub = EthnicName(code) + " · " + rest
				}
			}
			r.Link = fmt.Sprintf(rs.link, r.ID)
			return r, err
		})
		if err != nil {
			return nil, err
		}
	}
	err = s.DB.WithTx(ctx, func(tx *db.Tx) error {
		return audit.Write(ctx, tx, audit.Entry{Who: a.Who(), Action: "figure_records", Entity: "figure", EntityID: id,
			Detail: map[string]any{"id": id, "org": unitID, "from": p.From, "to": p.To, "key": key, "count": total}})
	})
	return l, err
}

// Snapshots are the approved figures of a unit and year (the approvals
// keep them); nil when there are none.
type Snapshots interface {
	Approved(ctx context.Context, unitID int64, year int) (version int, values map[string]any, ok bool, err error)
}

// ErrNoData is a year for which a unit has neither base figures nor any
// record counted.
var ErrNoData = errs.E(errs.NotFound, "err.figures_no_data")

// Report is the JSON summary of a unit's year: the figures by id and
// "approved", the snapshot's version or nil when computed live. Unless
// live, an approved snapshot is returned as it was approved.
func (s *Service) Report(ctx context.Context, a *auth.Actor, unitID int64, year int, live bool) (map[string]any, error) {
	out, _, err := s.report(ctx, a, unitID, year, live, func() (map[string]Value, Computed, error) {
		vals, err := s.Compute(ctx, a, unitID, Year(year))
		return vals, Computed{}, err
	})
	return out, err
}

// LatestReport is Report for the API: a live summary of a large unit may
// come from the cache (Latest); Computed says when it was computed.
func (s *Service) LatestReport(ctx context.Context, a *auth.Actor, unitID int64, year int, live, fresh bool) (map[string]any, Computed, error) {
	return s.report(ctx, a, unitID, year, live, func() (map[string]Value, Computed, error) {
		return s.Latest(ctx, a, unitID, Year(year), fresh)
	})
}

func (s *Service) report(ctx context.Context, a *auth.Actor, unitID int64, year int, live bool, compute func() (map[string]Value, Computed, error)) (map[string]any, Computed, error) {
	if err := a.Require(auth.FigureView); err != nil {
		return nil, Computed{}, err
	}
	if _, err := s.unit(ctx, a, unitID); err != nil {
		return nil, Computed{}, err
	}
	if !live && s.Snapshots != nil {
		v, vals, ok, err := s.Snapshots.Approved(ctx, unitID, year)
		if err != nil {
			return nil, Computed{}, err
		}
		if ok {
			out := map[string]any{}
			for k, x := range vals {
				out[k] = x
			}
			out["approved"] = v
			return out, Computed{}, nil
		}
	}
	vals, at, err := compute()
	if err != nil {
		return nil, Computed{}, err
	}
	any := false
	for _, ind := range Indicators {
		v := vals[ind.ID]
		if v.Available && (v.Number != 0 && ind.ID != "committees" && ind.ID != "liaison_groups") {
			any = true
		}
	}
	if !any {
		return nil, Computed{}, ErrNoData
	}
	out := Summary(vals)
	out["approved"] = nil
	return out, at, nil
}
