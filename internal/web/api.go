package web

import (
	"encoding/json"
	"net/http"
	"strconv"
	"strings"

	"shiliu/internal/audit"
	"shiliu/internal/auth"
	"shiliu/internal/errs"
	"shiliu/internal/org"
)

// API shapes. Field names are snake_case and stable.

type apiOrgUnit struct {
	ID        int64  `json:"id"`
	Code      string `json:"code"`
	Name      string `json:"name"`
	Kind      string `json:"kind" enum:"district,subdistrict,committee,building_group,liaison_group"`
	ParentID  int64  `json:"parent_id,omitempty"`
	Path      string `json:"path"`
	Depth     int    `json:"depth"`
	Address   string `json:"address"`
	Contact   string `json:"contact"`
	Note      string `json:"note"`
	Archived  bool   `json:"archived"`
	Version   int    `json:"version"`
	UpdatedAt string `json:"updated_at"`
}

func toAPIUnit(u *org.Unit) apiOrgUnit {
	return apiOrgUnit{ID: u.ID, Code: u.Code, Name: u.Name, Kind: string(u.Kind), ParentID: u.ParentID, Path: u.Path, Depth: u.Depth,
		Address: u.Address, Contact: u.Contact, Note: u.Note, Archived: u.Archived, Version: u.Version, UpdatedAt: u.UpdatedAt}
}

type apiUser struct {
	ID                 int64    `json:"id"`
	Username           string   `json:"username"`
	DisplayName        string   `json:"display_name"`
	Role               string   `json:"role"`
	OrgID              int64    `json:"org_id"`
	OrgName            string   `json:"org_name"`
	Disabled           bool     `json:"disabled"`
	MustChangePassword bool     `json:"must_change_password"`
	LastLoginAt        string   `json:"last_login_at"`
	Version            int      `json:"version"`
	Permissions        []string `json:"permissions,omitempty"`
}

func toAPIUser(u *auth.User) apiUser {
	return apiUser{ID: u.ID, Username: u.Username, DisplayName: u.DisplayName, Role: string(u.Role), OrgID: u.OrgID, OrgName: u.OrgName,
		Disabled: u.Disabled, MustChangePassword: u.MustChangePassword, LastLoginAt: u.LastLoginAt, Version: u.Version}
}

type apiList[T any] struct {
	Items  []T `json:"items"`
	Total  int `json:"total"`
	Limit  int `json:"limit"`
	Offset int `json:"offset"`
}

func limitOffset(r *http.Request) (int, int) {
	limit, _ := strconv.Atoi(r.URL.Query().Get("limit"))
	offset, _ := strconv.Atoi(r.URL.Query().Get("offset"))
	if limit <= 0 || limit > 500 {
		limit = 100
	}
	return limit, max(offset, 0)
}

// decode reads a JSON body strictly: unknown fields are refused, so a
// client cannot slip in fields it may not set.
func decode(r *http.Request, v any) error {
	dec := json.NewDecoder(r.Body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return errs.Wrap(errs.Invalid, err, "err.bad_json")
	}
	return nil
}

func (s *Server) apiMe(w http.ResponseWriter, r *http.Request) {
	a := actorOf(r)
	u, err := s.Auth.Get(r.Context(), a, a.UserID)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	out := toAPIUser(u)
	for _, p := range a.Role.Permissions() {
		out.Permissions = append(out.Permissions, string(p))
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) apiOrgList(w http.ResponseWriter, r *http.Request) {
	tree, err := s.Org.Tree(r.Context(), actorOf(r), r.URL.Query().Get("archived") == "true")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	kind, q := r.URL.Query().Get("kind"), strings.ToLower(strings.TrimSpace(r.URL.Query().Get("q")))
	var items []apiOrgUnit
	for _, u := range tree {
		if (kind == "" || string(u.Kind) == kind) && (q == "" || strings.Contains(strings.ToLower(u.Name+" "+u.Code), q)) {
			items = append(items, toAPIUnit(u))
		}
	}
	limit, offset := limitOffset(r)
	total := len(items)
	items = items[min(offset, total):min(offset+limit, total)]
	if items == nil {
		items = []apiOrgUnit{}
	}
	writeJSON(w, http.StatusOK, apiList[apiOrgUnit]{Items: items, Total: total, Limit: limit, Offset: offset})
}

func (s *Server) apiOrgGet(w http.ResponseWriter, r *http.Request) {
	if u, ok := s.unitFromPath(w, r); ok {
		writeJSON(w, http.StatusOK, toAPIUnit(u))
	}
}

type apiOrgInput struct {
	Code     string `json:"code"`
	Name     string `json:"name"`
	Kind     string `json:"kind" enum:"district,subdistrict,committee,building_group,liaison_group"`
	ParentID int64  `json:"parent_id"`
	Address  string `json:"address"`
	Contact  string `json:"contact"`
	Note     string `json:"note"`
	Version  int    `json:"version" doc:"required on update: the version you read"`
}

func (in apiOrgInput) input() org.Input {
	return org.Input{Code: in.Code, Name: in.Name, Kind: org.Kind(in.Kind), ParentID: in.ParentID, Address: in.Address, Contact: in.Contact, Note: in.Note, Version: in.Version}
}

func (s *Server) apiOrgCreate(w http.ResponseWriter, r *http.Request) {
	var in apiOrgInput
	if err := decode(r, &in); err != nil {
		s.fail(w, r, err)
		return
	}
	u, err := s.Org.Create(r.Context(), actorOf(r), in.input())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, toAPIUnit(u))
}

func (s *Server) apiOrgUpdate(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	var in apiOrgInput
	if err == nil {
		err = decode(r, &in)
	}
	if err == nil {
		err = s.Org.Update(r.Context(), actorOf(r), id, in.input())
	}
	var u *org.Unit
	if err == nil {
		u, err = s.Org.Get(r.Context(), actorOf(r), id)
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, toAPIUnit(u))
}

type apiPopulation struct {
	Year       int `json:"year"`
	Registered int `json:"registered"`
	Floating   int `json:"floating"`
}

func (s *Server) apiOrgPopulation(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	var pops []org.Population
	if err == nil {
		pops, err = s.Org.Populations(r.Context(), actorOf(r), id)
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	out := []apiPopulation{}
	for _, p := range pops {
		out = append(out, apiPopulation(p))
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) apiOrgSetPopulation(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	year, err := strconv.Atoi(r.PathValue("year"))
	if err != nil {
		s.fail(w, r, errs.InvalidFields(map[string]string{"year": "err.year_invalid"}))
		return
	}
	var in struct {
		Registered int `json:"registered"`
		Floating   int `json:"floating"`
	}
	if err := decode(r, &in); err != nil {
		s.fail(w, r, err)
		return
	}
	p := org.Population{Year: year, Registered: in.Registered, Floating: in.Floating}
	if err := s.Org.SetPopulation(r.Context(), actorOf(r), id, p); err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, apiPopulation(p))
}

func (s *Server) apiUserList(w http.ResponseWriter, r *http.Request) {
	limit, offset := limitOffset(r)
	q := r.URL.Query()
	users, total, err := s.Auth.List(r.Context(), actorOf(r), auth.UserFilter{Query: q.Get("q"), Role: auth.Role(q.Get("role")), Status: q.Get("status"), Limit: limit, Offset: offset})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	items := []apiUser{}
	for _, u := range users {
		items = append(items, toAPIUser(u))
	}
	writeJSON(w, http.StatusOK, apiList[apiUser]{Items: items, Total: total, Limit: limit, Offset: offset})
}

func (s *Server) apiUserGet(w http.ResponseWriter, r *http.Request) {
	if u, ok := s.userFromPath(w, r); ok {
		writeJSON(w, http.StatusOK, toAPIUser(u))
	}
}

func (s *Server) apiUserCreate(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Username    string `json:"username"`
		DisplayName string `json:"display_name"`
		Role        string `json:"role"`
		OrgID       int64  `json:"org_id"`
	}
	if err := decode(r, &in); err != nil {
		s.fail(w, r, err)
		return
	}
	pw := auth.RandomPassword()
	u, err := s.Auth.Create(r.Context(), actorOf(r), auth.NewUser{Username: in.Username, DisplayName: in.DisplayName, Role: auth.Role(in.Role), OrgID: in.OrgID, Password: pw, MustChange: true})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, struct {
		apiUser
		InitialPassword string `json:"initial_password"`
	}{toAPIUser(u), pw})
}

type apiAuditRecord struct {
	ID        int64           `json:"id"`
	At        string          `json:"at"`
	UserID    int64           `json:"user_id,omitempty"`
	Username  string          `json:"username"`
	Role      string          `json:"role"`
	OrgID     int64           `json:"org_id,omitempty"`
	IP        string          `json:"ip"`
	RequestID string          `json:"request_id"`
	Action    string          `json:"action"`
	Entity    string          `json:"entity"`
	EntityID  string          `json:"entity_id"`
	Detail    json.RawMessage `json:"detail,omitempty"`
	Result    string          `json:"result"`
}

func (s *Server) apiAuditList(w http.ResponseWriter, r *http.Request) {
	f := auditFilterFrom(r)
	f.Limit, f.Offset = limitOffset(r)
	recs, total, err := audit.List(r.Context(), s.DB, actorOf(r), f)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	items := []apiAuditRecord{}
	for _, x := range recs {
		var detail json.RawMessage
		if x.Detail != "" {
			detail = json.RawMessage(x.Detail)
		}
		items = append(items, apiAuditRecord{ID: x.ID, At: x.At, UserID: x.UserID, Username: x.Username, Role: x.Role, OrgID: x.OrgID, IP: x.IP,
			RequestID: x.RequestID, Action: x.Action, Entity: x.Entity, EntityID: x.EntityID, Detail: detail, Result: x.Result})
	}
	writeJSON(w, http.StatusOK, apiList[apiAuditRecord]{Items: items, Total: total, Limit: f.Limit, Offset: f.Offset})
}
