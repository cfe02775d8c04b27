package web

import (
	"net/http"
	"strconv"

	"shiliu/internal/budget"
	"shiliu/internal/docs"
	"shiliu/internal/honour"
)

// The API of honours, the budget and the documents library.

type apiHonour struct {
	ID            int64  `json:"id"`
	UnitID        int64  `json:"unit_id" doc:"the recipient's unit: the scope"`
	Unit          string `json:"unit"`
	Kind          string `json:"kind" doc:"civilised_family, featured_building_group, advanced_individual, advanced_collective, own_… for the community's own titles"`
	KindName      string `json:"kind_name"`
	Recipient     string `json:"recipient" enum:"household,building_group,person,collective"`
	Year          int    `json:"year"`
	HouseholdID   int64  `json:"household_id,omitempty"`
	PersonID      int64  `json:"person_id,omitempty"`
	RecipientUnit int64  `json:"recipient_unit_id,omitempty" doc:"a building group or a collective that is an org unit"`
	Collective    string `json:"collective,omitempty" doc:"a named collective that is not an org unit"`
	RecipientName string `json:"recipient_name"`
	Deeds         string `json:"deeds"`
	Status        string `json:"status" enum:"nominated,reviewed,granted,refused"`
	RefusedAt     string `json:"refused_at,omitempty" enum:"review,grant"`
	RefuseReason  string `json:"refuse_reason,omitempty"`
	GrantedBy     string `json:"granted_by,omitempty" doc:"the unit that granted it"`
	GrantDate     string `json:"grant_date,omitempty"`
	CertificateNo string `json:"certificate_no,omitempty"`
	Version       int    `json:"version"`
}

func toAPIHonour(h *honour.Honour) apiHonour {
	return apiHonour{ID: h.ID, UnitID: h.OrgID, Unit: h.OrgName, Kind: h.KindCode, KindName: h.KindName, Recipient: string(h.Recipient), Year: h.Year,
		HouseholdID: h.HouseholdID, PersonID: h.PersonID, RecipientUnit: h.UnitID, Collective: h.Collective, RecipientName: h.RecipientName,
		Deeds: h.Deeds, Status: string(h.Status), RefusedAt: h.RefusedAt, RefuseReason: h.RefuseReason, GrantedBy: h.GrantedByOrg,
		GrantDate: h.GrantDate(), CertificateNo: h.CertificateNo, Version: h.Version}
}

type apiHonourInput struct {
	Kind          string `json:"kind" doc:"a kind's code"`
	Year          int    `json:"year" doc:"default: this year"`
	HouseholdID   int64  `json:"household_id"`
	PersonID      int64  `json:"person_id"`
	RecipientUnit int64  `json:"recipient_unit_id"`
	Collective    string `json:"collective"`
	Deeds         string `json:"deeds"`
}

type apiHonourStep struct {
	Version int    `json:"version"`
	Note    string `json:"note" doc:"review only"`
	Reason  string `json:"reason" doc:"refuse only: required"`
}

func (s *Server) apiHonourList(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	f := honour.Filter{KindID: queryID(r, "kind_id"), Status: honour.Status(q.Get("status")), OrgID: queryID(r, "unit_id"), HouseholdID: queryID(r, "household_id")}
	f.Year, _ = strconv.Atoi(q.Get("year"))
	f.Limit, f.Offset = limitOffset(r)
	list, total, err := s.Honour.List(r.Context(), actorOf(r), f)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	items := make([]apiHonour, 0, len(list))
	for _, h := range list {
		items = append(items, toAPIHonour(h))
	}
	writeJSON(w, http.StatusOK, apiList[apiHonour]{Items: items, Total: total, Limit: f.Limit, Offset: f.Offset})
}

func (s *Server) apiHonourGet(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	var h *honour.Honour
	if err == nil {
		h, err = s.Honour.Get(r.Context(), actorOf(r), id)
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, toAPIHonour(h))
}

func (s *Server) apiHonourNominate(w http.ResponseWriter, r *http.Request) {
	var in apiHonourInput
	if err := decode(r, &in); err != nil {
		s.fail(w, r, err)
		return
	}
	h, err := s.Honour.Nominate(r.Context(), actorOf(r), honour.Input{KindCode: in.Kind, Year: in.Year, HouseholdID: in.HouseholdID, PersonID: in.PersonID,
		UnitID: in.RecipientUnit, Collective: in.Collective, Deeds: in.Deeds})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, toAPIHonour(h))
}

func (s *Server) apiHonourStep(w http.ResponseWriter, r *http.Request, step func(id int64, in apiHonourStep) (*honour.Honour, error)) {
	id, err := pathID(r)
	var in apiHonourStep
	if err == nil {
		err = decode(r, &in)
	}
	var h *honour.Honour
	if err == nil {
		h, err = step(id, in)
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, toAPIHonour(h))
}

func (s *Server) apiHonourReview(w http.ResponseWriter, r *http.Request) {
	s.apiHonourStep(w, r, func(id int64, in apiHonourStep) (*honour.Honour, error) {
		return s.Honour.Review(r.Context(), actorOf(r), id, in.Version, in.Note)
	})
}

func (s *Server) apiHonourGrant(w http.ResponseWriter, r *http.Request) {
	s.apiHonourStep(w, r, func(id int64, in apiHonourStep) (*honour.Honour, error) {
		return s.Honour.Grant(r.Context(), actorOf(r), id, in.Version)
	})
}

func (s *Server) apiHonourRefuse(w http.ResponseWriter, r *http.Request) {
	s.apiHonourStep(w, r, func(id int64, in apiHonourStep) (*honour.Honour, error) {
		return s.Honour.Refuse(r.Context(), actorOf(r), id, in.Version, in.Reason)
	})
}

type apiPurposeLine struct {
	Purpose   string `json:"purpose" enum:"publicity,hardship,study_trip,activity,other"`
	BudgetFen int64  `json:"budget_fen"`
	SpentFen  int64  `json:"spent_fen"`
	Over      bool   `json:"over_budget"`
}

type apiMonthLine struct {
	Month    int   `json:"month"`
	SpentFen int64 `json:"spent_fen"`
}

type apiExecution struct {
	UnitID    int64            `json:"unit_id" doc:"the unit whose subtree is summed"`
	Year      int              `json:"year"`
	BudgetFen int64            `json:"budget_fen" doc:"the report's figure budget, in fen"`
	SpentFen  int64            `json:"spent_fen" doc:"the report's figure spent (valid entries), in fen"`
	ByPurpose []apiPurposeLine `json:"by_purpose"`
	ByMonth   []apiMonthLine   `json:"by_month"`
}

type apiBudgetInput struct {
	UnitID   int64             `json:"unit_id"`
	Year     int               `json:"year"`
	Amounts  map[string]string `json:"amounts" doc:"yuan as text by purpose, e.g. {\"publicity\": \"2,000\"}"`
	Versions map[string]int    `json:"versions" doc:"each line's version as read (0 for a new line)"`
}

type apiSpending struct {
	ID         int64  `json:"id"`
	UnitID     int64  `json:"unit_id"`
	Unit       string `json:"unit"`
	Date       string `json:"date"`
	Purpose    string `json:"purpose" enum:"publicity,hardship,study_trip,activity,other"`
	AmountFen  int64  `json:"amount_fen"`
	Payee      string `json:"payee"`
	Note       string `json:"note"`
	ActivityID int64  `json:"activity_id,omitempty"`
	PairingID  int64  `json:"pairing_id,omitempty"`
	PartnerID  int64  `json:"partner_id,omitempty"`
	OverReason string `json:"over_budget_reason,omitempty"`
	Status     string `json:"status" enum:"valid,void"`
	VoidReason string `json:"void_reason,omitempty"`
	Receipts   int    `json:"receipts"`
	Version    int    `json:"version"`
}

func toAPISpending(x *budget.Spending) apiSpending {
	return apiSpending{ID: x.ID, UnitID: x.OrgID, Unit: x.OrgName, Date: x.Date, Purpose: string(x.Purpose), AmountFen: x.AmountFen, Payee: x.Payee,
		Note: x.Note, ActivityID: x.ActivityID, PairingID: x.PairingID, PartnerID: x.PartnerID, OverReason: x.OverReason, Status: x.Status,
		VoidReason: x.VoidReason, Receipts: len(x.Receipts), Version: x.Version}
}

type apiSpendInput struct {
	UnitID     int64  `json:"unit_id"`
	Date       string `json:"date"`
	Purpose    string `json:"purpose"`
	Amount     string `json:"amount" doc:"yuan as text: 1,234.50"`
	Payee      string `json:"payee"`
	Note       string `json:"note"`
	ActivityID int64  `json:"activity_id"`
	PairingID  int64  `json:"pairing_id"`
	PartnerID  int64  `json:"partner_id"`
	OverReason string `json:"over_budget_reason" doc:"required when the entry goes past the budget"`
}

type apiVoidInput struct {
	Version int    `json:"version"`
	Reason  string `json:"reason"`
}

func (s *Server) apiBudgetExecution(w http.ResponseWriter, r *http.Request) {
	id, year := s.unitYear(r, false)
	if u := queryID(r, "unit_id"); u != 0 {
		id = u
	}
	e, err := s.Budget.Execution(r.Context(), actorOf(r), id, year)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	out := apiExecution{UnitID: e.OrgID, Year: e.Year, BudgetFen: e.BudgetFen, SpentFen: e.SpentFen}
	for _, l := range e.ByPurpose {
		out.ByPurpose = append(out.ByPurpose, apiPurposeLine{Purpose: string(l.Purpose), BudgetFen: l.BudgetFen, SpentFen: l.SpentFen, Over: l.Over()})
	}
	for _, m := range e.ByMonth {
		out.ByMonth = append(out.ByMonth, apiMonthLine{Month: m.Month, SpentFen: m.SpentFen})
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) apiBudgetSet(w http.ResponseWriter, r *http.Request) {
	var in apiBudgetInput
	if err := decode(r, &in); err != nil {
		s.fail(w, r, err)
		return
	}
	bi := budget.BudgetInput{OrgID: in.UnitID, Year: in.Year, Amounts: map[budget.Purpose]string{}, Versions: map[budget.Purpose]int{}}
	for k, v := range in.Amounts {
		bi.Amounts[budget.Purpose(k)] = v
	}
	for k, v := range in.Versions {
		bi.Versions[budget.Purpose(k)] = v
	}
	if err := s.Budget.SetBudget(r.Context(), actorOf(r), bi); err != nil {
		s.fail(w, r, err)
		return
	}
	q := r.URL.Query()
	q.Set("org", strconv.FormatInt(in.UnitID, 10))
	q.Set("year", strconv.Itoa(in.Year))
	r.URL.RawQuery = q.Encode()
	s.apiBudgetExecution(w, r)
}

func (s *Server) apiSpendingList(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	f := budget.SpendFilter{OrgID: queryID(r, "unit_id"), Purpose: budget.Purpose(q.Get("purpose")), ActivityID: queryID(r, "activity_id"), WithVoid: q.Get("void") == "true"}
	f.Year, _ = strconv.Atoi(q.Get("year"))
	f.Month, _ = strconv.Atoi(q.Get("month"))
	f.Limit, f.Offset = limitOffset(r)
	list, total, _, err := s.Budget.Spendings(r.Context(), actorOf(r), f)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	items := make([]apiSpending, 0, len(list))
	for _, x := range list {
		items = append(items, toAPISpending(x))
	}
	writeJSON(w, http.StatusOK, apiList[apiSpending]{Items: items, Total: total, Limit: f.Limit, Offset: f.Offset})
}

func (s *Server) apiSpendingGet(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	var x *budget.Spending
	if err == nil {
		x, err = s.Budget.Spending(r.Context(), actorOf(r), id)
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, toAPISpending(x))
}

func (s *Server) apiSpendingCreate(w http.ResponseWriter, r *http.Request) {
	var in apiSpendInput
	if err := decode(r, &in); err != nil {
		s.fail(w, r, err)
		return
	}
	x, err := s.Budget.Spend(r.Context(), actorOf(r), budget.SpendInput{OrgID: in.UnitID, Date: in.Date, Purpose: budget.Purpose(in.Purpose), Amount: in.Amount,
		Payee: in.Payee, Note: in.Note, ActivityID: in.ActivityID, PairingID: in.PairingID, PartnerID: in.PartnerID, OverReason: in.OverReason})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, toAPISpending(x))
}

func (s *Server) apiSpendingVoid(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	var in apiVoidInput
	if err == nil {
		err = decode(r, &in)
	}
	if err == nil {
		err = s.Budget.Void(r.Context(), actorOf(r), id, in.Version, in.Reason)
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.apiSpendingGet(w, r)
}

type apiDocVersion struct {
	ID        int64  `json:"id" doc:"download at /docs/files/{id}"`
	Seq       int    `json:"seq"`
	Name      string `json:"name"`
	MIME      string `json:"mime"`
	Size      int64  `json:"size"`
	Note      string `json:"note"`
	CreatedAt string `json:"created_at"`
}

type apiDoc struct {
	ID         int64           `json:"id"`
	UnitID     int64           `json:"unit_id"`
	Unit       string          `json:"unit"`
	Category   string          `json:"category" enum:"rule,policy,minutes,other"`
	Topic      string          `json:"topic,omitempty" enum:"befriending,study,hardship,feedback,emergency"`
	Title      string          `json:"title"`
	CurrentSeq int             `json:"current_version"`
	Snippet    string          `json:"snippet,omitempty" doc:"the text around a search's match"`
	Text       string          `json:"text,omitempty" doc:"the current version's text (one document only)"`
	Versions   []apiDocVersion `json:"versions,omitempty"`
	UpdatedAt  string          `json:"updated_at"`
}

func toAPIDoc(d *docs.Doc) apiDoc {
	out := apiDoc{ID: d.ID, UnitID: d.OrgID, Unit: d.OrgName, Category: string(d.Category), Topic: string(d.Topic), Title: d.Title, CurrentSeq: d.CurrentSeq,
		Snippet: d.Snippet, Text: d.Body, UpdatedAt: d.UpdatedAt}
	for _, v := range d.Versions {
		out.Versions = append(out.Versions, apiDocVersion{ID: v.ID, Seq: v.Seq, Name: v.Name, MIME: v.MIME, Size: v.Size, Note: v.Note, CreatedAt: v.CreatedAt})
	}
	return out
}

func (s *Server) apiDocList(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	f := docs.Filter{Q: q.Get("q"), Category: docs.Category(q.Get("category")), Topic: docs.Topic(q.Get("topic")), OrgID: queryID(r, "unit_id")}
	f.Limit, f.Offset = limitOffset(r)
	list, total, err := s.Docs.List(r.Context(), actorOf(r), f)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	items := make([]apiDoc, 0, len(list))
	for _, d := range list {
		items = append(items, toAPIDoc(d))
	}
	writeJSON(w, http.StatusOK, apiList[apiDoc]{Items: items, Total: total, Limit: f.Limit, Offset: f.Offset})
}

func (s *Server) apiDocGet(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	var d *docs.Doc
	if err == nil {
		d, err = s.Docs.Get(r.Context(), actorOf(r), id)
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, toAPIDoc(d))
}
