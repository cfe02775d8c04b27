package web

import (
	"net/http"

	"shiliu/internal/cases"
	"shiliu/internal/pairing"
)

type apiCase struct {
	ID              int64  `json:"id"`
	Code            string `json:"code"`
	UnitID          int64  `json:"unit_id"`
	Unit            string `json:"unit"`
	RoutedBy        string `json:"routed_by"`
	Channel         string `json:"channel"`
	Kind            string `json:"kind"`
	Urgency         string `json:"urgency"`
	Status          string `json:"status"`
	PersonID        int64  `json:"person_id,omitempty"`
	CallerName      string `json:"caller_name,omitempty"`
	PhoneMasked     string `json:"callback_phone_masked,omitempty"`
	Address         string `json:"address"`
	Summary         string `json:"summary"`
	AssigneeUserID  int64  `json:"assignee_user_id,omitempty"`
	AssigneeUnitID  int64  `json:"assignee_unit_id,omitempty"`
	Partner         string `json:"partner,omitempty"`
	RespondDue      string `json:"respond_due"`
	ResolveDue      string `json:"resolve_due"`
	RespondedAt     string `json:"responded_at,omitempty"`
	ClosedAt        string `json:"closed_at,omitempty"`
	Result          string `json:"result,omitempty"`
	Resolution      string `json:"resolution,omitempty"`
	Satisfaction    int    `json:"satisfaction,omitempty"`
	Overdue         bool   `json:"overdue"`
	EscalationLevel int    `json:"escalation_level"`
	OccurredAt      string `json:"occurred_at,omitempty"`
	Place           string `json:"place,omitempty"`
	PeopleInvolved  string `json:"people_involved,omitempty"`
	FirstReport     string `json:"first_report,omitempty"`
	ClosingReport   string `json:"closing_report,omitempty"`
	Version         int    `json:"version"`
	CreatedAt       string `json:"created_at"`
}

func toAPICase(c *cases.Case) apiCase {
	return apiCase{ID: c.ID, Code: c.Code, UnitID: c.OrgID, Unit: c.OrgName, RoutedBy: string(c.RoutedBy), Channel: string(c.Channel), Kind: string(c.Kind),
		Urgency: string(c.Urgency), Status: string(c.Status), PersonID: c.PersonID, CallerName: c.CallerName, PhoneMasked: c.PhoneMasked, Address: c.Address,
		Summary: c.Summary, AssigneeUserID: c.AssigneeUserID, AssigneeUnitID: c.AssigneeOrgID, Partner: c.Partner, RespondDue: c.RespondDue,
		ResolveDue: c.ResolveDue, RespondedAt: c.RespondedAt, ClosedAt: c.ClosedAt, Result: string(c.Result), Resolution: c.Resolution,
		Satisfaction: c.Satisfaction, Overdue: c.Overdue(), EscalationLevel: c.EscalationLevel, OccurredAt: c.OccurredAt, Place: c.Place,
		PeopleInvolved: c.PeopleInvolved, FirstReport: c.FirstReport, ClosingReport: c.ClosingReport, Version: c.Version, CreatedAt: c.CreatedAt}
}

func (s *Server) apiCaseList(w http.ResponseWriter, r *http.Request) {
	f := caseFilterFrom(r)
	f.Limit, f.Offset = limitOffset(r)
	list, total, err := s.Cases.List(r.Context(), actorOf(r), f)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	items := make([]apiCase, 0, len(list))
	for _, c := range list {
		items = append(items, toAPICase(c))
	}
	writeJSON(w, http.StatusOK, apiList[apiCase]{Items: items, Total: total, Limit: f.Limit, Offset: f.Offset})
}

func (s *Server) apiCaseGet(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	var c *cases.Case
	if err == nil {
		c, err = s.Cases.Get(r.Context(), actorOf(r), id)
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, toAPICase(c))
}

func (s *Server) apiCaseIntake(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Channel        string `json:"channel"`
		Kind           string `json:"kind"`
		Urgency        string `json:"urgency"`
		PersonID       int64  `json:"person_id"`
		CallerName     string `json:"caller_name"`
		CallerPhone    string `json:"callback_phone"`
		Address        string `json:"address"`
		Summary        string `json:"summary"`
		UnitID         int64  `json:"unit_id"`
		ResolveDue     string `json:"resolve_due"`
		OccurredAt     string `json:"occurred_at"`
		Place          string `json:"place"`
		PeopleInvolved string `json:"people_involved"`
		FirstReport    string `json:"first_report"`
	}
	if err := decode(r, &in); err != nil {
		s.fail(w, r, err)
		return
	}
	if in.Urgency == "" {
		in.Urgency = string(cases.Normal)
	}
	c, err := s.Cases.Intake(r.Context(), actorOf(r), cases.IntakeInput{Channel: cases.Channel(in.Channel), Kind: cases.Kind(in.Kind),
		Urgency: cases.Urgency(in.Urgency), PersonID: in.PersonID, CallerName: in.CallerName, CallerPhone: in.CallerPhone, Address: in.Address,
		Summary: in.Summary, OrgID: in.UnitID, ResolveDue: in.ResolveDue, OccurredAt: in.OccurredAt, Place: in.Place, PeopleInvolved: in.PeopleInvolved,
		FirstReport: in.FirstReport})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, toAPICase(c))
}

func (s *Server) apiCaseTransition(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	var in struct {
		Action        string `json:"action"`
		Version       int    `json:"version"`
		Note          string `json:"note"`
		UnitID        int64  `json:"unit_id"`
		UserID        int64  `json:"user_id"`
		Partner       string `json:"partner"`
		Due           string `json:"due"`
		Resolution    string `json:"resolution"`
		Result        string `json:"result"`
		ClosingReport string `json:"closing_report"`
		Satisfaction  int    `json:"satisfaction"`
	}
	if err := decode(r, &in); err != nil {
		s.fail(w, r, err)
		return
	}
	c, err := s.Cases.Transition(r.Context(), actorOf(r), id, cases.TransitionInput{Action: cases.Action(in.Action), Version: in.Version, Note: in.Note,
		OrgID: in.UnitID, UserID: in.UserID, Partner: in.Partner, Due: in.Due, Resolution: in.Resolution, Result: cases.Result(in.Result),
		ClosingReport: in.ClosingReport, Satisfaction: in.Satisfaction})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, toAPICase(c))
}

type apiNotification struct {
	ID        int64  `json:"id"`
	Kind      string `json:"kind"`
	CaseID    int64  `json:"case_id"`
	Title     string `json:"title"`
	Body      string `json:"body"`
	CreatedAt string `json:"created_at"`
	ReadAt    string `json:"read_at,omitempty"`
}

func (s *Server) apiNotifications(w http.ResponseWriter, r *http.Request) {
	list, err := s.Cases.Notifications(r.Context(), actorOf(r), r.URL.Query().Get("unread") == "true")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	items := make([]apiNotification, 0, len(list))
	for _, n := range list {
		items = append(items, apiNotification{ID: n.ID, Kind: n.Kind, CaseID: n.CaseID, Title: n.Title, Body: n.Body, CreatedAt: n.CreatedAt, ReadAt: n.ReadAt})
	}
	writeJSON(w, http.StatusOK, apiList[apiNotification]{Items: items, Total: len(items), Limit: len(items)})
}

type apiPairing struct {
	ID                int64  `json:"id"`
	UnitID            int64  `json:"unit_id"`
	HelperKind        string `json:"helper_kind"`
	HelperName        string `json:"helper_name"`
	HelperPersonID    int64  `json:"helper_person_id,omitempty"`
	HelperUserID      int64  `json:"helper_user_id,omitempty"`
	TargetPersonID    int64  `json:"target_person_id,omitempty"`
	TargetHouseholdID int64  `json:"target_household_id,omitempty"`
	TargetName        string `json:"target_name"`
	StartDate         string `json:"start_date"`
	EndDate           string `json:"end_date,omitempty"`
	Agreement         string `json:"agreement"`
	CadenceDays       int    `json:"cadence_days"`
	Status            string `json:"status"`
	LastVisitDate     string `json:"last_visit_date,omitempty"`
	NextDueDate       string `json:"next_due_date,omitempty"`
	DaysOverdue       int    `json:"days_overdue"`
	Visits            int    `json:"visits"`
	ValueCents        int64  `json:"value_cents"`
	Version           int    `json:"version"`
}

func toAPIPairing(p *pairing.Pairing) apiPairing {
	name := p.TargetName
	if name == "" {
		name = p.TargetHousehold
	}
	return apiPairing{ID: p.ID, UnitID: p.OrgID, HelperKind: string(p.HelperKind), HelperName: p.HelperName, HelperPersonID: p.HelperPersonID,
		HelperUserID: p.HelperUserID, TargetPersonID: p.TargetPersonID, TargetHouseholdID: p.TargetHouseholdID, TargetName: name, StartDate: p.StartDate,
		EndDate: p.EndDate, Agreement: p.Agreement, CadenceDays: p.CadenceDays, Status: string(p.Status), LastVisitDate: p.LastVisitDate,
		NextDueDate: p.NextDueDate, DaysOverdue: p.DaysOverdue, Visits: p.Visits, ValueCents: p.ValueCents, Version: p.Version}
}

func (s *Server) apiPairingList(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	f := pairing.Filter{Status: pairing.Status(q.Get("status")), Overdue: q.Get("overdue") == "true"}
	f.Limit, f.Offset = limitOffset(r)
	list, total, err := s.Pairing.List(r.Context(), actorOf(r), f)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	items := make([]apiPairing, 0, len(list))
	for _, p := range list {
		items = append(items, toAPIPairing(p))
	}
	writeJSON(w, http.StatusOK, apiList[apiPairing]{Items: items, Total: total, Limit: f.Limit, Offset: f.Offset})
}

func (s *Server) apiPairingGet(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	var p *pairing.Pairing
	if err == nil {
		p, err = s.Pairing.Get(r.Context(), actorOf(r), id)
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, toAPIPairing(p))
}

func (s *Server) apiPairingVisit(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	var in struct {
		Date        string `json:"date"`
		VisitorName string `json:"visitor_name"`
		Help        string `json:"help"`
		ValueCents  int64  `json:"value_cents"`
		Note        string `json:"note"`
	}
	if err := decode(r, &in); err != nil {
		s.fail(w, r, err)
		return
	}
	v, err := s.Pairing.LogVisit(r.Context(), actorOf(r), id, pairing.VisitInput{Date: in.Date, VisitorName: in.VisitorName, Help: in.Help,
		ValueCents: in.ValueCents, Note: in.Note})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, map[string]any{"id": v.ID, "pairing_id": v.PairingID, "date": v.Date, "help": v.Help, "value_cents": v.ValueCents})
}
