package cases_test

import (
	"context"
	"os"
	"shiliu/internal/errs/errstest"
	"shiliu/internal/fixture"
	"slices"
	"testing"
	"time"

	"shiliu/internal/audit"
	"shiliu/internal/auth"
	"shiliu/internal/cases"
	"shiliu/internal/db"
	"shiliu/internal/org"
	"shiliu/internal/people"
	"shiliu/internal/ref"
	"shiliu/internal/secret"
)

func TestMain(m *testing.M) {
	auth.ArgonMemory = 1024
	os.Exit(m.Run())
}

var cst = time.FixedZone("CST", 8*3600)

// monday is the fixture's first "now": Monday 2026-06-15, 10:00 in China.
var monday = time.Date(2026, 6, 15, 10, 0, 0, 0, cst)

// fix is the case desk fixture: district D → subdistrict S → committees A
// (address 石榴路88号, building group 石榴苑) and B (building group
// 桂花苑), a liaison group under S; a second subdistrict S2 with committee
// C; the people working there; a registered resident of A and one of B.
type fix struct {
	ctx  context.Context
	d    *db.DB
	s    *cases.Service
	keys *secret.Keys
	now  time.Time

	dist, sub, a, b, bgA, bgB, lgS, sub2, c *org.Unit

	distAdmin, admin, staff, leader, staffA, staffA2, staffB, staffC, liaison, leader2, sysAdmin *auth.Actor
	disabledLeaderID                                                                             int64

	personA, personB *people.Person
}

func newFix(t *testing.T, d *db.DB) *fix {
	t.Helper()
	ctx := context.Background()
	keys, err := secret.LoadOrCreate(t.TempDir(), secret.SM4)
	if err != nil {
		t.Fatalf("keys: %v", err)
	}
	f := &fix{ctx: ctx, d: d, keys: keys, now: monday}
	f.s = cases.New(d, keys, t.TempDir())
	f.s.Now = func() time.Time { return f.now }
	f.s.People.Now = f.s.Now
	mk := func(code, name, addr string, kind org.Kind, parent *org.Unit) *org.Unit {
		t.Helper()
		return fixture.Unit(t, d, org.Input{Code: code, Name: name, Kind: kind, Address: addr}, parent)
	}
	f.dist = mk("D", "测试区", "", org.District, nil)
	f.sub = mk("S", "石榴街道", "", org.Subdistrict, f.dist)
	f.a = mk("A", "甲居委", "石榴路88号", org.Committee, f.sub)
	f.b = mk("B", "乙居委", "桂花路8号", org.Committee, f.sub)
	f.bgA = mk("A1", "石榴苑", "", org.BuildingGroup, f.a)
	f.bgB = mk("B1", "桂花苑", "", org.BuildingGroup, f.b)
	f.lgS = mk("SL", "石榴街道少数民族联络组", "", org.LiaisonGroup, f.sub)
	f.sub2 = mk("S2", "另一街道", "", org.Subdistrict, f.dist)
	f.c = mk("C", "丙居委", "", org.Committee, f.sub2)

	user := func(name string, role auth.Role, u *org.Unit) *auth.Actor {
		t.Helper()
		return fixture.Actor(t, d, name, role, u)
	}
	f.distAdmin = user("distadmin", auth.StreetAdmin, f.dist)
	f.admin = user("admin", auth.StreetAdmin, f.sub)
	f.staff = user("staff", auth.StreetStaff, f.sub)
	f.leader = user("leader", auth.Leader, f.sub)
	f.staffA = user("staffa", auth.CommitteeStaff, f.a)
	f.staffA2 = user("staffa2", auth.CommitteeStaff, f.a)
	f.staffB = user("staffb", auth.CommitteeStaff, f.b)
	f.staffC = user("staffc", auth.CommitteeStaff, f.c)
	f.liaison = user("liaison", auth.Liaison, f.lgS)
	f.leader2 = user("leader2", auth.Leader, f.sub2)
	f.sysAdmin = user("sysadmin", auth.SysAdmin, f.dist)
	f.disabledLeaderID = user("oldleader", auth.Leader, f.sub).UserID
	if _, err := d.Exec(ctx, `UPDATE users SET disabled = 1 WHERE id = ?`, f.disabledLeaderID); err != nil {
		t.Fatal(err)
	}

	ps := people.New(d, keys)
	person := func(name, birth, seq string, u *org.Unit) *people.Person {
		t.Helper()
		first := "640104" + birth + seq
		p, err := ps.Create(ctx, auth.System("test"), people.Input{Name: name, IDNumber: first + string(ref.CheckDigit(first)), Ethnicity: "回族",
			Kind: people.Registered, OrgID: u.ID, Phone: "13900001111"})
		if err != nil {
			t.Fatalf("person %s: %v", name, err)
		}
		return p
	}
	f.personA = person("马建国", "19650708", "031", f.a)
	f.personB = person("白玉兰", "19700101", "042", f.b)
	return f
}

// anon is a valid intake of an anonymous caller; kind dispute unless set.
func anon(summary string) cases.IntakeInput {
	return cases.IntakeInput{Channel: cases.Hotline, Kind: cases.Dispute, CallerName: "王先生", CallerPhone: "13811112222", Summary: summary}
}

// emergencyIn is a valid emergency intake at A.
func (f *fix) emergencyIn() cases.IntakeInput {
	return cases.IntakeInput{Channel: cases.Hotline, Kind: cases.Emergency, CallerName: "李女士", CallerPhone: "13700002222",
		Summary: "两家商户冲突，有人受伤", OrgID: f.a.ID, OccurredAt: f.now.Add(-20 * time.Minute).In(cst).Format("2006-01-02 15:04"), Place: "石榴路88号门口",
		PeopleInvolved: "商户两名，围观群众约十人", FirstReport: "已报警，民警到场，一人轻伤送医"}
}

func (f *fix) intake(t *testing.T, a *auth.Actor, in cases.IntakeInput) *cases.Case {
	t.Helper()
	c, err := f.s.Intake(f.ctx, a, in)
	if err != nil {
		t.Fatalf("intake %q: %v", in.Summary, err)
	}
	return c
}

// inA takes in a dispute of committee A (chosen by the subdistrict admin).
func (f *fix) inA(t *testing.T, summary string) *cases.Case {
	t.Helper()
	in := anon(summary)
	in.OrgID = f.a.ID
	return f.intake(t, f.admin, in)
}

func (f *fix) step(t *testing.T, a *auth.Actor, c *cases.Case, in cases.TransitionInput) *cases.Case {
	t.Helper()
	if in.Version == 0 {
		in.Version = c.Version
	}
	got, err := f.s.Transition(f.ctx, a, c.ID, in)
	if err != nil {
		t.Fatalf("%s on %s (%s): %v", in.Action, c.Code, c.Status, err)
	}
	return got
}

// validInput is a complete input for an action on a case of kind k.
func (f *fix) validInput(act cases.Action, k cases.Kind) cases.TransitionInput {
	in := cases.TransitionInput{Action: act}
	switch act {
	case cases.ActAssign:
		in.OrgID = f.a.ID
	case cases.ActReassign:
		in.OrgID, in.UserID, in.Note = f.a.ID, f.staffA.UserID, "甲居委更熟悉情况"
	case cases.ActNote:
		in.Note = "已电话联系双方"
	case cases.ActReport:
		in.Note = "伤者已出院"
	case cases.ActReturn:
		in.Note = "不属于本居委"
	case cases.ActReopen:
		in.Note = "当事人反映问题再次出现"
	case cases.ActClose:
		in.Resolution, in.Result = "调解达成一致", cases.Resolved
		if k == cases.Emergency {
			in.ClosingReport = "事态平息，无后续风险"
		}
	case cases.ActFollowUp:
		in.Satisfaction, in.Note = 5, "很满意"
	}
	return in
}

// toStatus takes a new case of kind k at A to status st along the main
// path, as the subdistrict admin.
func (f *fix) toStatus(t *testing.T, k cases.Kind, st cases.Status) *cases.Case {
	t.Helper()
	in := anon("案件 " + string(st))
	in.Kind, in.OrgID = k, f.a.ID
	if k == cases.Emergency {
		in = f.emergencyIn()
	}
	c := f.intake(t, f.admin, in)
	path := []cases.Action{cases.ActAssign, cases.ActAccept, cases.ActClose, cases.ActFollowUp}
	for _, act := range path {
		if c.Status == st {
			break
		}
		c = f.step(t, f.admin, c, f.validInput(act, k))
	}
	if c.Status != st {
		t.Fatalf("could not reach %s: at %s", st, c.Status)
	}
	return c
}

func (f *fix) get(t *testing.T, a *auth.Actor, id int64) *cases.Case {
	t.Helper()
	c, err := f.s.Get(f.ctx, a, id)
	if err != nil {
		t.Fatalf("get case %d: %v", id, err)
	}
	return c
}

func (f *fix) events(t *testing.T, id int64) []cases.Event {
	t.Helper()
	evs, err := f.s.Events(f.ctx, auth.System("test"), id)
	if err != nil {
		t.Fatalf("events %d: %v", id, err)
	}
	return evs
}

func actions(evs []cases.Event) []cases.Action {
	out := []cases.Action{}
	for _, e := range evs {
		out = append(out, e.Action)
	}
	return out
}

// codes returns the codes of the cases the actor finds with flt, and the
// total.
func (f *fix) codes(t *testing.T, a *auth.Actor, flt cases.Filter) ([]string, int) {
	t.Helper()
	list, total, err := f.s.List(f.ctx, a, flt)
	if err != nil {
		t.Fatalf("list %+v: %v", flt, err)
	}
	return caseCodes(list), total
}

func caseCodes(list []*cases.Case) []string {
	out := []string{}
	for _, c := range list {
		out = append(out, c.Code)
	}
	slices.Sort(out)
	return out
}

func sortedCodes(cs ...*cases.Case) []string {
	return caseCodes(cs)
}

func (f *fix) count(t *testing.T, q string, args ...any) int {
	t.Helper()
	var n int
	if err := f.d.QueryRow(f.ctx, q, args...).Scan(&n); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	return n
}

// auditRecords returns the audit records of an action on an entity.
func (f *fix) auditRecords(t *testing.T, action, entity, entityID string) []audit.Record {
	t.Helper()
	rows, err := f.d.Query(f.ctx, `SELECT id, username, action, entity, entity_id, detail, result FROM audit_log
		WHERE action = ? AND entity = ? AND (entity_id = ? OR ? = '') ORDER BY id`, action, entity, entityID, entityID)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []audit.Record
	for rows.Next() {
		var r audit.Record
		if err := rows.Scan(&r.ID, &r.Username, &r.Action, &r.Entity, &r.EntityID, &r.Detail, &r.Result); err != nil {
			t.Fatal(err)
		}
		out = append(out, r)
	}
	return out
}

// notified returns the usernames with a notification of kind about a case.
func (f *fix) notified(t *testing.T, kind string, caseID int64) []string {
	t.Helper()
	rows, err := f.d.Query(f.ctx, `SELECT u.username FROM notifications n JOIN users u ON u.id = n.user_id WHERE n.kind = ? AND n.case_id = ? ORDER BY u.username`,
		kind, caseID)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	out := []string{}
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			t.Fatal(err)
		}
		out = append(out, s)
	}
	return out
}

// cstTime formats a stored timestamp in China time.
func cstTime(ts string) string {
	return db.ParseTime(ts).In(cst).Format("2006-01-02 15:04:05 Mon")
}

// The shared assertions on service errors.
var (
	wantFields     = errstest.WantFields
	wantKind       = errstest.WantKind
	wantOutOfScope = errstest.WantOutOfScope
)
