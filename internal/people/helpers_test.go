package people_test

import (
	"context"
	"database/sql"
	"fmt"
	"shiliu/internal/errs/errstest"
	"shiliu/internal/fixture"
	"slices"
	"strings"
	"testing"
	"time"

	"shiliu/internal/audit"
	"shiliu/internal/auth"
	"shiliu/internal/db"
	"shiliu/internal/org"
	"shiliu/internal/people"
	"shiliu/internal/ref"
	"shiliu/internal/secret"
)

// regClock is the fixture's "now": 2026-06-15 10:00 in China.
var regClock = time.Date(2026, 6, 15, 2, 0, 0, 0, time.UTC)

// regFix is the registry fixture: district → subdistrict S → committees A
// and B, building groups A1 and A2 under A and B1 under B, a liaison group
// under S and one under A, a second subdistrict S2 with committee C; and
// the actors working there.
type regFix struct {
	ctx  context.Context
	d    *db.DB
	s    *people.Service
	keys *secret.Keys

	dist, sub, a, b, bgA1, bgA2, bgB1, lgS, lgA, sub2, c *org.Unit

	admin, staffA, staffB, staffC *auth.Actor
	// liaison is attached to S's liaison group, liaisonA to A's.
	liaison, liaisonA *auth.Actor
	// nonLiaison is a committee staff account (not a liaison: cannot be
	// assigned persons).
	nonLiaisonID int64
}

func newRegFix(t *testing.T, d *db.DB) *regFix {
	t.Helper()
	ctx := context.Background()
	keys := fixture.Keys(t)
	f := &regFix{ctx: ctx, d: d, keys: keys, s: people.New(d, keys)}
	f.s.Now = func() time.Time { return regClock }
	tr := fixture.NewTree(t, d)
	f.dist, f.sub, f.a, f.b, f.lgS, f.sub2, f.c = tr.Dist, tr.Sub, tr.A, tr.B, tr.LgS, tr.Sub2, tr.C
	mk := func(code, name string, kind org.Kind, parent *org.Unit) *org.Unit {
		t.Helper()
		return fixture.Unit(t, d, org.Input{Code: code, Name: name, Kind: kind}, parent)
	}
	f.bgA1 = mk("A1", "甲一楼组", org.BuildingGroup, f.a)
	f.bgA2 = mk("A2", "甲二楼组", org.BuildingGroup, f.a)
	f.bgB1 = mk("B1", "乙一楼组", org.BuildingGroup, f.b)
	f.lgA = mk("AL", "甲居委联络组", org.LiaisonGroup, f.a)

	st := fixture.NewStaff(t, d, tr)
	f.admin, f.staffA, f.staffB, f.staffC, f.liaison = st.Admin, st.StaffA, st.StaffB, st.StaffC, st.Liaison
	f.liaisonA = fixture.Actor(t, d, "liaisona", auth.Liaison, f.lgA)
	f.nonLiaisonID = fixture.Actor(t, d, "clerk", auth.CommitteeStaff, f.a).UserID
	return f
}

// makeID returns a valid ID number for a region (6 digits), a birth date
// (YYYYMMDD) and a sequence (3 digits; odd last digit is male).
func makeID(t testing.TB, region, birth, seq string) string {
	t.Helper()
	return fixture.ID(t, region, birth, seq)
}

// idEnding returns a valid ID number for region whose last four characters
// are last4 (a sequence of 3 digits and the check character), born on some
// day of the given year.
func idEnding(t testing.TB, region string, year int, last4 string) string {
	t.Helper()
	d := time.Date(year, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := 0; i < 366*3; i++ {
		first := region + d.AddDate(0, 0, i).Format("20060102") + last4[:3]
		if ref.CheckDigit(first) == last4[3] {
			return first + last4[3:]
		}
	}
	t.Fatalf("no ID of %s/%d ends with %s", region, year, last4)
	return ""
}

// in is a valid input for a registered Hui resident of committee A.
func (f *regFix) in(name, id string) people.Input {
	return people.Input{Name: name, IDNumber: id, Ethnicity: "回族", Kind: people.Registered, OrgID: f.a.ID}
}

func (f *regFix) create(t *testing.T, a *auth.Actor, in people.Input) *people.Person {
	t.Helper()
	p, err := f.s.Create(f.ctx, a, in)
	if err != nil {
		t.Fatalf("create %s: %v", in.Name, err)
	}
	return p
}

func (f *regFix) get(t *testing.T, a *auth.Actor, id int64) *people.Person {
	t.Helper()
	p, err := f.s.Get(f.ctx, a, id)
	if err != nil {
		t.Fatalf("get %d: %v", id, err)
	}
	return p
}

func (f *regFix) household(t *testing.T, a *auth.Actor, orgID int64, code string) *people.Household {
	t.Helper()
	h, err := f.s.CreateHousehold(f.ctx, a, people.HouseholdInput{OrgID: orgID, Code: code, Address: code + "号"})
	if err != nil {
		t.Fatalf("create household %s: %v", code, err)
	}
	return h
}

func (f *regFix) member(t *testing.T, a *auth.Actor, pid, hid int64, rel string) {
	t.Helper()
	if err := f.s.SetMember(f.ctx, a, pid, hid, rel); err != nil {
		t.Fatalf("set member %d → %d (%s): %v", pid, hid, rel, err)
	}
}

func (f *regFix) assign(t *testing.T, a *auth.Actor, liaison *auth.Actor, pids, hids []int64, on bool) {
	t.Helper()
	if _, err := f.s.Assign(f.ctx, a, liaison.UserID, pids, hids, on); err != nil {
		t.Fatalf("assign %v %v (%v): %v", pids, hids, on, err)
	}
}

// search returns the names found and the total.
func (f *regFix) search(t *testing.T, a *auth.Actor, flt people.Filter) ([]string, int) {
	t.Helper()
	list, total, err := f.s.Search(f.ctx, a, flt)
	if err != nil {
		t.Fatalf("search %+v: %v", flt, err)
	}
	return names(list), total
}

func names(ps []*people.Person) []string {
	out := []string{}
	for _, p := range ps {
		out = append(out, p.Name)
	}
	return out
}

func sorted(s []string) []string {
	s = slices.Clone(s)
	slices.Sort(s)
	return s
}

// sameSet reports whether got and want hold the same names, in any order.
func sameSet(got, want []string) bool { return slices.Equal(sorted(got), sorted(want)) }

// count returns a single integer from a query.
func (f *regFix) count(t *testing.T, q string, args ...any) int {
	t.Helper()
	return fixture.Count(t, f.d, q, args...)
}

// auditRecords returns the audit records of an action on an entity.
func (f *regFix) auditRecords(t *testing.T, action, entity, entityID string) []audit.Record {
	t.Helper()
	return fixture.AuditRecords(t, f.d, action, entity, entityID)
}

func eventKinds(evs []people.Event) []string {
	out := []string{}
	for _, e := range evs {
		out = append(out, e.Kind)
	}
	return out
}

func (f *regFix) events(t *testing.T, a *auth.Actor, id int64) []people.Event {
	t.Helper()
	evs, err := f.s.Events(f.ctx, a, id)
	if err != nil {
		t.Fatalf("events %d: %v", id, err)
	}
	return evs
}

// tables lists the database's tables.
func (f *regFix) tables(t *testing.T) []string {
	t.Helper()
	q := `SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name`
	if f.d.Dialect == db.Postgres {
		q = `SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' ORDER BY table_name`
	}
	rows, err := f.d.Query(f.ctx, q)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			t.Fatal(err)
		}
		out = append(out, n)
	}
	return out
}

// dumpTable returns every cell of a table as raw bytes (BLOBs as they are
// stored, other values as their text), one cell after another.
func (f *regFix) dumpTable(t *testing.T, table string) ([]byte, int) {
	t.Helper()
	rows, err := f.d.Query(f.ctx, `SELECT * FROM `+table)
	if err != nil {
		t.Fatalf("dump %s: %v", table, err)
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		t.Fatal(err)
	}
	var out []byte
	n := 0
	cells := make([]sql.RawBytes, len(cols))
	ptrs := make([]any, len(cols))
	for i := range cells {
		ptrs[i] = &cells[i]
	}
	for rows.Next() {
		if err := rows.Scan(ptrs...); err != nil {
			t.Fatalf("scan %s: %v", table, err)
		}
		for _, c := range cells {
			out = append(out, c...)
			out = append(out, 0)
		}
		n++
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out, n
}

func describe(p *people.Person) string {
	return fmt.Sprintf("%s (#%d %s)", p.Name, p.ID, strings.TrimSpace(p.IDMasked))
}

// The shared assertions on service errors.
var (
	wantFields     = errstest.WantFields
	wantKind       = errstest.WantKind
	wantOutOfScope = errstest.WantOutOfScope
)
