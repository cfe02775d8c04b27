// Package auth holds accounts, roles and permissions, sessions, API tokens
// and the login policy. The role → permission table below is the single
// source of truth for who may do what; every route names one permission.
package auth

import "slices"

// Role is a user's role (DOMAIN.md "Who uses it").
type Role string

// The roles. The three IT roles are kept apart (三员分立): none of them sees
// residents' data.
const (
	StreetAdmin    Role = "street_admin"
	StreetStaff    Role = "street_staff"
	CommitteeStaff Role = "committee_staff"
	Liaison        Role = "liaison"
	Leader         Role = "leader"
	SysAdmin       Role = "sys_admin"
	SecAdmin       Role = "sec_admin"
	AuditAdmin     Role = "audit_admin"
)

// Roles lists every role in display order.
var Roles = []Role{StreetAdmin, StreetStaff, CommitteeStaff, Liaison, Leader, SysAdmin, SecAdmin, AuditAdmin}

// Valid reports whether r is a known role.
func (r Role) Valid() bool { return slices.Contains(Roles, r) }

// Permission is one thing a role may do.
type Permission string

// The permissions. Later domains add theirs here and to the table.
const (
	// Public marks routes open without login (login page, health checks,
	// static files). It is not granted: routes with it skip the check.
	Public Permission = "public"
	// Self is what every logged-in user may do to their own account:
	// dashboard, password, language, personal access tokens.
	Self Permission = "self"

	OrgView   Permission = "org.view"
	OrgEdit   Permission = "org.edit"
	OrgImport Permission = "org.import"

	UserView   Permission = "user.view"
	UserManage Permission = "user.manage"
	// UserSecurity: unlock accounts, end sessions (security admin).
	UserSecurity Permission = "user.security"

	AuditView Permission = "audit.view"

	// PersonView: the registry (persons, households) in scope; a liaison
	// sees only those assigned to them.
	PersonView Permission = "person.view"
	// PersonEdit: add and change persons and households, lifecycle steps,
	// archive, merge.
	PersonEdit Permission = "person.edit"
	// PersonReveal: see a full ID number or phone (each time audited).
	PersonReveal Permission = "person.reveal"
	// PersonImport and PersonExport: rosters in and out.
	PersonImport Permission = "person.import"
	PersonExport Permission = "person.export"
	// PersonAssign: give persons and households to liaisons.
	PersonAssign Permission = "person.assign"

	// CaseView: service cases (hotline, window, visits) in scope; a liaison
	// sees the cases they took or are assigned.
	CaseView Permission = "case.view"
	// CaseRead: open the case pages at all; which cases one sees is the
	// service's scope (leaders: emergencies only, without names).
	CaseRead Permission = "case.read"
	// CaseIntake: take a call or a visit as a new case.
	CaseIntake Permission = "case.intake"
	// CaseHandle: work on, close, follow up, reopen cases in scope.
	CaseHandle Permission = "case.handle"
	// CaseAssign: assign, reassign and return cases.
	CaseAssign Permission = "case.assign"
	// CaseConfig: deadlines per kind, the holiday calendar, duty rosters.
	CaseConfig Permission = "case.config"
	// EmergencyView: emergency incidents and their reports (leaders are
	// told of them at once).
	EmergencyView Permission = "case.emergency"
	// PairingView and PairingEdit: pairing assistance (结对帮困) and
	// befriending contacts; VisitLog: log a visit of a pairing one takes
	// part in.
	PairingView Permission = "pairing.view"
	PairingEdit Permission = "pairing.edit"
	VisitLog    Permission = "pairing.visit"

	// FigureView: counts and figures of the registry and the cases in
	// scope, never names (leaders see figures, not names).
	FigureView Permission = "figure.view"

	// CommunityView: community life in scope — activities, venues and
	// their bookings, partners, volunteers, honours, the budget, the
	// festival calendar; a liaison sees those of their reach.
	CommunityView Permission = "community.view"
	// ActivityEdit: plan, change and cancel activities and series, sign
	// persons up, write the summary, add photos, import a ledger.
	ActivityEdit Permission = "activity.edit"
	// ActivityConfig: the office's own kinds of activity.
	ActivityConfig Permission = "activity.config"
	// ActivityAttend: take the roll call of an occurrence.
	ActivityAttend Permission = "activity.attend"
	// VenueBook: book a venue; VenueManage: venues, their hours and capacity.
	VenueBook   Permission = "venue.book"
	VenueManage Permission = "venue.manage"
	// PartnerEdit: partner organisations and their agreements.
	PartnerEdit Permission = "partner.edit"
	// HoursLog: log volunteer hours (one's own, or for a volunteer);
	// HoursApprove: approve or refuse logged hours (audited).
	HoursLog     Permission = "volunteer.log"
	HoursApprove Permission = "volunteer.approve"
	// HonourNominate (a committee), HonourReview and HonourGrant (the
	// subdistrict): the honours workflow.
	HonourNominate Permission = "honour.nominate"
	HonourReview   Permission = "honour.review"
	HonourGrant    Permission = "honour.grant"
	// BudgetEdit: the year's budget per unit and purpose; BudgetSpend:
	// record spending with receipts.
	BudgetEdit  Permission = "budget.edit"
	BudgetSpend Permission = "budget.spend"
	// FestivalManage: enter an official festival date for a year.
	FestivalManage Permission = "festival.manage"
	// DocView and DocEdit: the rules and documents library (制度).
	DocView Permission = "doc.view"
	DocEdit Permission = "doc.edit"

	// ReportEdit: begin a unit's annual data set, write its narrative and
	// submit it; ReportApprove: approve sets (a subdistrict's committees',
	// then its own) and ask to unlock an approved one; ReportConsent: the
	// security admin's consent to an unlock (never the one who asked).
	ReportEdit    Permission = "report.edit"
	ReportApprove Permission = "report.approve"
	ReportConsent Permission = "report.consent"
)

// rolePermissions is the permission table. Keep it readable: one line a role.
var rolePermissions = map[Role][]Permission{
	StreetAdmin: {Self, OrgView, OrgEdit, OrgImport, UserView, UserManage, PersonView, PersonEdit, PersonReveal, PersonImport, PersonExport, PersonAssign,
		CaseRead, CaseView, CaseIntake, CaseHandle, CaseAssign, CaseConfig, EmergencyView, PairingView, PairingEdit, VisitLog, FigureView,
		CommunityView, ActivityEdit, ActivityConfig, ActivityAttend, VenueBook, VenueManage, PartnerEdit, HoursLog, HoursApprove,
		HonourNominate, HonourReview, HonourGrant, BudgetEdit, BudgetSpend, FestivalManage, DocView, DocEdit, ReportEdit, ReportApprove},
	StreetStaff: {Self, OrgView, PersonView, PersonEdit, PersonReveal, PersonImport, PersonExport, PersonAssign,
		CaseRead, CaseView, CaseIntake, CaseHandle, CaseAssign, EmergencyView, PairingView, PairingEdit, VisitLog, FigureView,
		CommunityView, ActivityEdit, ActivityAttend, VenueBook, VenueManage, PartnerEdit, HoursLog, HoursApprove,
		HonourNominate, HonourReview, BudgetSpend, DocView, DocEdit, ReportEdit},
	CommitteeStaff: {Self, OrgView, PersonView, PersonEdit, PersonReveal, PersonImport, PersonExport, PersonAssign,
		CaseRead, CaseView, CaseIntake, CaseHandle, CaseAssign, PairingView, PairingEdit, VisitLog, FigureView,
		CommunityView, ActivityEdit, ActivityAttend, VenueBook, PartnerEdit, HoursLog, HoursApprove,
		HonourNominate, BudgetSpend, DocView, DocEdit, ReportEdit},
	Liaison:    {Self, PersonView, CaseRead, CaseView, CaseIntake, PairingView, VisitLog, CommunityView, ActivityAttend, HoursLog, DocView},
	Leader:     {Self, OrgView, CaseRead, EmergencyView, FigureView, DocView},
	SysAdmin:   {Self, OrgView, OrgEdit, OrgImport, UserView, UserManage},
	SecAdmin:   {Self, UserView, UserSecurity, ReportConsent},
	AuditAdmin: {Self, AuditView},
}

// Has reports whether role r holds permission p.
func (r Role) Has(p Permission) bool {
	return slices.Contains(rolePermissions[r], p)
}

// Permissions returns the permissions of r.
func (r Role) Permissions() []Permission { return slices.Clone(rolePermissions[r]) }

// AssignableRoles returns the roles a user of role r may give to accounts
// they create. A subdistrict admin cannot create IT administrators; the
// system administrator creates every role.
func (r Role) AssignableRoles() []Role {
	switch r {
	case SysAdmin:
		return Roles
	case StreetAdmin:
		return []Role{StreetAdmin, StreetStaff, CommitteeStaff, Liaison, Leader}
	}
	return nil
}
