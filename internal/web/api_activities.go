package web

import (
	"net/http"

	"shiliu/internal/activity"
)

type apiActivity struct {
	ID             int64   `json:"id"`
	UnitID         int64   `json:"unit_id" doc:"the organiser"`
	Unit           string  `json:"unit"`
	Kind           string  `json:"kind" doc:"the kind's code (interest_class, holiday_visit …; own_… for the office's own kinds)"`
	KindName       string  `json:"kind_name"`
	SeriesID       int64   `json:"series_id,omitempty" doc:"the recurring series this occurrence belongs to"`
	Seq            int     `json:"seq,omitempty" doc:"the occurrence's number in its series"`
	Title          string  `json:"title"`
	StartsAt       string  `json:"starts_at" doc:"China time, YYYY-MM-DDTHH:MM"`
	EndsAt         string  `json:"ends_at"`
	Place          string  `json:"place"`
	Festival       string  `json:"festival,omitempty"`
	Status         string  `json:"status" enum:"planned,done,cancelled"`
	CancelReason   string  `json:"cancel_reason,omitempty"`
	OthersCount    int     `json:"others_count" doc:"others taking part, not registered, by number"`
	OthersMinority int     `json:"others_minority"`
	Participants   int     `json:"participants" doc:"registered persons present plus others"`
	Minority       int     `json:"minority_participants"`
	Households     int     `json:"households_reached"`
	Summary        string  `json:"summary"`
	PartnerIDs     []int64 `json:"partner_ids,omitempty"`
	Version        int     `json:"version"`
}

func toAPIActivity(x *activity.Activity) apiActivity {
	return apiActivity{ID: x.ID, UnitID: x.OrgID, Unit: x.OrgName, Kind: x.KindCode, KindName: x.KindName, SeriesID: x.SeriesID, Seq: x.Seq, Title: x.Title,
		StartsAt: x.StartsAt, EndsAt: x.EndsAt, Place: x.Place, Festival: x.Festival, Status: string(x.Status), CancelReason: x.CancelReason,
		OthersCount: x.OthersCount, OthersMinority: x.OthersMinority, Participants: x.Stats.Participants, Minority: x.Stats.Minority,
		Households: x.Stats.Households, Summary: x.Summary, PartnerIDs: x.PartnerIDs, Version: x.Version}
}

// apiActivityInput is an activity or a series to plan.
type apiActivityInput struct {
	UnitID         int64   `json:"unit_id" doc:"the organiser (default: the caller's unit)"`
	Kind           string  `json:"kind" doc:"a kind's code"`
	Title          string  `json:"title"`
	Date           string  `json:"date" doc:"YYYY-MM-DD; for a series the first possible date"`
	StartTime      string  `json:"start_time" doc:"HH:MM China time"`
	EndTime        string  `json:"end_time"`
	Place          string  `json:"place"`
	Festival       string  `json:"festival"`
	Repeat         string  `json:"repeat" doc:"a recurrence rule: FREQ=WEEKLY|MONTHLY;INTERVAL=n;BYDAY=WE or 2WE,4WE;COUNT=n or UNTIL=YYYY-MM-DD"`
	OthersCount    int     `json:"others_count"`
	OthersMinority int     `json:"others_minority"`
	Summary        string  `json:"summary"`
	HouseholdIDs   []int64 `json:"household_ids"`
	PartnerIDs     []int64 `json:"partner_ids"`
}

type apiAttendee struct {
	PersonID int64  `json:"person_id"`
	Name     string `json:"name"`
	Unit     string `json:"unit"`
	Role     string `json:"role" enum:"participant,helper"`
	OnRoster bool   `json:"on_roster"`
	Present  bool   `json:"present"`
}

type apiMark struct {
	PersonID int64  `json:"person_id"`
	Present  bool   `json:"present"`
	Role     string `json:"role" enum:"participant,helper"`
}

type apiVolunteer struct {
	PersonID       int64  `json:"person_id"`
	Name           string `json:"name"`
	Unit           string `json:"unit"`
	Minutes        int    `json:"minutes" doc:"hours that count, in minutes"`
	ActivityMins   int    `json:"activity_minutes"`
	DutyMins       int    `json:"duty_minutes"`
	VisitMins      int    `json:"visit_minutes"`
	SelfMins       int    `json:"self_logged_minutes" doc:"approved self-logged hours"`
	PendingMinutes int    `json:"pending_minutes" doc:"self-logged hours waiting for approval, not counted"`
}

type apiHoursInput struct {
	PersonID int64  `json:"person_id"`
	Date     string `json:"date"`
	Hours    string `json:"hours" doc:"hours as a decimal number, e.g. 1.5"`
	What     string `json:"what"`
}

func (s *Server) apiActivityList(w http.ResponseWriter, r *http.Request) {
	f := s.activityFilter(r)
	f.Limit, f.Offset = limitOffset(r)
	list, total, err := s.Activity.List(r.Context(), actorOf(r), f)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	items := make([]apiActivity, 0, len(list))
	for _, x := range list {
		items = append(items, toAPIActivity(x))
	}
	writeJSON(w, http.StatusOK, apiList[apiActivity]{Items: items, Total: total, Limit: f.Limit, Offset: f.Offset})
}

func (s *Server) apiActivityGet(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	var x *activity.Activity
	if err == nil {
		x, err = s.Activity.Get(r.Context(), actorOf(r), id)
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, toAPIActivity(x))
}

func (s *Server) apiActivityCreate(w http.ResponseWriter, r *http.Request) {
	var in apiActivityInput
	if err := decode(r, &in); err != nil {
		s.fail(w, r, err)
		return
	}
	x, err := s.Activity.Create(r.Context(), actorOf(r), activity.Input{OrgID: in.UnitID, KindCode: in.Kind, Title: in.Title, Date: in.Date,
		StartTime: in.StartTime, EndTime: in.EndTime, Place: in.Place, Festival: in.Festival, Repeat: in.Repeat, OthersCount: in.OthersCount,
		OthersMinority: in.OthersMinority, Summary: in.Summary, HouseholdIDs: in.HouseholdIDs, PartnerIDs: in.PartnerIDs})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, toAPIActivity(x))
}

func (s *Server) apiActivityAttendees(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	var list []activity.Attendee
	if err == nil {
		list, err = s.Activity.Attendees(r.Context(), actorOf(r), id)
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	items := make([]apiAttendee, 0, len(list))
	for _, t := range list {
		items = append(items, apiAttendee{PersonID: t.PersonID, Name: t.Name, Unit: t.OrgName, Role: t.Role, OnRoster: t.OnRoster, Present: t.Present})
	}
	writeJSON(w, http.StatusOK, items)
}

func (s *Server) apiActivityMark(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	var in apiMark
	if err := decode(r, &in); err != nil {
		s.fail(w, r, err)
		return
	}
	if err := s.Activity.Mark(r.Context(), actorOf(r), id, in.PersonID, in.Present, in.Role); err != nil {
		s.fail(w, r, err)
		return
	}
	s.apiActivityAttendees(w, r)
}

func (s *Server) apiVolunteerList(w http.ResponseWriter, r *http.Request) {
	from, to := s.period(r)
	list, err := s.Activity.Volunteers(r.Context(), actorOf(r), from, to)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	items := make([]apiVolunteer, 0, len(list))
	for _, v := range list {
		items = append(items, apiVolunteer{PersonID: v.PersonID, Name: v.Name, Unit: v.OrgName, Minutes: v.Total, ActivityMins: v.Minutes[activity.FromActivity],
			DutyMins: v.Minutes[activity.FromDuty], VisitMins: v.Minutes[activity.FromVisit], SelfMins: v.Minutes[activity.FromSelf], PendingMinutes: v.Pending})
	}
	writeJSON(w, http.StatusOK, items)
}

func (s *Server) apiVolunteerLogHours(w http.ResponseWriter, r *http.Request) {
	var in apiHoursInput
	if err := decode(r, &in); err != nil {
		s.fail(w, r, err)
		return
	}
	id, err := s.Activity.LogHours(r.Context(), actorOf(r), activity.HoursInput{PersonID: in.PersonID, Date: in.Date, Hours: in.Hours, What: in.What})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, map[string]any{"id": id, "status": activity.HoursPending})
}
