package web

import (
	"net/http"

	"shiliu/internal/auth"
)

// Route is one entry of the route table.
type Route struct {
	// Pattern is a net/http pattern with method, e.g. "GET /org/{id}".
	Pattern string
	// Perm is the permission the route needs; auth.Public for none.
	Perm auth.Permission
	// API routes answer JSON and accept bearer tokens.
	API bool
	// Object says what {id} in the pattern names ("org", "user", "token"),
	// so the access-matrix test can fill it with own, sibling and parent
	// records.
	Object string
	// AllowBeforePasswordChange lets a user who must change their password
	// reach the route (the password form itself, logout).
	AllowBeforePasswordChange bool
	h                         http.HandlerFunc
}

// routeTable is every route of Shiliu, UI and API, in one place. Each names
// its permission; the access-matrix test fails on a route it does not know.
func (s *Server) routeTable() []Route {
	P := auth.Public
	return []Route{
		// Operations and assets.
		{Pattern: "GET /healthz", Perm: P, h: s.healthz},
		{Pattern: "GET /readyz", Perm: P, h: s.readyz},
		{Pattern: "GET /static/", Perm: P, h: s.serveStatic},

		// Login and the user's own account.
		{Pattern: "GET /login", Perm: P, h: s.loginForm},
		{Pattern: "POST /login", Perm: P, h: s.login},
		{Pattern: "POST /logout", Perm: auth.Self, AllowBeforePasswordChange: true, h: s.logout},
		{Pattern: "GET /password", Perm: auth.Self, AllowBeforePasswordChange: true, h: s.passwordForm},
		{Pattern: "POST /password", Perm: auth.Self, AllowBeforePasswordChange: true, h: s.passwordChange},
		{Pattern: "GET /{$}", Perm: auth.Self, h: s.dashboard},
		{Pattern: "GET /account", Perm: auth.Self, h: s.account},
		{Pattern: "POST /account/lang", Perm: auth.Self, h: s.accountLang},
		{Pattern: "POST /account/tokens", Perm: auth.Self, h: s.tokenCreate},
		{Pattern: "POST /account/tokens/{id}/revoke", Perm: auth.Self, Object: "token", h: s.tokenRevoke},

		// Org tree.
		{Pattern: "GET /org", Perm: auth.OrgView, h: s.orgIndex},
		{Pattern: "GET /org/new", Perm: auth.OrgEdit, h: s.orgNew},
		{Pattern: "POST /org", Perm: auth.OrgEdit, h: s.orgCreate},
		{Pattern: "GET /org/import", Perm: auth.OrgImport, h: s.orgImportForm},
		{Pattern: "POST /org/import", Perm: auth.OrgImport, h: s.orgImport},
		{Pattern: "GET /org/{id}", Perm: auth.OrgView, Object: "org", h: s.orgShow},
		{Pattern: "GET /org/{id}/edit", Perm: auth.OrgEdit, Object: "org", h: s.orgEdit},
		{Pattern: "POST /org/{id}", Perm: auth.OrgEdit, Object: "org", h: s.orgUpdate},
		{Pattern: "POST /org/{id}/archive", Perm: auth.OrgEdit, Object: "org", h: s.orgArchive},
		{Pattern: "POST /org/{id}/restore", Perm: auth.OrgEdit, Object: "org", h: s.orgRestore},
		{Pattern: "POST /org/{id}/population", Perm: auth.OrgEdit, Object: "org", h: s.orgPopulation},

		// Accounts.
		{Pattern: "GET /users", Perm: auth.UserView, h: s.userIndex},
		{Pattern: "GET /users/new", Perm: auth.UserManage, h: s.userNew},
		{Pattern: "POST /users", Perm: auth.UserManage, h: s.userCreate},
		{Pattern: "GET /users/{id}", Perm: auth.UserView, Object: "user", h: s.userShow},
		{Pattern: "POST /users/{id}", Perm: auth.UserManage, Object: "user", h: s.userUpdate},
		{Pattern: "POST /users/{id}/disable", Perm: auth.UserManage, Object: "user", h: s.userDisable},
		{Pattern: "POST /users/{id}/enable", Perm: auth.UserManage, Object: "user", h: s.userEnable},
		{Pattern: "POST /users/{id}/reset-password", Perm: auth.UserManage, Object: "user", h: s.userResetPassword},
		{Pattern: "POST /users/{id}/unlock", Perm: auth.UserSecurity, Object: "user", h: s.userUnlock},

		// Resident registry.
		{Pattern: "GET /persons", Perm: auth.PersonView, h: s.personIndex},
		{Pattern: "GET /persons/new", Perm: auth.PersonEdit, h: s.personNew},
		{Pattern: "POST /persons", Perm: auth.PersonEdit, h: s.personCreate},
		{Pattern: "POST /persons/assign", Perm: auth.PersonAssign, h: s.personBulkAssign},
		{Pattern: "GET /persons/import", Perm: auth.PersonImport, h: s.personImportPage},
		{Pattern: "POST /persons/import", Perm: auth.PersonImport, h: s.personImportUpload},
		{Pattern: "POST /persons/import/apply", Perm: auth.PersonImport, h: s.personImportApply},
		{Pattern: "GET /persons/import/status", Perm: auth.PersonImport, h: s.personImportStatus},
		{Pattern: "GET /persons/import/errors.xlsx", Perm: auth.PersonImport, h: s.personImportErrors},
		{Pattern: "GET /persons/import/template.xlsx", Perm: auth.PersonImport, h: s.personImportTemplate},
		{Pattern: "GET /persons/export.xlsx", Perm: auth.PersonExport, h: s.personExport},
		{Pattern: "GET /persons/{id}", Perm: auth.PersonView, Object: "person", h: s.personShow},
		{Pattern: "GET /persons/{id}/edit", Perm: auth.PersonEdit, Object: "person", h: s.personEdit},
		{Pattern: "POST /persons/{id}", Perm: auth.PersonEdit, Object: "person", h: s.personUpdate},
		{Pattern: "POST /persons/{id}/reveal", Perm: auth.PersonReveal, Object: "person", h: s.personReveal},
		{Pattern: "POST /persons/{id}/lifecycle", Perm: auth.PersonEdit, Object: "person", h: s.personLifecycle},
		{Pattern: "POST /persons/{id}/archive", Perm: auth.PersonEdit, Object: "person", h: s.personArchive},
		{Pattern: "POST /persons/{id}/restore", Perm: auth.PersonEdit, Object: "person", h: s.personRestore},
		{Pattern: "POST /persons/{id}/household", Perm: auth.PersonEdit, Object: "person", h: s.personHousehold},
		{Pattern: "POST /persons/{id}/assign", Perm: auth.PersonAssign, Object: "person", h: s.personAssign},
		{Pattern: "GET /households", Perm: auth.PersonView, h: s.householdIndex},
		{Pattern: "GET /households/new", Perm: auth.PersonEdit, h: s.householdNew},
		{Pattern: "POST /households", Perm: auth.PersonEdit, h: s.householdCreate},
		{Pattern: "GET /households/{id}", Perm: auth.PersonView, Object: "household", h: s.householdShow},
		{Pattern: "POST /households/{id}", Perm: auth.PersonEdit, Object: "household", h: s.householdUpdate},
		{Pattern: "POST /households/{id}/members", Perm: auth.PersonEdit, Object: "household", h: s.householdAddMember},
		{Pattern: "POST /households/{id}/assign", Perm: auth.PersonAssign, Object: "household", h: s.householdAssign},
		{Pattern: "GET /quality", Perm: auth.PersonEdit, h: s.quality},
		{Pattern: "POST /quality/merge", Perm: auth.PersonEdit, h: s.qualityMerge},

		// Service cases: hotline, window, visits; emergencies; my work.
		{Pattern: "GET /cases", Perm: auth.CaseRead, h: s.caseIndex},
		{Pattern: "GET /cases/new", Perm: auth.CaseIntake, h: s.caseNew},
		{Pattern: "POST /cases", Perm: auth.CaseIntake, h: s.caseCreate},
		{Pattern: "GET /cases/export.xlsx", Perm: auth.CaseHandle, h: s.caseExport},
		{Pattern: "GET /cases/{id}", Perm: auth.CaseRead, Object: "case", h: s.caseShow},
		{Pattern: "POST /cases/{id}/transition", Perm: auth.CaseHandle, Object: "case", h: s.caseTransition},
		{Pattern: "POST /cases/{id}/attachments", Perm: auth.CaseHandle, Object: "case", h: s.caseAttach},
		{Pattern: "POST /cases/{id}/reveal", Perm: auth.CaseHandle, Object: "case", h: s.caseRevealPhone},
		{Pattern: "GET /attachments/{id}", Perm: auth.CaseRead, Object: "attachment", h: s.attachmentGet},
		{Pattern: "GET /my", Perm: auth.Self, h: s.myWork},
		{Pattern: "GET /notifications", Perm: auth.Self, h: s.notifications},
		{Pattern: "POST /notifications/read", Perm: auth.Self, h: s.notificationsRead},
		{Pattern: "GET /settings/cases", Perm: auth.CaseConfig, h: s.caseSettings},
		{Pattern: "POST /settings/cases/rules", Perm: auth.CaseConfig, h: s.caseRuleSave},
		{Pattern: "POST /settings/holidays", Perm: auth.CaseConfig, h: s.holidaySave},
		{Pattern: "POST /settings/holidays/delete", Perm: auth.CaseConfig, h: s.holidayDelete},
		{Pattern: "POST /settings/holidays/import", Perm: auth.CaseConfig, h: s.holidayImport},

		// Pairing assistance, befriending contacts, duty rosters.
		{Pattern: "GET /pairings", Perm: auth.PairingView, h: s.pairingIndex},
		{Pattern: "GET /pairings/new", Perm: auth.PairingEdit, h: s.pairingNew},
		{Pattern: "POST /pairings", Perm: auth.PairingEdit, h: s.pairingCreate},
		{Pattern: "GET /pairings/{id}", Perm: auth.PairingView, Object: "pairing", h: s.pairingShow},
		{Pattern: "POST /pairings/{id}", Perm: auth.PairingEdit, Object: "pairing", h: s.pairingUpdate},
		{Pattern: "POST /pairings/{id}/end", Perm: auth.PairingEdit, Object: "pairing", h: s.pairingEnd},
		{Pattern: "POST /pairings/{id}/visits", Perm: auth.VisitLog, Object: "pairing", h: s.pairingVisit},
		{Pattern: "GET /visits/{id}/photo", Perm: auth.PairingView, Object: "visit", h: s.visitPhoto},
		{Pattern: "GET /contacts", Perm: auth.PairingView, h: s.contactIndex},
		{Pattern: "POST /contacts", Perm: auth.VisitLog, h: s.contactCreate},
		{Pattern: "GET /duty", Perm: auth.CaseView, h: s.dutyIndex},
		{Pattern: "POST /duty/slots", Perm: auth.CaseConfig, h: s.dutySlotSave},
		{Pattern: "POST /duty/slots/{id}/delete", Perm: auth.CaseConfig, Object: "slot", h: s.dutySlotDelete},
		{Pattern: "POST /duty/log", Perm: auth.CaseHandle, h: s.dutyLog},

		// Community life: activities, their roll calls, volunteers' hours.
		{Pattern: "GET /activities", Perm: auth.CommunityView, h: s.activityIndex},
		{Pattern: "GET /activities/new", Perm: auth.ActivityEdit, h: s.activityNew},
		{Pattern: "POST /activities", Perm: auth.ActivityEdit, h: s.activityCreate},
		{Pattern: "GET /activities/calendar", Perm: auth.CommunityView, h: s.activityCalendar},
		{Pattern: "GET /activities/export.xlsx", Perm: auth.CommunityView, h: s.activityExport},
		{Pattern: "GET /activities/import", Perm: auth.ActivityEdit, h: s.activityImportForm},
		{Pattern: "POST /activities/import", Perm: auth.ActivityEdit, h: s.activityImport},
		{Pattern: "GET /activities/import/errors.xlsx", Perm: auth.ActivityEdit, h: s.activityImportErrors},
		{Pattern: "GET /activities/kinds", Perm: auth.ActivityConfig, h: s.activityKindsIndex},
		{Pattern: "POST /activities/kinds", Perm: auth.ActivityConfig, h: s.activityKindCreate},
		{Pattern: "GET /activities/{id}", Perm: auth.CommunityView, Object: "activity", h: s.activityShow},
		{Pattern: "GET /activities/{id}/edit", Perm: auth.ActivityEdit, Object: "activity", h: s.activityEdit},
		{Pattern: "POST /activities/{id}", Perm: auth.ActivityEdit, Object: "activity", h: s.activityUpdate},
		{Pattern: "POST /activities/{id}/cancel", Perm: auth.ActivityEdit, Object: "activity", h: s.activityCancel},
		{Pattern: "POST /activities/{id}/signup", Perm: auth.ActivityEdit, Object: "activity", h: s.activitySignUp},
		{Pattern: "POST /activities/{id}/unlist", Perm: auth.ActivityEdit, Object: "activity", h: s.activityUnlist},
		{Pattern: "POST /activities/{id}/roster", Perm: auth.ActivityEdit, Object: "activity", h: s.activityRoster},
		{Pattern: "GET /activities/{id}/rollcall", Perm: auth.ActivityAttend, Object: "activity", h: s.activityRollCall},
		{Pattern: "POST /activities/{id}/attendance", Perm: auth.ActivityAttend, Object: "activity", h: s.activityAttendance},
		{Pattern: "POST /activities/{id}/others", Perm: auth.ActivityAttend, Object: "activity", h: s.activityOthers},
		{Pattern: "POST /activities/{id}/photos", Perm: auth.ActivityAttend, Object: "activity", h: s.activityPhoto},
		{Pattern: "GET /activity-photos/{id}", Perm: auth.CommunityView, Object: "activityphoto", h: s.activityPhotoGet},
		{Pattern: "POST /activity-photos/{id}/delete", Perm: auth.ActivityEdit, Object: "activityphoto", h: s.activityPhotoDelete},
		{Pattern: "GET /volunteers", Perm: auth.CommunityView, h: s.volunteerIndex},
		{Pattern: "GET /volunteers/export.xlsx", Perm: auth.CommunityView, h: s.volunteerExport},
		{Pattern: "POST /volunteers/hours", Perm: auth.HoursLog, h: s.volunteerLogHours},
		{Pattern: "POST /volunteers/hours/{id}/decide", Perm: auth.HoursApprove, Object: "hours", h: s.volunteerDecide},
		{Pattern: "GET /volunteers/teams", Perm: auth.CommunityView, h: s.teamIndex},
		{Pattern: "POST /volunteers/teams", Perm: auth.HoursApprove, h: s.teamCreate},
		{Pattern: "GET /volunteers/teams/{id}", Perm: auth.CommunityView, Object: "team", h: s.teamShow},
		{Pattern: "POST /volunteers/teams/{id}/members", Perm: auth.HoursApprove, Object: "team", h: s.teamMember},
		{Pattern: "GET /volunteers/person/{id}", Perm: auth.CommunityView, Object: "person", h: s.volunteerShow},
		{Pattern: "GET /volunteers/person/{id}/ledger.xlsx", Perm: auth.CommunityView, Object: "person", h: s.volunteerLedgerExport},

		// Festival calendar: the year's festivals, official dates, the
		// upcoming festivals with the households to visit.
		{Pattern: "GET /festivals", Perm: auth.CommunityView, h: s.festivalIndex},
		{Pattern: "GET /festivals/upcoming", Perm: auth.CommunityView, h: s.festivalUpcoming},
		{Pattern: "POST /festivals/official", Perm: auth.FestivalManage, h: s.festivalSet},
		{Pattern: "POST /festivals/official/delete", Perm: auth.FestivalManage, h: s.festivalUnset},
		// Honours, the budget, the rules and documents library.
		{Pattern: "GET /honours", Perm: auth.CommunityView, h: s.honourIndex},
		{Pattern: "GET /honours/new", Perm: auth.HonourNominate, h: s.honourNew},
		{Pattern: "POST /honours", Perm: auth.HonourNominate, h: s.honourCreate},
		{Pattern: "GET /honours/kinds", Perm: auth.HonourGrant, h: s.honourKinds},
		{Pattern: "POST /honours/kinds", Perm: auth.HonourGrant, h: s.honourKindCreate},
		{Pattern: "GET /honours/{id}", Perm: auth.CommunityView, Object: "honour", h: s.honourShow},
		{Pattern: "GET /honours/{id}/certificate", Perm: auth.CommunityView, Object: "honour", h: s.honourCertificate},
		{Pattern: "POST /honours/{id}/review", Perm: auth.HonourReview, Object: "honour", h: s.honourReview},
		{Pattern: "POST /honours/{id}/grant", Perm: auth.HonourGrant, Object: "honour", h: s.honourGrant},
		{Pattern: "POST /honours/{id}/refuse", Perm: auth.HonourReview, Object: "honour", h: s.honourRefuse},
		{Pattern: "GET /budget", Perm: auth.CommunityView, h: s.budgetIndex},
		{Pattern: "POST /budget", Perm: auth.BudgetEdit, h: s.budgetSet},
		{Pattern: "GET /budget/spending", Perm: auth.CommunityView, h: s.spendingIndex},
		{Pattern: "GET /budget/spending/new", Perm: auth.BudgetSpend, h: s.spendingNew},
		{Pattern: "POST /budget/spending", Perm: auth.BudgetSpend, h: s.spendingCreate},
		{Pattern: "GET /budget/spending/{id}", Perm: auth.CommunityView, Object: "spending", h: s.spendingShow},
		{Pattern: "POST /budget/spending/{id}/void", Perm: auth.BudgetSpend, Object: "spending", h: s.spendingVoid},
		{Pattern: "POST /budget/spending/{id}/receipts", Perm: auth.BudgetSpend, Object: "spending", h: s.spendingReceipt},
		{Pattern: "GET /budget/receipts/{id}", Perm: auth.CommunityView, Object: "receipt", h: s.receiptGet},
		{Pattern: "GET /docs", Perm: auth.DocView, h: s.docIndex},
		{Pattern: "GET /docs/new", Perm: auth.DocEdit, h: s.docNew},
		{Pattern: "POST /docs", Perm: auth.DocEdit, h: s.docCreate},
		{Pattern: "GET /docs/{id}", Perm: auth.DocView, Object: "doc", h: s.docShow},
		{Pattern: "POST /docs/{id}", Perm: auth.DocEdit, Object: "doc", h: s.docUpdate},
		{Pattern: "POST /docs/{id}/versions", Perm: auth.DocEdit, Object: "doc", h: s.docVersion},
		{Pattern: "GET /docs/files/{id}", Perm: auth.DocView, Object: "docversion", h: s.docFile},

		// The statistics dashboard (figures, no names).
		{Pattern: "GET /stats", Perm: auth.FigureView, h: s.stats},
		{Pattern: "GET /figures", Perm: auth.FigureView, h: s.figureIndex},
		{Pattern: "GET /figures/{figure}", Perm: auth.FigureView, h: s.figureRecords},

		// The annual data sets: figures reviewed, narrative written, approved and locked.
		{Pattern: "GET /reports", Perm: auth.FigureView, h: s.reportIndex},
		{Pattern: "POST /reports", Perm: auth.ReportEdit, h: s.reportOpen},
		{Pattern: "GET /reports/compare", Perm: auth.FigureView, h: s.reportCompare},
		{Pattern: "GET /reports/unlocks", Perm: auth.ReportConsent, h: s.reportUnlocks},
		{Pattern: "GET /reports/{id}", Perm: auth.FigureView, Object: "report", h: s.reportShow},
		{Pattern: "POST /reports/{id}", Perm: auth.ReportEdit, Object: "report", h: s.reportUpdate},
		{Pattern: "POST /reports/{id}/submit", Perm: auth.ReportEdit, Object: "report", h: s.reportSubmit},
		{Pattern: "POST /reports/{id}/approve", Perm: auth.ReportApprove, Object: "report", h: s.reportApprove},
		{Pattern: "POST /reports/{id}/unlock", Perm: auth.ReportApprove, Object: "report", h: s.reportUnlock},
		{Pattern: "POST /reports/{id}/consent", Perm: auth.ReportConsent, Object: "report", h: s.reportConsent},

		// Audit.
		{Pattern: "GET /audit", Perm: auth.AuditView, h: s.auditIndex},

		// Venues and their bookings; partner organisations and their agreements.
		{Pattern: "GET /venues", Perm: auth.CommunityView, h: s.venueIndex},
		{Pattern: "GET /venues/new", Perm: auth.VenueManage, h: s.venueNew},
		{Pattern: "POST /venues", Perm: auth.VenueManage, h: s.venueCreate},
		{Pattern: "GET /venues/{id}", Perm: auth.CommunityView, Object: "venue", h: s.venueShow},
		{Pattern: "GET /venues/{id}/edit", Perm: auth.VenueManage, Object: "venue", h: s.venueEdit},
		{Pattern: "POST /venues/{id}", Perm: auth.VenueManage, Object: "venue", h: s.venueUpdate},
		{Pattern: "GET /venues/{id}/book", Perm: auth.VenueBook, Object: "venue", h: s.venueBook},
		{Pattern: "POST /venues/{id}/bookings", Perm: auth.VenueBook, Object: "venue", h: s.venueBookingCreate},
		{Pattern: "POST /venues/bookings/{id}/cancel", Perm: auth.VenueBook, Object: "booking", h: s.bookingCancel},
		{Pattern: "GET /partners", Perm: auth.CommunityView, h: s.partnerIndex},
		{Pattern: "GET /partners/new", Perm: auth.PartnerEdit, h: s.partnerNew},
		{Pattern: "POST /partners", Perm: auth.PartnerEdit, h: s.partnerCreate},
		{Pattern: "GET /partners/{id}", Perm: auth.CommunityView, Object: "partner", h: s.partnerShow},
		{Pattern: "GET /partners/{id}/edit", Perm: auth.PartnerEdit, Object: "partner", h: s.partnerEdit},
		{Pattern: "POST /partners/{id}", Perm: auth.PartnerEdit, Object: "partner", h: s.partnerUpdate},
		{Pattern: "POST /partners/{id}/agreements", Perm: auth.PartnerEdit, Object: "partner", h: s.agreementCreate},
		{Pattern: "POST /partners/agreements/{id}/update", Perm: auth.PartnerEdit, Object: "agreement", h: s.agreementUpdate},
		{Pattern: "GET /partners/agreements/{id}/file", Perm: auth.CommunityView, Object: "agreement", h: s.agreementFile},

		// JSON API.
		{Pattern: "GET /api/v1/openapi.json", Perm: P, API: true, h: s.apiOpenAPI},
		{Pattern: "GET /api/v1/me", Perm: auth.Self, API: true, h: s.apiMe},
		{Pattern: "GET /api/v1/org-units", Perm: auth.OrgView, API: true, h: s.apiOrgList},
		{Pattern: "POST /api/v1/org-units", Perm: auth.OrgEdit, API: true, h: s.apiOrgCreate},
		{Pattern: "GET /api/v1/org-units/{id}", Perm: auth.OrgView, API: true, Object: "org", h: s.apiOrgGet},
		{Pattern: "PUT /api/v1/org-units/{id}", Perm: auth.OrgEdit, API: true, Object: "org", h: s.apiOrgUpdate},
		{Pattern: "GET /api/v1/org-units/{id}/population", Perm: auth.OrgView, API: true, Object: "org", h: s.apiOrgPopulation},
		{Pattern: "PUT /api/v1/org-units/{id}/population/{year}", Perm: auth.OrgEdit, API: true, Object: "org", h: s.apiOrgSetPopulation},
		{Pattern: "GET /api/v1/users", Perm: auth.UserView, API: true, h: s.apiUserList},
		{Pattern: "GET /api/v1/users/{id}", Perm: auth.UserView, API: true, Object: "user", h: s.apiUserGet},
		{Pattern: "POST /api/v1/users", Perm: auth.UserManage, API: true, h: s.apiUserCreate},
		{Pattern: "GET /api/v1/audit", Perm: auth.AuditView, API: true, h: s.apiAuditList},
		{Pattern: "GET /api/v1/persons", Perm: auth.PersonView, API: true, h: s.apiPersonList},
		{Pattern: "POST /api/v1/persons", Perm: auth.PersonEdit, API: true, h: s.apiPersonCreate},
		{Pattern: "POST /api/v1/persons/import", Perm: auth.PersonImport, API: true, h: s.apiPersonImport},
		{Pattern: "GET /api/v1/persons/{id}", Perm: auth.PersonView, API: true, Object: "person", h: s.apiPersonGet},
		{Pattern: "PUT /api/v1/persons/{id}", Perm: auth.PersonEdit, API: true, Object: "person", h: s.apiPersonUpdate},
		{Pattern: "POST /api/v1/persons/{id}/reveal", Perm: auth.PersonReveal, API: true, Object: "person", h: s.apiPersonReveal},
		{Pattern: "GET /api/v1/households", Perm: auth.PersonView, API: true, h: s.apiHouseholdList},
		{Pattern: "GET /api/v1/households/{id}", Perm: auth.PersonView, API: true, Object: "household", h: s.apiHouseholdGet},
		{Pattern: "GET /api/v1/cases", Perm: auth.CaseRead, API: true, h: s.apiCaseList},
		{Pattern: "POST /api/v1/cases", Perm: auth.CaseIntake, API: true, h: s.apiCaseIntake},
		{Pattern: "GET /api/v1/cases/{id}", Perm: auth.CaseRead, API: true, Object: "case", h: s.apiCaseGet},
		{Pattern: "POST /api/v1/cases/{id}/transition", Perm: auth.CaseHandle, API: true, Object: "case", h: s.apiCaseTransition},
		{Pattern: "GET /api/v1/notifications", Perm: auth.Self, API: true, h: s.apiNotifications},
		{Pattern: "GET /api/v1/pairings", Perm: auth.PairingView, API: true, h: s.apiPairingList},
		{Pattern: "GET /api/v1/pairings/{id}", Perm: auth.PairingView, API: true, Object: "pairing", h: s.apiPairingGet},
		{Pattern: "POST /api/v1/pairings/{id}/visits", Perm: auth.VisitLog, API: true, Object: "pairing", h: s.apiPairingVisit},

		// Community life.
		{Pattern: "GET /api/v1/activities", Perm: auth.CommunityView, API: true, h: s.apiActivityList},
		{Pattern: "POST /api/v1/activities", Perm: auth.ActivityEdit, API: true, h: s.apiActivityCreate},
		{Pattern: "GET /api/v1/activities/{id}", Perm: auth.CommunityView, API: true, Object: "activity", h: s.apiActivityGet},
		{Pattern: "GET /api/v1/activities/{id}/attendees", Perm: auth.CommunityView, API: true, Object: "activity", h: s.apiActivityAttendees},
		{Pattern: "POST /api/v1/activities/{id}/attendance", Perm: auth.ActivityAttend, API: true, Object: "activity", h: s.apiActivityMark},
		{Pattern: "GET /api/v1/volunteers", Perm: auth.CommunityView, API: true, h: s.apiVolunteerList},
		{Pattern: "POST /api/v1/volunteers/hours", Perm: auth.HoursLog, API: true, h: s.apiVolunteerLogHours},

		// Festival calendar.
		{Pattern: "GET /api/v1/festivals", Perm: auth.CommunityView, API: true, h: s.apiFestivals},
		{Pattern: "GET /api/v1/festivals/upcoming", Perm: auth.CommunityView, API: true, h: s.apiFestivalsUpcoming},
		// Venues and bookings; partners and agreements.
		{Pattern: "GET /api/v1/venues", Perm: auth.CommunityView, API: true, h: s.apiVenueList},
		{Pattern: "POST /api/v1/venues", Perm: auth.VenueManage, API: true, h: s.apiVenueCreate},
		{Pattern: "GET /api/v1/venues/bookings", Perm: auth.CommunityView, API: true, h: s.apiBookingList},
		{Pattern: "POST /api/v1/venues/bookings/{id}/cancel", Perm: auth.VenueBook, API: true, Object: "booking", h: s.apiBookingCancel},
		{Pattern: "GET /api/v1/venues/{id}", Perm: auth.CommunityView, API: true, Object: "venue", h: s.apiVenueGet},
		{Pattern: "PUT /api/v1/venues/{id}", Perm: auth.VenueManage, API: true, Object: "venue", h: s.apiVenueUpdate},
		{Pattern: "GET /api/v1/venues/{id}/bookings", Perm: auth.CommunityView, API: true, Object: "venue", h: s.apiVenueBookings},
		{Pattern: "POST /api/v1/venues/{id}/bookings", Perm: auth.VenueBook, API: true, Object: "venue", h: s.apiBookingCreate},
		{Pattern: "GET /api/v1/partners", Perm: auth.CommunityView, API: true, h: s.apiPartnerList},
		{Pattern: "POST /api/v1/partners", Perm: auth.PartnerEdit, API: true, h: s.apiPartnerCreate},
		{Pattern: "GET /api/v1/partners/{id}", Perm: auth.CommunityView, API: true, Object: "partner", h: s.apiPartnerGet},
		{Pattern: "PUT /api/v1/partners/{id}", Perm: auth.PartnerEdit, API: true, Object: "partner", h: s.apiPartnerUpdate},
		{Pattern: "GET /api/v1/partners/{id}/agreements", Perm: auth.CommunityView, API: true, Object: "partner", h: s.apiAgreementList},
		{Pattern: "POST /api/v1/partners/{id}/agreements", Perm: auth.PartnerEdit, API: true, Object: "partner", h: s.apiAgreementCreate},
		{Pattern: "PUT /api/v1/partners/agreements/{id}", Perm: auth.PartnerEdit, API: true, Object: "agreement", h: s.apiAgreementUpdate},
		// Honours, the budget, the rules and documents library.
		{Pattern: "GET /api/v1/honours", Perm: auth.CommunityView, API: true, h: s.apiHonourList},
		{Pattern: "POST /api/v1/honours", Perm: auth.HonourNominate, API: true, h: s.apiHonourNominate},
		{Pattern: "GET /api/v1/honours/{id}", Perm: auth.CommunityView, API: true, Object: "honour", h: s.apiHonourGet},
		{Pattern: "POST /api/v1/honours/{id}/review", Perm: auth.HonourReview, API: true, Object: "honour", h: s.apiHonourReview},
		{Pattern: "POST /api/v1/honours/{id}/grant", Perm: auth.HonourGrant, API: true, Object: "honour", h: s.apiHonourGrant},
		{Pattern: "POST /api/v1/honours/{id}/refuse", Perm: auth.HonourReview, API: true, Object: "honour", h: s.apiHonourRefuse},
		{Pattern: "GET /api/v1/budget", Perm: auth.CommunityView, API: true, h: s.apiBudgetExecution},
		{Pattern: "PUT /api/v1/budget", Perm: auth.BudgetEdit, API: true, h: s.apiBudgetSet},
		{Pattern: "GET /api/v1/budget/spending", Perm: auth.CommunityView, API: true, h: s.apiSpendingList},
		{Pattern: "POST /api/v1/budget/spending", Perm: auth.BudgetSpend, API: true, h: s.apiSpendingCreate},
		{Pattern: "GET /api/v1/budget/spending/{id}", Perm: auth.CommunityView, API: true, Object: "spending", h: s.apiSpendingGet},
		{Pattern: "POST /api/v1/budget/spending/{id}/void", Perm: auth.BudgetSpend, API: true, Object: "spending", h: s.apiSpendingVoid},
		{Pattern: "GET /api/v1/docs", Perm: auth.DocView, API: true, h: s.apiDocList},
		{Pattern: "GET /api/v1/docs/{id}", Perm: auth.DocView, API: true, Object: "doc", h: s.apiDocGet},

		// The figures and the annual data sets.
		{Pattern: "GET /api/v1/indicators", Perm: auth.FigureView, API: true, h: s.apiIndicators},
		{Pattern: "GET /api/v1/indicators/{figure}", Perm: auth.FigureView, API: true, h: s.apiIndicatorGet},
		{Pattern: "GET /api/v1/indicators/{figure}/records", Perm: auth.FigureView, API: true, h: s.apiIndicatorRecords},
		{Pattern: "GET /api/v1/dashboard", Perm: auth.FigureView, API: true, h: s.apiDashboard},
		{Pattern: "GET /api/v1/reports/summary", Perm: auth.FigureView, API: true, h: s.apiSummary},
		{Pattern: "GET /api/v1/reports", Perm: auth.FigureView, API: true, h: s.apiReportList},
		{Pattern: "POST /api/v1/reports", Perm: auth.ReportEdit, API: true, h: s.apiReportOpen},
		{Pattern: "GET /api/v1/reports/{id}", Perm: auth.FigureView, API: true, Object: "report", h: s.apiReportGet},
		{Pattern: "PUT /api/v1/reports/{id}", Perm: auth.ReportEdit, API: true, Object: "report", h: s.apiReportUpdate},
		{Pattern: "POST /api/v1/reports/{id}/submit", Perm: auth.ReportEdit, API: true, Object: "report", h: s.apiReportSubmit},
		{Pattern: "POST /api/v1/reports/{id}/approve", Perm: auth.ReportApprove, API: true, Object: "report", h: s.apiReportApprove},
		{Pattern: "POST /api/v1/reports/{id}/unlock", Perm: auth.ReportApprove, API: true, Object: "report", h: s.apiReportUnlock},
		{Pattern: "POST /api/v1/reports/{id}/consent", Perm: auth.ReportConsent, API: true, Object: "report", h: s.apiReportConsent},
	}
}
