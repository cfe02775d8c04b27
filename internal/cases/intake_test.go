package cases_test

import (
	"bytes"
	"strconv"
	"strings"
	"testing"

	"shiliu/internal/auth"
	"shiliu/internal/cases"
	"shiliu/internal/db"
	"shiliu/internal/dbtest"
	"shiliu/internal/errs"
	"shiliu/internal/org"
)

// TestIntake: a case keeps what was taken down, gets the next code of the
// year, its timeline and audit record; the callback phone is stored only
// sealed and shown masked, and revealed whole only to a handler, audited.
func TestIntake(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		f := newFix(t, d)
		in := cases.IntakeInput{Channel: cases.Window, Kind: cases.OneStop, CallerName: " 阿依古丽•买买提 ", CallerPhone: "138-1234-5678",
			Address: "石榴苑3号楼", Summary: "  办理居住证需要哪些材料  "}
		c := f.intake(t, f.staffA, in)
		if c.Code != "2026-000001" || c.Status != cases.StatusIntake || c.Channel != cases.Window || c.Kind != cases.OneStop || c.Urgency != cases.Normal {
			t.Errorf("case %+v", c)
		}
		if c.CallerName != "阿依古丽·买买提" || c.PhoneMasked != "138****5678" || c.Summary != "办理居住证需要哪些材料" || c.Address != "石榴苑3号楼" {
			t.Errorf("caller %q phone %q summary %q address %q", c.CallerName, c.PhoneMasked, c.Summary, c.Address)
		}
		if c.OrgID != f.a.ID || c.RoutedBy != cases.RoutedAddress || c.CreatedBy != f.staffA.UserID || c.CreatedByName != "测试staffa" || c.Version != 1 {
			t.Errorf("org %d routed %s created by %d %q", c.OrgID, c.RoutedBy, c.CreatedBy, c.CreatedByName)
		}
		evs := f.events(t, c.ID)
		if len(evs) != 1 || evs[0].Action != cases.ActIntake || evs[0].ToStatus != cases.StatusIntake || evs[0].OrgName != "甲居委" || evs[0].Username != "staffa" {
			t.Errorf("events %+v", evs)
		}
		if recs := f.auditRecords(t, "create", "case", strconv.FormatInt(c.ID, 10)); len(recs) != 1 || !strings.Contains(recs[0].Detail, `"routed_by":"address"`) {
			t.Errorf("audit %+v", recs)
		}
		if next := f.inA(t, "第二件"); next.Code != "2026-000002" {
			t.Errorf("second code %s", next.Code)
		}
		f.now = f.now.AddDate(1, 0, 0)
		if next := f.inA(t, "新年第一件"); next.Code != "2027-000001" {
			t.Errorf("new year's code %s", next.Code)
		}
		// No clear phone anywhere in the database.
		for _, table := range []string{"cases", "case_events", "audit_log", "notifications"} {
			rows, err := d.Query(f.ctx, `SELECT * FROM `+table)
			if err != nil {
				t.Fatal(err)
			}
			cols, _ := rows.Columns()
			vals := make([]any, len(cols))
			for i := range vals {
				vals[i] = new(any)
			}
			for rows.Next() {
				if err := rows.Scan(vals...); err != nil {
					t.Fatal(err)
				}
				for _, v := range vals {
					var b []byte
					switch x := (*v.(*any)).(type) {
					case string:
						b = []byte(x)
					case []byte:
						b = x
					}
					if bytes.Contains(b, []byte("13812345678")) {
						t.Errorf("clear phone in %s", table)
					}
				}
			}
			rows.Close()
		}
		// Found by the phone, revealed to a handler with a reason.
		if codes, n := f.codes(t, f.staffA, cases.Filter{Q: "13812345678"}); n != 1 || codes[0] != c.Code {
			t.Errorf("by phone %v", codes)
		}
		_, err := f.s.RevealPhone(f.ctx, f.staffA, c.ID, "")
		wantFields(t, err, map[string]string{"reason": "err.reason_required"})
		phone, err := f.s.RevealPhone(f.ctx, f.staffA, c.ID, "回访")
		if err != nil || phone != "13812345678" {
			t.Errorf("reveal %q %v", phone, err)
		}
		if recs := f.auditRecords(t, "view_sensitive", "case", strconv.FormatInt(c.ID, 10)); len(recs) != 1 || strings.Contains(recs[0].Detail, "5678") {
			t.Errorf("reveal audit %+v", recs)
		}
		_, err = f.s.RevealPhone(f.ctx, f.staffB, c.ID, "好奇")
		wantOutOfScope(t, err)

		// What an intake must have.
		_, err = f.s.Intake(f.ctx, f.staffA, cases.IntakeInput{})
		wantFields(t, err, map[string]string{"channel": "err.required", "kind": "err.required", "summary": "err.required", "caller": "err.caller_required"})
		_, err = f.s.Intake(f.ctx, f.staffA, cases.IntakeInput{Channel: cases.Hotline, Kind: cases.Rights, Summary: "x", CallerPhone: "12345", Urgency: "now",
			PersonID: f.personB.ID})
		wantFields(t, err, map[string]string{"caller_phone": "err.phone_invalid", "urgency": "err.invalid", "person_id": "err.person_unknown"})
		_, err = f.s.Intake(f.ctx, f.leader, anon("领导不受理"))
		wantKind(t, err, errs.Forbidden, "err.forbidden")
		// A registered caller needs no name or number.
		p := f.intake(t, f.staffA, cases.IntakeInput{Channel: cases.Hotline, Kind: cases.Hardship, PersonID: f.personA.ID, Summary: "申请临时救助"})
		if p.PersonID != f.personA.ID || p.PersonName != "马建国" || p.PhoneMasked != "" || p.RoutedBy != cases.RoutedPerson {
			t.Errorf("registered caller %+v", p)
		}
	})
}

// TestRouting: a night-shift operator at the subdistrict takes calls
// without knowing the committee: by the registered caller, by a building
// group's name or a committee's address in the address text, else the
// operator's own unit; never to a unit outside the operator's scope.
func TestRouting(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		f := newFix(t, d)
		tests := []struct {
			name    string
			a       *auth.Actor
			in      cases.IntakeInput
			org     int64
			routing cases.Routing
		}{
			{"registered caller of B", f.staff, cases.IntakeInput{PersonID: f.personB.ID}, f.b.ID, cases.RoutedPerson},
			{"person wins over the address", f.staff, cases.IntakeInput{PersonID: f.personB.ID, Address: "石榴苑"}, f.b.ID, cases.RoutedPerson},
			{"chosen unit wins", f.staff, cases.IntakeInput{PersonID: f.personB.ID, OrgID: f.a.ID}, f.a.ID, cases.RoutedChosen},
			{"building group name", f.staff, cases.IntakeInput{Address: "石榴苑5号楼2单元301"}, f.a.ID, cases.RoutedAddress},
			{"other building group", f.staff, cases.IntakeInput{Address: "桂花苑 12 栋"}, f.b.ID, cases.RoutedAddress},
			{"committee address, full-width digits and spaces", f.staff, cases.IntakeInput{Address: "石榴路 ８８号 旁边小卖部"}, f.a.ID, cases.RoutedAddress},
			{"committee name", f.staff, cases.IntakeInput{Address: "乙居委门口"}, f.b.ID, cases.RoutedAddress},
			{"two committees named: no match", f.staff, cases.IntakeInput{Address: "甲居委和乙居委交界"}, f.sub.ID, cases.RoutedActor},
			{"longest match wins", f.staff, cases.IntakeInput{Address: "桂花苑对面石榴路88号"}, f.a.ID, cases.RoutedAddress},
			{"unknown address: the operator's unit", f.staff, cases.IntakeInput{Address: "火车站"}, f.sub.ID, cases.RoutedActor},
			{"no address", f.staff, cases.IntakeInput{}, f.sub.ID, cases.RoutedActor},
			{"committee staff, other committee's address", f.staffA, cases.IntakeInput{Address: "桂花苑"}, f.a.ID, cases.RoutedActor},
			{"liaison: the units the group serves", f.liaison, cases.IntakeInput{Address: "桂花苑"}, f.b.ID, cases.RoutedAddress},
			{"liaison, no match: the group's parent", f.liaison, cases.IntakeInput{}, f.sub.ID, cases.RoutedActor},
			{"other subdistrict's operator", f.staffC, cases.IntakeInput{Address: "石榴苑"}, f.c.ID, cases.RoutedActor},
		}
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				in := tc.in
				in.Channel, in.Kind, in.Summary = cases.Hotline, cases.Consultation, tc.name
				if in.PersonID == 0 {
					in.CallerPhone = "13812345678"
				}
				c := f.intake(t, tc.a, in)
				if c.OrgID != tc.org || c.RoutedBy != tc.routing {
					t.Errorf("routed to %d (%s) by %s, want %d by %s", c.OrgID, c.OrgName, c.RoutedBy, tc.org, tc.routing)
				}
				if _, err := f.s.Get(f.ctx, tc.a, c.ID); err != nil {
					t.Errorf("the operator cannot see the case: %v", err)
				}
			})
		}
		for _, tc := range []struct {
			name string
			a    *auth.Actor
			in   cases.IntakeInput
			want map[string]string
		}{
			{"chosen unit outside scope", f.staffA, cases.IntakeInput{OrgID: f.b.ID, CallerName: "x"}, map[string]string{"org_id": "err.org_unknown"}},
			{"chosen building group", f.staff, cases.IntakeInput{OrgID: f.bgA.ID, CallerName: "x"}, map[string]string{"org_id": "err.org_unknown"}},
			{"person outside scope", f.staffC, cases.IntakeInput{PersonID: f.personA.ID}, map[string]string{"person_id": "err.person_unknown"}},
			{"liaison and a person not theirs", f.liaison, cases.IntakeInput{PersonID: f.personA.ID}, map[string]string{"person_id": "err.person_unknown"}},
		} {
			t.Run(tc.name, func(t *testing.T) {
				in := tc.in
				in.Channel, in.Kind, in.Summary = cases.Hotline, cases.Consultation, tc.name
				_, err := f.s.Intake(f.ctx, tc.a, in)
				wantFields(t, err, tc.want)
			})
		}
	})
}

// TestScope: who sees which case — committee A vs B, the subdistrict, a
// case assigned by name across committees, the liaison (own cases only),
// the leader (emergencies only, without names), the IT roles (nothing).
func TestScope(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		f := newFix(t, d)
		ca := f.inA(t, "甲的纠纷")
		inB := anon("乙的咨询")
		inB.Kind, inB.Channel, inB.OrgID = cases.Consultation, cases.Window, f.b.ID
		cb := f.intake(t, f.admin, inB)
		emergency := f.intake(t, f.staffA, f.emergencyIn())
		inC := anon("丙的维权")
		inC.Kind = cases.Rights
		cc := f.intake(t, f.staffC, inC)
		inL := anon("联络员走访反映")
		inL.Channel, inL.Kind, inL.Address = cases.Visit, cases.Feedback, "桂花苑"
		cl := f.intake(t, f.liaison, inL)
		// A case of B assigned by name to a user of A.
		cross := f.step(t, f.admin, f.intake(t, f.admin, func() cases.IntakeInput { in := anon("乙委托甲的人办理"); in.OrgID = f.b.ID; return in }()),
			cases.TransitionInput{Action: cases.ActAssign, UserID: f.staffA2.UserID})

		tests := []struct {
			who  string
			a    *auth.Actor
			want []string
		}{
			{"committee A", f.staffA, sortedCodes(ca, emergency)},
			{"committee A, assignee by name", f.staffA2, sortedCodes(ca, emergency, cross)},
			{"committee B", f.staffB, sortedCodes(cb, cl, cross)},
			{"subdistrict admin", f.admin, sortedCodes(ca, cb, emergency, cl, cross)},
			{"subdistrict staff", f.staff, sortedCodes(ca, cb, emergency, cl, cross)},
			{"district admin", f.distAdmin, sortedCodes(ca, cb, emergency, cl, cross, cc)},
			{"other subdistrict", f.staffC, sortedCodes(cc)},
			{"liaison", f.liaison, sortedCodes(cl)},
			{"leader", f.leader, sortedCodes(emergency)},
			{"leader elsewhere", f.leader2, []string{}},
		}
		// The IT roles hold no case permission: the service refuses them,
		// whatever route or job calls it, and so it refuses a missing actor.
		for _, a := range []*auth.Actor{f.sysAdmin, nil} {
			if _, _, err := f.s.List(f.ctx, a, cases.Filter{}); errs.KindOf(err) != errs.Forbidden {
				t.Errorf("list as %v: %v, want forbidden", a.Who().Username, err)
			}
			if _, err := f.s.Get(f.ctx, a, ca.ID); errs.KindOf(err) != errs.Forbidden {
				t.Errorf("get as %v: %v, want forbidden", a.Who().Username, err)
			}
		}
		all := []*cases.Case{ca, cb, emergency, cc, cl, cross}
		for _, tc := range tests {
			t.Run(tc.who, func(t *testing.T) {
				codes, total := f.codes(t, tc.a, cases.Filter{})
				if total != len(tc.want) || strings.Join(codes, ",") != strings.Join(tc.want, ",") {
					t.Errorf("list %v (%d), want %v", codes, total, tc.want)
				}
				for _, c := range all {
					_, err := f.s.Get(f.ctx, tc.a, c.ID)
					visible := strings.Contains(strings.Join(tc.want, ","), c.Code)
					if visible && err != nil {
						t.Errorf("get %s: %v", c.Code, err)
					}
					if !visible {
						wantOutOfScope(t, err)
						if _, err := f.s.Events(f.ctx, tc.a, c.ID); err == nil {
							t.Errorf("events of %s visible", c.Code)
						}
					}
				}
			})
		}
		// The leader sees the emergency without names.
		e := f.get(t, f.leader, emergency.ID)
		if e.CallerName != "" || e.PersonName != "" || e.Place == "" || e.FirstReport == "" {
			t.Errorf("leader's view: caller %q place %q", e.CallerName, e.Place)
		}
		if f.get(t, f.admin, emergency.ID).CallerName != "李女士" {
			t.Error("admin does not see the caller")
		}
		// The user of A assigned B's case by name returns it: done, and out
		// of their sight from then on.
		back, err := f.s.Transition(f.ctx, f.staffA2, cross.ID, cases.TransitionInput{Action: cases.ActReturn, Version: cross.Version, Note: "不归我管"})
		if err != nil || back.Status != cases.StatusIntake || back.AssigneeUserID != 0 {
			t.Fatalf("return by the named assignee: %+v %v", back, err)
		}
		_, err = f.s.Get(f.ctx, f.staffA2, cross.ID)
		wantOutOfScope(t, err)
		// An emergency is always urgent.
		if emergency.Urgency != cases.Urgent {
			t.Errorf("emergency urgency %s", emergency.Urgency)
		}
	})
}

// TestFilters: kind, channel, status, committee, period, assignee, text,
// paging, sorting.
func TestFilters(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		f := newFix(t, d)
		ca := f.inA(t, "楼道堆物引发争吵")
		f.now = at("2026-06-20 11:00")
		inB := anon("咨询清真食品店许可证")
		inB.Kind, inB.Channel, inB.OrgID = cases.Consultation, cases.Window, f.b.ID
		cb := f.intake(t, f.admin, inB)
		f.now = at("2026-07-01 09:00")
		cb2 := f.step(t, f.admin, f.intake(t, f.admin, func() cases.IntakeInput {
			in := anon("乙的维权")
			in.Kind, in.OrgID = cases.Rights, f.b.ID
			return in
		}()),
			cases.TransitionInput{Action: cases.ActAssign, OrgID: f.b.ID, UserID: f.staffB.UserID})
		tests := []struct {
			name string
			flt  cases.Filter
			want []string
		}{
			{"all", cases.Filter{}, sortedCodes(ca, cb, cb2)},
			{"kind", cases.Filter{Kind: cases.Consultation}, sortedCodes(cb)},
			{"channel", cases.Filter{Channel: cases.Hotline}, sortedCodes(ca, cb2)},
			{"status", cases.Filter{Status: cases.StatusAssigned}, sortedCodes(cb2)},
			{"open", cases.Filter{Status: cases.StatusOpen}, sortedCodes(ca, cb, cb2)},
			{"committee", cases.Filter{OrgID: f.b.ID}, sortedCodes(cb, cb2)},
			{"subdistrict", cases.Filter{OrgID: f.sub.ID}, sortedCodes(ca, cb, cb2)},
			{"from", cases.Filter{From: "2026-06-20"}, sortedCodes(cb, cb2)},
			{"to", cases.Filter{To: "2026-06-20"}, sortedCodes(ca, cb)},
			{"a day", cases.Filter{From: "2026-06-15", To: "2026-06-15"}, sortedCodes(ca)},
			{"assignee", cases.Filter{AssigneeUserID: f.staffB.UserID}, sortedCodes(cb2)},
			{"summary text", cases.Filter{Q: "清真"}, sortedCodes(cb)},
			{"code", cases.Filter{Q: ca.Code}, sortedCodes(ca)},
			{"overdue", cases.Filter{Overdue: true}, sortedCodes(ca, cb)},
		}
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				codes, total := f.codes(t, f.admin, tc.flt)
				if total != len(tc.want) || strings.Join(codes, ",") != strings.Join(tc.want, ",") {
					t.Errorf("%v (%d), want %v", codes, total, tc.want)
				}
			})
		}
		list, total, err := f.s.List(f.ctx, f.admin, cases.Filter{Limit: 2, Offset: 1})
		if err != nil || total != 3 || len(list) != 2 || list[0].Code != cb.Code || list[1].Code != ca.Code {
			t.Errorf("page 2: %v %d %v", caseCodes(list), total, err)
		}
		list, _, _ = f.s.List(f.ctx, f.admin, cases.Filter{Sort: "due"})
		if len(list) != 3 || list[0].Code != ca.Code {
			t.Errorf("by due %v", caseCodes(list))
		}
	})
}

// TestMyWork: a user's open cases (by name, or their unit's with no one
// named) by deadline, and the closed ones waiting for a follow-up call.
func TestMyWork(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		f := newFix(t, d)
		unit := f.step(t, f.admin, f.inA(t, "分给甲居委"), cases.TransitionInput{Action: cases.ActAssign, OrgID: f.a.ID})
		named := f.step(t, f.admin, f.inA(t, "分给甲二"), cases.TransitionInput{Action: cases.ActAssign, OrgID: f.a.ID, UserID: f.staffA2.UserID})
		taken := f.intake(t, f.staffA, anon("甲居委自己受理"))
		closed := f.step(t, f.staffA, f.step(t, f.staffA, f.step(t, f.admin, f.inA(t, "已办结待回访"), cases.TransitionInput{Action: cases.ActAssign, OrgID: f.a.ID}),
			cases.TransitionInput{Action: cases.ActAccept}), cases.TransitionInput{Action: cases.ActClose, Resolution: "办好了", Result: cases.Resolved})
		inL := anon("联络员受理")
		inL.Channel = cases.Visit
		byLiaison := f.intake(t, f.liaison, inL)
		tests := []struct {
			who            string
			a              *auth.Actor
			open, followUp []string
		}{
			{"staffa", f.staffA, sortedCodes(unit, taken), sortedCodes(closed)},
			{"staffa2", f.staffA2, sortedCodes(unit, named, taken), sortedCodes(closed)},
			{"admin", f.admin, sortedCodes(byLiaison), sortedCodes(closed)},
			{"liaison", f.liaison, sortedCodes(byLiaison), []string{}},
			{"staffb", f.staffB, []string{}, []string{}},
		}
		for _, tc := range tests {
			t.Run(tc.who, func(t *testing.T) {
				w, err := f.s.MyWork(f.ctx, tc.a)
				if err != nil {
					t.Fatal(err)
				}
				if got := caseCodes(w.Open); strings.Join(got, ",") != strings.Join(tc.open, ",") {
					t.Errorf("open %v, want %v", got, tc.open)
				}
				if got := caseCodes(w.FollowUp); strings.Join(got, ",") != strings.Join(tc.followUp, ",") {
					t.Errorf("follow up %v, want %v", got, tc.followUp)
				}
			})
		}
		f.now = at("2026-06-17 09:00")
		if w, _ := f.s.MyWork(f.ctx, f.staffA); w.Overdue != 2 {
			t.Errorf("overdue in my work: %d", w.Overdue)
		}
	})
}

// TestRouteByNameWithoutSuffix: callers name their estate, not the
// committee: "梅园里6弄12号" is routed to 梅园里居委会 through its building
// group 梅园里6弄楼组, the names read without their kind's suffix.
func TestRouteByNameWithoutSuffix(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		f := newFix(t, d)
		orgs := &org.Service{DB: d}
		c, err := orgs.Create(f.ctx, auth.System("test"), org.Input{Code: "MY", Name: "梅园里居委会", Kind: org.Committee, ParentID: f.sub.ID})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := orgs.Create(f.ctx, auth.System("test"), org.Input{Code: "MY6", Name: "梅园里6弄楼组", Kind: org.BuildingGroup, ParentID: c.ID}); err != nil {
			t.Fatal(err)
		}
		in := anon("拖欠工资")
		in.Address = "梅园里6弄12号"
		got, err := f.s.Intake(f.ctx, f.staff, in)
		if err != nil {
			t.Fatal(err)
		}
		if got.OrgID != c.ID || got.RoutedBy != cases.RoutedAddress {
			t.Fatalf("routed to %d (%s), want 梅园里居委会 %d by address", got.OrgID, got.RoutedBy, c.ID)
		}
	})
}
