package web

import (
	"net/http"

	"shiliu/internal/festival"
)

// apiFestival is a festival in a year. date is null when not known (a
// festival without a rule and no official date), end null for one day;
// groups is empty and all_groups true for a festival of every group.
type apiFestival struct {
	ID        string   `json:"id"`
	Name      string   `json:"name" doc:"Chinese name"`
	Date      *string  `json:"date" doc:"first day, YYYY-MM-DD; null when not known"`
	End       *string  `json:"end" doc:"last day of several; null for one day"`
	Weekday   int      `json:"weekday,omitempty" doc:"of the first day, 1 Monday … 7 Sunday"`
	Rule      string   `json:"rule" enum:"lunar,hijri,tibetan,solar,office"`
	Groups    []string `json:"groups" doc:"full ethnic names (回族 …)"`
	AllGroups bool     `json:"all_groups"`
	Source    string   `json:"source" enum:"computed,official"`
	Note      string   `json:"note"`
	Also      []string `json:"also,omitempty" doc:"a second date in the same year (an Islamic festival)"`
	// The official record, when source is official.
	OfficialSource string `json:"official_source,omitempty"`
	SetBy          string `json:"set_by,omitempty"`
	SetAt          string `json:"set_at,omitempty"`
}

// apiUpcomingHousehold is a hardship household with no visit planned.
type apiUpcomingHousehold struct {
	ID       int64  `json:"id"`
	Code     string `json:"code"`
	Address  string `json:"address"`
	HeadName string `json:"head_name"`
	Unit     string `json:"unit"`
}

// apiUpcoming is a festival of the next 60 days and whom it concerns in
// the caller's scope.
type apiUpcoming struct {
	Festival   apiFestival            `json:"festival"`
	On         string                 `json:"on" doc:"the day of this occurrence"`
	DaysUntil  int                    `json:"days_until"`
	Residents  int                    `json:"residents" doc:"active residents of its groups in scope"`
	Hardship   int                    `json:"hardship_households"`
	Unplanned  int                    `json:"unplanned_households" doc:"hardship households with no holiday visit planned"`
	Households []apiUpcomingHousehold `json:"households" doc:"the unplanned ones; empty for roles without the registry"`
	VisitURL   string                 `json:"visit_url,omitempty" doc:"the holiday-visit form for them"`
}

func orNull(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func (s *Server) toAPIFestival(r *http.Request, d festival.Date) apiFestival {
	return apiFestival{ID: d.ID, Name: d.Name, Date: orNull(d.Date), End: orNull(d.End), Weekday: isoWeekday(d.Date), Rule: string(d.Rule),
		Groups: d.GroupNames(), AllGroups: d.All, Source: string(d.Source), Note: s.cat.T(info(r).Lang, d.NoteKey, d.NoteArgs...), Also: d.Also,
		OfficialSource: d.OfficialSource, SetBy: d.SetBy, SetAt: d.SetAt}
}

func (s *Server) apiFestivals(w http.ResponseWriter, r *http.Request) {
	y, err := s.festivalYear(r)
	var cal []festival.Date
	if err == nil {
		cal, err = s.Festival.Calendar(r.Context(), actorOf(r), y)
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	out := make([]apiFestival, 0, len(cal))
	for _, d := range cal {
		out = append(out, s.toAPIFestival(r, d))
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) apiFestivalsUpcoming(w http.ResponseWriter, r *http.Request) {
	up, err := s.Festival.Upcoming(r.Context(), actorOf(r), festival.UpcomingDays)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	out := make([]apiUpcoming, 0, len(up))
	for _, u := range up {
		a := apiUpcoming{Festival: s.toAPIFestival(r, u.Date), On: u.On, DaysUntil: u.DaysUntil, Residents: u.Residents, Hardship: u.Hardship,
			Unplanned: u.Unplanned, Households: []apiUpcomingHousehold{}, VisitURL: u.VisitURL}
		for _, h := range u.Households {
			a.Households = append(a.Households, apiUpcomingHousehold{ID: h.ID, Code: h.Code, Address: h.Address, HeadName: h.HeadName, Unit: h.OrgName})
		}
		out = append(out, a)
	}
	writeJSON(w, http.StatusOK, out)
}
