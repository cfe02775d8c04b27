package web

import (
	"net/http"
	"strconv"

	"shiliu/internal/errs"
	"shiliu/internal/people"
)

// apiPerson is a person in the API: sensitive values only masked; the full
// ones through POST /persons/{id}/reveal.
type apiPerson struct {
	ID                int64    `json:"id"`
	Name              string   `json:"name"`
	IDNumberMasked    string   `json:"id_number_masked"`
	PhoneMasked       string   `json:"phone_masked"`
	Ethnicity         string   `json:"ethnicity" doc:"GB/T 3304 code"`
	Sex               int      `json:"sex" doc:"1 male, 2 female"`
	BirthDate         string   `json:"birth_date"`
	BirthRegion       string   `json:"birth_region"`
	Kind              int      `json:"kind" doc:"1 registered (户籍), 2 floating (流动)"`
	OrgID             int64    `json:"committee_id"`
	OrgName           string   `json:"committee"`
	BuildingGroupID   int64    `json:"building_group_id,omitempty"`
	HouseholdID       int64    `json:"household_id,omitempty"`
	Relation          string   `json:"relation,omitempty"`
	CurrentAddress    string   `json:"current_address"`
	RegisteredAddress string   `json:"registered_address"`
	Workplace         string   `json:"workplace"`
	WorkplaceKind     int      `json:"workplace_kind"`
	Education         string   `json:"education"`
	PoliticalStatus   string   `json:"political_status"`
	Tags              []string `json:"tags"`
	Note              string   `json:"note"`
	Status            string   `json:"status"`
	StatusDate        string   `json:"status_date,omitempty"`
	Archived          bool     `json:"archived"`
	ArrivalDate       string   `json:"arrival_date,omitempty"`
	Origin            string   `json:"origin,omitempty"`
	ExpectedLeaveDate string   `json:"expected_leave_date,omitempty"`
	PermitNo          string   `json:"permit_no,omitempty"`
	PermitExpiry      string   `json:"permit_expiry,omitempty"`
	LiaisonPoint      string   `json:"liaison_point,omitempty"`
	Version           int      `json:"version"`
	UpdatedAt         string   `json:"updated_at"`
}

func toAPIPerson(p *people.Person) apiPerson {
	tags := p.Tags.Keys()
	if tags == nil {
		tags = []string{}
	}
	return apiPerson{ID: p.ID, Name: p.Name, IDNumberMasked: p.IDMasked, PhoneMasked: p.PhoneMasked, Ethnicity: p.Ethnicity, Sex: p.Sex,
		BirthDate: p.BirthDate, BirthRegion: p.BirthRegion, Kind: int(p.Kind), OrgID: p.OrgID, OrgName: p.OrgName, BuildingGroupID: p.BuildingGroupID,
		HouseholdID: p.HouseholdID, Relation: p.Relation, CurrentAddress: p.CurrentAddress, RegisteredAddress: p.RegisteredAddr, Workplace: p.Workplace,
		WorkplaceKind: int(p.WorkplaceKind), Education: p.Education, PoliticalStatus: p.PoliticalStatus, Tags: tags, Note: p.Note, Status: string(p.Status),
		StatusDate: p.StatusDate, Archived: p.Archived, ArrivalDate: p.ArrivalDate, Origin: p.Origin, ExpectedLeaveDate: p.ExpectedLeave,
		PermitNo: p.PermitNo, PermitExpiry: p.PermitExpiry, LiaisonPoint: p.LiaisonPoint, Version: p.Version, UpdatedAt: p.UpdatedAt}
}

func (s *Server) apiPersonList(w http.ResponseWriter, r *http.Request) {
	f, _ := filterFrom(r.URL.Query())
	f.Limit, f.Offset = limitOffset(r)
	list, total, err := s.People.Search(r.Context(), actorOf(r), f)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	items := make([]apiPerson, 0, len(list))
	for _, p := range list {
		items = append(items, toAPIPerson(p))
	}
	writeJSON(w, http.StatusOK, apiList[apiPerson]{Items: items, Total: total, Limit: f.Limit, Offset: f.Offset})
}

func (s *Server) apiPersonGet(w http.ResponseWriter, r *http.Request) {
	if p, ok := s.personFromPath(w, r); ok {
		writeJSON(w, http.StatusOK, toAPIPerson(p))
	}
}

type apiPersonInput struct {
	Name              string   `json:"name"`
	IDNumber          string   `json:"id_number"`
	Ethnicity         string   `json:"ethnicity"`
	Phone             string   `json:"phone"`
	ClearPhone        bool     `json:"clear_phone"`
	Kind              int      `json:"kind"`
	CommitteeID       int64    `json:"committee_id"`
	BuildingGroupID   int64    `json:"building_group_id"`
	CurrentAddress    string   `json:"current_address"`
	RegisteredAddress string   `json:"registered_address"`
	Workplace         string   `json:"workplace"`
	WorkplaceKind     int      `json:"workplace_kind"`
	Education         string   `json:"education"`
	PoliticalStatus   string   `json:"political_status"`
	Tags              []string `json:"tags"`
	Note              string   `json:"note"`
	ArrivalDate       string   `json:"arrival_date"`
	Origin            string   `json:"origin"`
	ExpectedLeaveDate string   `json:"expected_leave_date"`
	PermitNo          string   `json:"permit_no"`
	PermitExpiry      string   `json:"permit_expiry"`
	LiaisonPoint      string   `json:"liaison_point"`
	Version           int      `json:"version"`
}

func (in apiPersonInput) input() (people.Input, error) {
	out := people.Input{Name: in.Name, IDNumber: in.IDNumber, Ethnicity: in.Ethnicity, Phone: in.Phone, ClearPhone: in.ClearPhone, Kind: people.Kind(in.Kind),
		OrgID: in.CommitteeID, BuildingGroupID: in.BuildingGroupID, CurrentAddress: in.CurrentAddress, RegisteredAddr: in.RegisteredAddress,
		Workplace: in.Workplace, WorkplaceKind: people.WorkplaceKind(in.WorkplaceKind), Education: in.Education, PoliticalStatus: in.PoliticalStatus,
		Note: in.Note, ArrivalDate: in.ArrivalDate, Origin: in.Origin, ExpectedLeave: in.ExpectedLeaveDate, PermitNo: in.PermitNo,
		PermitExpiry: in.PermitExpiry, LiaisonPoint: in.LiaisonPoint, Version: in.Version}
	for _, k := range in.Tags {
		t, ok := people.ParseTag(k)
		if !ok {
			return out, errs.InvalidFields(map[string]string{"tags": "err.tag_unknown"})
		}
		out.Tags |= people.Tags(t)
	}
	return out, nil
}

func (s *Server) apiPersonCreate(w http.ResponseWriter, r *http.Request) {
	var body apiPersonInput
	err := decode(r, &body)
	var in people.Input
	if err == nil {
		in, err = body.input()
	}
	var p *people.Person
	if err == nil {
		p, err = s.People.Create(r.Context(), actorOf(r), in)
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, toAPIPerson(p))
}

func (s *Server) apiPersonUpdate(w http.ResponseWriter, r *http.Request) {
	p, ok := s.personFromPath(w, r)
	if !ok {
		return
	}
	var body apiPersonInput
	err := decode(r, &body)
	var in people.Input
	if err == nil {
		in, err = body.input()
	}
	if err == nil {
		err = s.People.Update(r.Context(), actorOf(r), p.ID, in)
	}
	if err == nil {
		p, err = s.People.Get(r.Context(), actorOf(r), p.ID)
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, toAPIPerson(p))
}

func (s *Server) apiPersonReveal(w http.ResponseWriter, r *http.Request) {
	p, ok := s.personFromPath(w, r)
	if !ok {
		return
	}
	var body struct {
		Field  string `json:"field"`
		Reason string `json:"reason"`
	}
	if err := decode(r, &body); err != nil {
		s.fail(w, r, err)
		return
	}
	value, err := s.People.Reveal(r.Context(), actorOf(r), p.ID, body.Field, body.Reason)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"field": body.Field, "value": value})
}

type apiHousehold struct {
	ID              int64       `json:"id"`
	CommitteeID     int64       `json:"committee_id"`
	Committee       string      `json:"committee"`
	BuildingGroupID int64       `json:"building_group_id,omitempty"`
	Code            string      `json:"code"`
	Address         string      `json:"address"`
	HeadPersonID    int64       `json:"head_person_id,omitempty"`
	Note            string      `json:"note"`
	Size            int         `json:"size"`
	Ethnicities     []string    `json:"ethnicities"`
	Mixed           bool        `json:"mixed"`
	Version         int         `json:"version"`
	Members         []apiPerson `json:"members,omitempty"`
}

func toAPIHousehold(h *people.Household) apiHousehold {
	out := apiHousehold{ID: h.ID, CommitteeID: h.OrgID, Committee: h.OrgName, BuildingGroupID: h.BuildingGroupID, Code: h.Code, Address: h.Address,
		HeadPersonID: h.HeadPersonID, Note: h.Note, Size: h.Size, Ethnicities: h.Ethnicities, Mixed: h.Mixed(), Version: h.Version}
	if out.Ethnicities == nil {
		out.Ethnicities = []string{}
	}
	for _, m := range h.Members {
		out.Members = append(out.Members, toAPIPerson(m))
	}
	return out
}

func (s *Server) apiHouseholdList(w http.ResponseWriter, r *http.Request) {
	limit, offset := limitOffset(r)
	q := r.URL.Query()
	f := people.HouseholdFilter{Q: q.Get("q"), Mixed: q.Get("mixed") == "true" || q.Get("mixed") == "1", Limit: limit, Offset: offset}
	f.OrgID, _ = strconv.ParseInt(q.Get("committee_id"), 10, 64)
	list, total, err := s.People.Households(r.Context(), actorOf(r), f)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	items := make([]apiHousehold, 0, len(list))
	for _, h := range list {
		items = append(items, toAPIHousehold(h))
	}
	writeJSON(w, http.StatusOK, apiList[apiHousehold]{Items: items, Total: total, Limit: limit, Offset: offset})
}

func (s *Server) apiHouseholdGet(w http.ResponseWriter, r *http.Request) {
	if h, ok := s.householdFromPath(w, r); ok {
		writeJSON(w, http.StatusOK, toAPIHousehold(h))
	}
}
