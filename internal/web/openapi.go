package web

import (
	"net/http"
	"reflect"
	"regexp"
	"shiliu/internal/figures"
	"strings"
)

// apiDocs describes each API route for the OpenAPI document: summary,
// request body schema and response schema (names in components.schemas).
// The OpenAPI test fails when an API route has no entry here.
var apiDocs = map[string]struct{ Summary, Body, Response string }{
	"GET /api/v1/openapi.json":                     {"This document", "", ""},
	"GET /api/v1/me":                               {"The current user and their permissions", "", "User"},
	"GET /api/v1/org-units":                        {"Org units in the caller's scope (filters: kind, q, archived)", "", "OrgUnitList"},
	"POST /api/v1/org-units":                       {"Create an org unit", "OrgUnitInput", "OrgUnit"},
	"GET /api/v1/org-units/{id}":                   {"One org unit", "", "OrgUnit"},
	"PUT /api/v1/org-units/{id}":                   {"Update an org unit (send the version you read; a stale one is a 409)", "OrgUnitInput", "OrgUnit"},
	"GET /api/v1/org-units/{id}/population":        {"Base population by year", "", "PopulationList"},
	"PUT /api/v1/org-units/{id}/population/{year}": {"Set the base population of a year", "PopulationInput", "Population"},
	"GET /api/v1/users":                            {"Accounts in the caller's scope (filters: q, role, status)", "", "UserList"},
	"GET /api/v1/users/{id}":                       {"One account", "", "User"},
	"POST /api/v1/users":                           {"Create an account; the response carries its first password, once", "UserInput", "User"},
	"GET /api/v1/persons":                          {"Persons in scope (q: name fragment, pinyin, initials, ID number, last 4, phone; tag, ethnicity, org, kind, status, sort)", "", "PersonList"},
	"POST /api/v1/persons":                         {"Add a person", "PersonInput", "Person"},
	"POST /api/v1/persons/import":                  {"Import a roster (multipart field file: .xlsx or .csv); dry_run=true only checks. All accepted rows or none.", "multipart", "ImportReport"},
	"GET /api/v1/persons/{id}":                     {"One person; ID number and phone masked", "", "Person"},
	"PUT /api/v1/persons/{id}":                     {"Update a person (send the version you read; the ID number does not change)", "PersonInput", "Person"},
	"POST /api/v1/persons/{id}/reveal":             {"The full ID number or phone, with a reason; audited", "RevealInput", "Revealed"},
	"GET /api/v1/households":                       {"Households in scope (q, committee_id, mixed)", "", "HouseholdList"},
	"GET /api/v1/households/{id}":                  {"One household with its members", "", "Household"},
	"GET /api/v1/cases":                            {"Cases in scope (q, kind, channel, status incl. open, org, from, to, overdue, sort)", "", "CaseList"},
	"POST /api/v1/cases":                           {"Take a case (intake); routed by person, address or the caller's unit; deadlines in working days", "CaseIntake", "Case"},
	"GET /api/v1/cases/{id}":                       {"One case; the callback phone masked", "", "Case"},
	"POST /api/v1/cases/{id}/transition":           {"A workflow step: assign, accept, note, return, reassign, close, follow_up, reopen, report", "CaseTransition", "Case"},
	"GET /api/v1/notifications":                    {"The caller's notifications (unread=true for unread only)", "", "NotificationList"},
	"GET /api/v1/pairings":                         {"Pairing assistance in scope (status, overdue)", "", "PairingList"},
	"GET /api/v1/pairings/{id}":                    {"One pairing with its visit cadence", "", "Pairing"},
	"POST /api/v1/pairings/{id}/visits":            {"Log a visit of a pairing (photos through the web form)", "VisitInput", "Visit"},
	"GET /api/v1/activities":                       {"Activities in scope (from, to, kind, status, q, series, festival, org, order=desc)", "", "ActivityList"},
	"POST /api/v1/activities":                      {"Plan an activity, or a recurring series (repeat) whose occurrences are generated", "ActivityInput", "Activity"},
	"GET /api/v1/activities/{id}":                  {"One activity with its figures", "", "Activity"},
	"GET /api/v1/activities/{id}/attendees":        {"An occurrence's list for the roll call (roster and sign-ups of the caller's scope)", "", "AttendeeList"},
	"POST /api/v1/activities/{id}/attendance":      {"Mark a person present or not at the roll call (one row per person and occurrence)", "AttendanceInput", "AttendeeList"},
	"GET /api/v1/volunteers":                       {"Volunteers in scope with their hours by source (from, to), the most active first", "", "VolunteerList"},
	"POST /api/v1/volunteers/hours":                {"Log hours a volunteer gave; they count once approved", "HoursInput", "HoursLogged"},
	"GET /api/v1/venues":                           {"Venues in scope: the caller's subtree and the units above it (all=true: inactive too)", "", "VenueList"},
	"POST /api/v1/venues":                          {"Add a venue with its opening hours", "VenueInput", "Venue"},
	"GET /api/v1/venues/{id}":                      {"One venue with its hours", "", "Venue"},
	"PUT /api/v1/venues/{id}":                      {"Update a venue of the caller's subtree (send the version you read)", "VenueInput", "Venue"},
	"GET /api/v1/venues/bookings":                  {"Bookings of the venues in scope starting in from–to (dates; default today on), cancelled=true too: the calendar's", "", "BookingList"},
	"GET /api/v1/venues/{id}/bookings":             {"A venue's bookings starting in from–to", "", "BookingList"},
	"POST /api/v1/venues/{id}/bookings":            {"Book a venue for an activity or an outside group; outside the hours, over capacity or overlapping a booking (409, naming it) is refused", "BookingInput", "Booking"},
	"POST /api/v1/venues/bookings/{id}/cancel":     {"Cancel a booking (the booking unit or the venue's managers); the slot is free at once", "CancelInput", "Booking"},
	"GET /api/v1/partners":                         {"Partner organisations in scope (q, type, ending=true: an agreement ends within 30 days or all have ended)", "", "PartnerList"},
	"POST /api/v1/partners":                        {"Add a partner organisation", "PartnerInput", "Partner"},
	"GET /api/v1/partners/{id}":                    {"One partner with its agreement counts", "", "Partner"},
	"PUT /api/v1/partners/{id}":                    {"Update a partner of the caller's subtree (send the version you read)", "PartnerInput", "Partner"},
	"GET /api/v1/partners/{id}/agreements":         {"A partner's agreements with their state (scans through the web page)", "", "AgreementList"},
	"POST /api/v1/partners/{id}/agreements":        {"Record an agreement (without its scan; upload that on the partner's page)", "AgreementInput", "Agreement"},
	"PUT /api/v1/partners/agreements/{id}":         {"Change or renew an agreement (a new end is reminded again); version is the one read", "AgreementInput", "Agreement"},
	"GET /api/v1/honours":                          {"Honours in scope (year, kind_id, status, unit_id: a unit's subtree, household_id)", "", "HonourList"},
	"POST /api/v1/honours":                         {"Nominate a household, building group, person or collective for an honour of a year (a committee)", "HonourInput", "Honour"},
	"GET /api/v1/honours/{id}":                     {"One honour with its workflow state", "", "Honour"},
	"POST /api/v1/honours/{id}/review":             {"Review a nomination (the subdistrict); send the version read", "HonourStep", "Honour"},
	"POST /api/v1/honours/{id}/grant":              {"Grant a reviewed honour (the subdistrict); a nomination not yet reviewed is refused", "HonourStep", "Honour"},
	"POST /api/v1/honours/{id}/refuse":             {"Refuse a nomination at its review or a reviewed honour at its grant, with a reason", "HonourStep", "Honour"},
	"GET /api/v1/budget":                           {"Budget execution of a unit's subtree in a year (unit_id, year): budget and spent by purpose and month, in fen", "", "BudgetExecution"},
	"PUT /api/v1/budget":                           {"Set a unit's budget lines of a year (amounts in yuan text by purpose, with the versions read)", "BudgetInput", "BudgetExecution"},
	"GET /api/v1/budget/spending":                  {"Spending entries in scope (unit_id, year, month, purpose, activity_id, void=true to include voided)", "", "SpendingList"},
	"POST /api/v1/budget/spending":                 {"Record a spending entry (receipts through the web form); past the budget it needs over_budget_reason", "SpendingInput", "Spending"},
	"GET /api/v1/budget/spending/{id}":             {"One spending entry", "", "Spending"},
	"POST /api/v1/budget/spending/{id}/void":       {"Void a spending entry with a reason (kept, counts nowhere)", "VoidInput", "Spending"},
	"GET /api/v1/docs":                             {"Documents of the library visible to the caller (q: title or text, category, topic, unit_id)", "", "DocList"},
	"GET /api/v1/docs/{id}":                        {"One document with its versions and current text", "", "Doc"},
	"GET /api/v1/audit":                            {"Audit records (filters: user, action, entity, entity_id, result, from, to)", "", "AuditList"},

	// The festival calendar.
	"GET /api/v1/festivals":          {"The ethnic festivals of a year (?year=2000…2100, default this year), official dates in place of computed ones", "", "FestivalList"},
	"GET /api/v1/festivals/upcoming": {"Festivals of the next 60 days: residents of their groups in scope and hardship households with no visit planned", "", "UpcomingFestivalList"},
}

// The figures and the annual data sets.
var apiDocsFigures = map[string]struct{ Summary, Body, Response string }{
	"GET /api/v1/indicators":                  {"Every indicator: id, labels, the definition shown in the UI, kind and the records it counts", "", "IndicatorList"},
	"GET /api/v1/indicators/{figure}":         {"One figure for a unit's subtree (org, default your unit) over year= or from=&to= (default this year to date); small counts of a committee are \"<5\" for leaders", "", "IndicatorValue"},
	"GET /api/v1/indicators/{figure}/records": {"The records a figure (or one key=) counts, in your scope, masked; as many as the figure; opening is audited. Leaders: 403", "", "FigureRecords"},
	"GET /api/v1/dashboard":                   {"Every figure of a unit's subtree over a period and over the same span of last year, with the units below (a large unit's may be kept from the last 10 minutes: computed_at says when; fresh=1 computes again)", "", "Dashboard"},
	"GET /api/v1/reports/summary":             {"The annual summary (year=, default this year; org=CODE, default your own unit; live=1; fresh=1 computes a large unit again rather than give the figures kept from a computation of the last 10 minutes, whose time is then in computed_at): indicator ids to numbers, ethnic_breakdown an object, approved the version or null", "", "Summary"},
	"GET /api/v1/reports":                     {"The subdistricts and committees of your scope with their data set of a year (year=, default last year)", "", "ReportRowList"},
	"POST /api/v1/reports":                    {"Begin (or find) a unit's data set of a year", "ReportOpen", "ReportSet"},
	"GET /api/v1/reports/{id}":                {"A data set with its approved versions (snapshots)", "", "ReportDetail"},
	"PUT /api/v1/reports/{id}":                {"Write a draft's narrative (work, problems, plans); send the version read", "ReportStep", "ReportSet"},
	"POST /api/v1/reports/{id}/submit":        {"Submit a draft for approval", "ReportStep", "ReportSet"},
	"POST /api/v1/reports/{id}/approve":       {"Approve a submitted set and store its snapshot (a subdistrict's only when all its committees' are approved)", "ReportStep", "ReportSet"},
	"POST /api/v1/reports/{id}/unlock":        {"Ask to unlock an approved set, with a reason; a security admin consents", "ReportStep", "ReportSet"},
	"POST /api/v1/reports/{id}/consent":       {"Consent to an unlock (a security admin who did not ask); the set is a draft again", "ReportStep", "ReportSet"},
}

func init() {
	for k, v := range apiDocsFigures {
		apiDocs[k] = v
	}
}

var pathParam = regexp.MustCompile(`\{(\w+)\}`)

func obj(props map[string]any, required ...string) map[string]any {
	o := map[string]any{"type": "object", "properties": props}
	if len(required) > 0 {
		o["required"] = required
	}
	return o
}

var (
	tInt  = map[string]any{"type": "integer"}
	tStr  = map[string]any{"type": "string"}
	tBool = map[string]any{"type": "boolean"}
)

func schemaRef(name string) map[string]any {
	return map[string]any{"$ref": "#/components/schemas/" + name}
}

func list(item string) map[string]any {
	return obj(map[string]any{"items": map[string]any{"type": "array", "items": schemaRef(item)}, "total": tInt, "limit": tInt, "offset": tInt})
}

func openAPISchemas() map[string]any {
	refs := map[reflect.Type]string{reflect.TypeOf(apiPerson{}): "Person", reflect.TypeOf(apiIndicator{}): "Indicator",
		reflect.TypeOf(apiFigure{}): "Figure", reflect.TypeOf(apiCell{}): "FigureCell", reflect.TypeOf(figures.Row{}): "FigureRecord",
		reflect.TypeOf(apiDashboardKid{}): "DashboardUnit", reflect.TypeOf(apiReportSet{}): "ReportSet", reflect.TypeOf(apiSnapshot{}): "ReportSnapshot"}
	user := schemaOf(apiUser{}, refs)
	user["properties"].(map[string]any)["initial_password"] = map[string]any{"type": "string", "description": "only in the response to POST /users"}
	return map[string]any{
		// Generated from the API's types (schemaOf).
		"OrgUnit":         schemaOf(apiOrgUnit{}, refs),
		"OrgUnitInput":    schemaOf(apiOrgInput{}, refs, "code", "name", "kind"),
		"Population":      schemaOf(apiPopulation{}, refs),
		"User":            user,
		"AuditRecord":     schemaOf(apiAuditRecord{}, refs),
		"Person":          schemaOf(apiPerson{}, refs),
		"PersonInput":     schemaOf(apiPersonInput{}, refs, "name", "ethnicity", "kind", "committee_id"),
		"Household":       schemaOf(apiHousehold{}, refs),
		"Case":            schemaOf(apiCase{}, refs),
		"Notification":    schemaOf(apiNotification{}, refs),
		"Pairing":         schemaOf(apiPairing{}, refs),
		"Activity":        schemaOf(apiActivity{}, refs),
		"ActivityInput":   schemaOf(apiActivityInput{}, refs, "kind", "title", "date", "start_time"),
		"AttendanceInput": schemaOf(apiMark{}, refs, "person_id", "present"),
		"HoursInput":      schemaOf(apiHoursInput{}, refs, "person_id", "hours", "what"),
		"AttendeeList":    map[string]any{"type": "array", "items": schemaOf(apiAttendee{}, refs)},
		"VolunteerList":   map[string]any{"type": "array", "items": schemaOf(apiVolunteer{}, refs)},
		"ActivityList":    list("Activity"),
		"HoursLogged":     obj(map[string]any{"id": tInt, "status": tStr}),
		"Venue":           schemaOf(apiVenue{}, refs),
		"VenueInput":      schemaOf(apiVenueInput{}, refs, "name"),
		"VenueList":       list("Venue"),
		"Booking":         schemaOf(apiBooking{}, refs),
		"BookingInput":    schemaOf(apiBookingInput{}, refs),
		"BookingList":     list("Booking"),
		"CancelInput":     obj(map[string]any{"reason": tStr}),
		"Partner":         schemaOf(apiPartner{}, refs),
		"PartnerInput":    schemaOf(apiPartnerInput{}, refs, "name", "type"),
		"PartnerList":     list("Partner"),
		"Agreement":       schemaOf(apiAgreement{}, refs),
		"AgreementInput":  schemaOf(apiAgreementInput{}, refs, "title"),
		"AgreementList":   map[string]any{"type": "array", "items": schemaRef("Agreement")},
		"Honour":          schemaOf(apiHonour{}, refs),
		"HonourInput":     schemaOf(apiHonourInput{}, refs, "kind", "deeds"),
		"HonourStep":      schemaOf(apiHonourStep{}, refs, "version"),
		"HonourList":      list("Honour"),
		"BudgetExecution": schemaOf(apiExecution{}, refs),
		"BudgetInput":     schemaOf(apiBudgetInput{}, refs, "unit_id", "year", "amounts"),
		"Spending":        schemaOf(apiSpending{}, refs),
		"SpendingInput":   schemaOf(apiSpendInput{}, refs, "purpose", "amount"),
		"SpendingList":    list("Spending"),
		"VoidInput":       schemaOf(apiVoidInput{}, refs, "version", "reason"),
		"Doc":             schemaOf(apiDoc{}, refs),
		"Indicator":       schemaOf(apiIndicator{}, refs),
		"IndicatorList":   list("Indicator"),
		"Figure":          schemaOf(apiFigure{}, refs),
		"FigureCell":      schemaOf(apiCell{}, refs),
		"IndicatorValue":  schemaOf(apiIndicatorValue{}, refs),
		"FigureRecord":    schemaOf(figures.Row{}, refs),
		"FigureRecords":   schemaOf(apiRecords{}, refs),
		"Dashboard":       schemaOf(apiDashboard{}, refs),
		"DashboardUnit":   schemaOf(apiDashboardKid{}, refs),
		"Summary": map[string]any{"type": "object", "description": "indicator id → number (percentages one decimal), breakdowns objects from key to count, null where not available; approved: the version or null",
			"additionalProperties": true},
		"ReportSet":      schemaOf(apiReportSet{}, refs),
		"ReportRow":      schemaOf(apiReportRow{}, refs),
		"ReportRowList":  list("ReportRow"),
		"ReportSnapshot": schemaOf(apiSnapshot{}, refs),
		"ReportDetail":   schemaOf(apiReportDetail{}, refs),
		"ReportOpen":     schemaOf(apiReportOpen{}, refs, "unit_id", "year"),
		"ReportStep":     schemaOf(apiReportStep{}, refs, "version"),
		"DocList":        list("Doc"),
		// Described by hand: bodies decoded into the services' own inputs.
		"OrgUnitList":     list("OrgUnit"),
		"PopulationInput": obj(map[string]any{"registered": tInt, "floating": tInt}, "registered", "floating"),
		"PopulationList":  map[string]any{"type": "array", "items": schemaRef("Population")},
		"UserInput":       obj(map[string]any{"username": tStr, "display_name": tStr, "role": tStr, "org_id": tInt}, "username", "role", "org_id"),
		"UserList":        list("User"),
		"AuditList":       list("AuditRecord"),
		"PersonList":      list("Person"),
		"RevealInput":     obj(map[string]any{"field": map[string]any{"type": "string", "enum": []string{"id_number", "phone"}}, "reason": tStr}, "field", "reason"),
		"Revealed":        obj(map[string]any{"field": tStr, "value": tStr}),
		"HouseholdList":   list("Household"),
		"ImportReport": obj(map[string]any{"rows": tInt, "imported": tInt, "updated": tInt, "unchanged": tInt, "rejected": tInt, "warnings": tInt,
			"rejected_by_reason": map[string]any{"type": "object", "additionalProperties": tInt}, "file": tStr, "format": tStr, "dry_run": tBool,
			"sheets": map[string]any{"type": "array", "items": tStr}, "warning_list": map[string]any{"type": "array", "items": map[string]any{"type": "object"}},
			"rejected_rows": map[string]any{"type": "array", "items": map[string]any{"type": "object"}}}),
		"CaseList": list("Case"),
		"CaseIntake": obj(map[string]any{"channel": map[string]any{"type": "string", "enum": []string{"hotline", "window", "visit", "walk_in", "online"}},
			"kind":    map[string]any{"type": "string", "enum": []string{"consultation", "rights", "hardship", "dispute", "suggestion", "one_stop", "emergency", "feedback"}},
			"urgency": map[string]any{"type": "string", "enum": []string{"normal", "urgent"}}, "person_id": tInt, "caller_name": tStr, "callback_phone": tStr,
			"address": tStr, "summary": tStr, "unit_id": tInt, "resolve_due": tStr, "occurred_at": tStr, "place": tStr, "people_involved": tStr,
			"first_report": tStr}, "channel", "kind", "summary"),
		"CaseTransition": obj(map[string]any{"action": tStr, "version": tInt, "note": tStr, "unit_id": tInt, "user_id": tInt, "partner": tStr, "due": tStr,
			"resolution": tStr, "result": tStr, "closing_report": tStr, "satisfaction": tInt}, "action", "version"),
		"NotificationList": list("Notification"),
		"PairingList":      list("Pairing"),
		"VisitInput":       obj(map[string]any{"date": tStr, "visitor_name": tStr, "help": tStr, "value_cents": tInt, "note": tStr}, "help"),
		"Visit":            obj(map[string]any{"id": tInt, "pairing_id": tInt, "date": tStr, "help": tStr, "value_cents": tInt}),

		// The festival calendar's, generated.
		"Festival":             schemaOf(apiFestival{}, refs),
		"UpcomingFestival":     schemaOf(apiUpcoming{}, map[reflect.Type]string{reflect.TypeOf(apiFestival{}): "Festival"}),
		"FestivalList":         map[string]any{"type": "array", "items": schemaRef("Festival")},
		"UpcomingFestivalList": map[string]any{"type": "array", "items": schemaRef("UpcomingFestival")},

		"Error": obj(map[string]any{"error": obj(map[string]any{"code": tStr, "message": tStr, "request_id": tStr,
			"fields": map[string]any{"type": "object", "additionalProperties": tStr}})}),
	}
}

// openAPIDoc builds the OpenAPI 3.1 document from the route table, so it
// cannot drift from the routes that exist.
func (s *Server) openAPIDoc() map[string]any {
	paths := map[string]map[string]any{}
	errResp := map[string]any{"description": "error", "content": map[string]any{"application/json": map[string]any{"schema": schemaRef("Error")}}}
	for _, rt := range s.routes {
		if !rt.API {
			continue
		}
		method, path, _ := strings.Cut(rt.Pattern, " ")
		doc := apiDocs[rt.Pattern]
		op := map[string]any{"summary": doc.Summary, "x-permission": string(rt.Perm)}
		var params []any
		for _, m := range pathParam.FindAllStringSubmatch(path, -1) {
			params = append(params, map[string]any{"name": m[1], "in": "path", "required": true, "schema": tInt})
		}
		if params != nil {
			op["parameters"] = params
		}
		if doc.Body == "multipart" {
			op["requestBody"] = map[string]any{"required": true, "content": map[string]any{"multipart/form-data": map[string]any{
				"schema": obj(map[string]any{"file": map[string]any{"type": "string", "format": "binary"}}, "file")}}}
			op["parameters"] = append(params, map[string]any{"name": "dry_run", "in": "query", "schema": tBool})
		} else if doc.Body != "" {
			op["requestBody"] = map[string]any{"required": true, "content": map[string]any{"application/json": map[string]any{"schema": schemaRef(doc.Body)}}}
		}
		okCode := "200"
		if method == http.MethodPost {
			okCode = "201"
		}
		ok := map[string]any{"description": "OK"}
		if doc.Response != "" {
			ok["content"] = map[string]any{"application/json": map[string]any{"schema": schemaRef(doc.Response)}}
		}
		op["responses"] = map[string]any{okCode: ok, "401": errResp, "403": errResp, "404": errResp, "409": errResp, "422": errResp}
		if rt.Perm == "public" {
			op["security"] = []any{}
		}
		if paths[path] == nil {
			paths[path] = map[string]any{}
		}
		paths[path][strings.ToLower(method)] = op
	}
	return map[string]any{
		"openapi": "3.1.0",
		"info": map[string]any{"title": "Shiliu API", "version": s.Version,
			"description": "Community ethnic-affairs platform. Authenticate with a personal access token: Authorization: Bearer slp_…; every call sees only the caller's org subtree."},
		"servers":    []any{map[string]any{"url": "/"}},
		"security":   []any{map[string]any{"bearer": []any{}}},
		"paths":      paths,
		"components": map[string]any{"schemas": openAPISchemas(), "securitySchemes": map[string]any{"bearer": map[string]any{"type": "http", "scheme": "bearer"}}},
	}
}

func (s *Server) apiOpenAPI(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, s.openAPIDoc())
}
