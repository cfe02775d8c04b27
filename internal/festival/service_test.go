package festival_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"shiliu/internal/auth"
	"shiliu/internal/db"
	"shiliu/internal/dbtest"
	"shiliu/internal/errs"
	"shiliu/internal/errs/errstest"
	"shiliu/internal/festival"
	"shiliu/internal/fixture"
	"shiliu/internal/org"
	"shiliu/internal/people"
)

// clock is 2026-03-01 10:00 in China: Eid al-Fitr (about 03-20), Nowruz,
// the lantern festival (目瑙纵歌 03-03), 泼水节 and 三月三 are within 60
// days; Losar (02-18) has passed.
var clock = time.Date(2026, 3, 1, 2, 0, 0, 0, time.UTC)

type fix struct {
	ctx    context.Context
	d      *db.DB
	s      *festival.Service
	tr     *fixture.Tree
	st     *fixture.Staff
	leader *auth.Actor
	// Hui households of A: hA1 (visit planned), hA2 (visit cancelled);
	// of B: hB; a Han hardship household of A: hHan.
	hA1, hA2, hB, hHan *people.Household
}

func newFix(t *testing.T, d *db.DB) *fix {
	t.Helper()
	ctx := context.Background()
	reg := people.New(d, fixture.Keys(t))
	reg.Now = func() time.Time { return clock }
	f := &fix{ctx: ctx, d: d, s: festival.New(d), tr: fixture.NewTree(t, d)}
	f.s.Now = func() time.Time { return clock }
	f.st = fixture.NewStaff(t, d, f.tr)
	f.leader = fixture.Actor(t, d, "leader", auth.Leader, f.tr.Sub)
	root := fixture.Actor(t, d, "root", auth.StreetAdmin, f.tr.Dist)
	seq := 0
	person := func(name, eth string, u *org.Unit, tags people.Tag, h *people.Household) {
		t.Helper()
		seq++
		id := fixture.ID(t, "640104", fmt.Sprintf("1960%02d%02d", seq%12+1, seq%28+1), fmt.Sprintf("%03d", seq*2+1))
		p, err := reg.Create(ctx, root, people.Input{Name: name, IDNumber: id, Ethnicity: eth, Kind: people.Registered, OrgID: u.ID, Tags: people.Tags(tags)})
		if err != nil {
			t.Fatalf("person %s: %v", name, err)
		}
		if h != nil {
			if err := reg.SetMember(ctx, root, p.ID, h.ID, "户主"); err != nil {
				t.Fatal(err)
			}
		}
	}
	household := func(u *org.Unit, code string) *people.Household {
		t.Helper()
		h, err := reg.CreateHousehold(ctx, root, people.HouseholdInput{OrgID: u.ID, Code: code, Address: code + "号"})
		if err != nil {
			t.Fatal(err)
		}
		return h
	}
	f.hA1, f.hA2, f.hB, f.hHan = household(f.tr.A, "A-1"), household(f.tr.A, "A-2"), household(f.tr.B, "B-1"), household(f.tr.A, "A-3")
	person("马大爷", "回族", f.tr.A, people.TagHardship, f.hA1)
	person("马二婶", "回族", f.tr.A, people.TagHardship, f.hA2)
	person("马小明", "回族", f.tr.A, 0, nil)
	person("白阿姨", "回族", f.tr.B, people.TagHardship, f.hB)
	person("丙大叔", "回族", f.tr.C, people.TagHardship, nil)
	person("张大伯", "汉族", f.tr.A, people.TagHardship, f.hHan)
	// The liaison of S looks after household hB.
	if _, err := reg.Assign(ctx, root, f.st.Liaison.UserID, nil, []int64{f.hB.ID}, true); err != nil {
		t.Fatal(err)
	}
	// A visit to hA1 for Eid al-Fitr is planned; the one to hA2 was
	// cancelled; one to hB is for another festival.
	f.visit(t, f.hA1, "eid_al_fitr", "2026-03-15T09:00", "planned")
	f.visit(t, f.hA2, "eid_al_fitr", "2026-03-16T09:00", "cancelled")
	f.visit(t, f.hB, "spring_festival", "2026-02-10T09:00", "done")
	return f
}

func (f *fix) visit(t *testing.T, h *people.Household, fest, at, status string) {
	t.Helper()
	err := f.d.WithTx(f.ctx, func(tx *db.Tx) error {
		id, err := tx.InsertID(f.ctx, `INSERT INTO activities (org_id, kind_id, title, starts_at, ends_at, festival, status, created_at, updated_at)
			VALUES (?, (SELECT id FROM activity_kinds WHERE code = 'holiday_visit'), '节日慰问', ?, ?, ?, ?, ?, ?)`,
			h.OrgID, at, at, fest, status, db.Now(), db.Now())
		if err != nil {
			return err
		}
		_, err = tx.Exec(f.ctx, `INSERT INTO activity_households (activity_id, household_id) VALUES (?, ?)`, id, h.ID)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}

func find(t *testing.T, cal []festival.Date, id string) festival.Date {
	t.Helper()
	for _, d := range cal {
		if d.ID == id {
			return d
		}
	}
	t.Fatalf("no %s", id)
	return festival.Date{}
}

func TestOfficialOverride(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		f := newFix(t, d)
		admin := f.st.Admin
		cal, err := f.s.Calendar(f.ctx, admin, 2026)
		if err != nil {
			t.Fatal(err)
		}
		computed := find(t, cal, "eid_al_fitr")
		if computed.Source != festival.Computed || computed.Date == "" {
			t.Fatalf("computed Eid %+v", computed)
		}
		if n := find(t, cal, "naadam"); n.Date != "" {
			t.Errorf("naadam without an official date is %q", n.Date)
		}

		// A committee may read, not set.
		errstest.WantKind(t, f.s.Set(f.ctx, f.st.StaffA, festival.OfficialInput{Festival: "eid_al_fitr", Year: 2026, Date: "2026-03-21", Source: "x"}), errs.Forbidden, "")
		errstest.WantFields(t, f.s.Set(f.ctx, admin, festival.OfficialInput{Festival: "eid", Year: 1999, Date: "2026-02-30", End: "x"}),
			map[string]string{"festival": "festival.err.unknown", "year": "festival.err.year", "date": "festival.err.date", "end": "festival.err.end", "source": "err.required"})
		errstest.WantFields(t, f.s.Set(f.ctx, admin, festival.OfficialInput{Festival: "naadam", Year: 2026, Date: "2025-07-11", Source: "x"}),
			map[string]string{"date": "festival.err.date_year"})
		errstest.WantFields(t, f.s.Set(f.ctx, admin, festival.OfficialInput{Festival: "naadam", Year: 2026, Date: "2026-07-11", End: "2026-07-01", Source: "x"}),
			map[string]string{"end": "festival.err.end"})

		set := festival.OfficialInput{Festival: "eid_al_fitr", Year: 2026, Date: "2026-03-21", Source: "中国伊斯兰教协会公告"}
		if err := f.s.Set(f.ctx, admin, set); err != nil {
			t.Fatal(err)
		}
		if err := f.s.Set(f.ctx, admin, festival.OfficialInput{Festival: "naadam", Year: 2026, Date: "2026-07-11", End: "2026-07-13", Source: "街道通知"}); err != nil {
			t.Fatal(err)
		}
		cal, _ = f.s.Calendar(f.ctx, f.st.StaffA, 2026)
		got := find(t, cal, "eid_al_fitr")
		if got.Date != "2026-03-21" || got.Source != festival.Official || got.OfficialSource != "中国伊斯兰教协会公告" || got.SetBy != "admin" || got.Version != 1 {
			t.Fatalf("after set: %+v", got)
		}
		if n := find(t, cal, "naadam"); n.Date != "2026-07-11" || n.End != "2026-07-13" {
			t.Errorf("naadam %s–%s", n.Date, n.End)
		}
		// Another year keeps its computed date.
		cal25, _ := f.s.Calendar(f.ctx, admin, 2025)
		if find(t, cal25, "eid_al_fitr").Source != festival.Computed {
			t.Error("2025 took 2026's official date")
		}
		// A form read before the change is refused; the current version
		// goes through.
		set.Date = "2026-03-22"
		errstest.WantKind(t, f.s.Set(f.ctx, admin, set), errs.Conflict, "")
		set.Version = 1
		if err := f.s.Set(f.ctx, admin, set); err != nil {
			t.Fatal(err)
		}
		recs := fixture.AuditRecords(t, d, "create", "festival_date", "eid_al_fitr/2026")
		upd := fixture.AuditRecords(t, d, "update", "festival_date", "eid_al_fitr/2026")
		if len(recs) != 1 || len(upd) != 1 || recs[0].Username != "admin" || !strings.Contains(upd[0].Detail, "2026-03-22") {
			t.Fatalf("audit create %+v update %+v", recs, upd)
		}

		if err := f.s.Unset(f.ctx, admin, "eid_al_fitr", 2026); err != nil {
			t.Fatal(err)
		}
		cal, _ = f.s.Calendar(f.ctx, admin, 2026)
		if back := find(t, cal, "eid_al_fitr"); back.Date != computed.Date || back.Source != festival.Computed {
			t.Errorf("after unset %+v, want the computed %s", back, computed.Date)
		}
		if n := len(fixture.AuditRecords(t, d, "delete", "festival_date", "eid_al_fitr/2026")); n != 1 {
			t.Errorf("%d delete records", n)
		}
		errstest.WantFields(t, f.s.Unset(f.ctx, admin, "eid_al_fitr", 2026), map[string]string{"festival": "festival.err.no_official"})
		errstest.WantKind(t, f.s.Unset(f.ctx, f.st.StaffA, "naadam", 2026), errs.Forbidden, "")
		// The command line's operator.
		cli := auth.System("cli")
		if err := f.s.Set(f.ctx, cli, festival.OfficialInput{Festival: "naadam", Year: 2026, Date: "2026-07-12", Source: "x", AnyVersion: true}); err != nil {
			t.Fatal(err)
		}
		if recs := fixture.AuditRecords(t, d, "update", "festival_date", "naadam/2026"); len(recs) != 1 || recs[0].Username != "(cli)" {
			t.Errorf("cli audit %+v", recs)
		}
	})
}

func upcoming(t *testing.T, f *fix, a *auth.Actor, id string) festival.Upcoming {
	t.Helper()
	list, err := f.s.Upcoming(f.ctx, a, 60)
	if err != nil {
		t.Fatal(err)
	}
	for _, u := range list {
		if u.ID == id {
			return u
		}
	}
	t.Fatalf("%s not upcoming for %s: %+v", id, a.Username, list)
	return festival.Upcoming{}
}

func TestUpcoming(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		f := newFix(t, d)
		list, err := f.s.Upcoming(f.ctx, f.st.Admin, 60)
		if err != nil {
			t.Fatal(err)
		}
		var ids []string
		for _, u := range list {
			ids = append(ids, u.ID)
			if u.On < "2026-03-01" || u.On > "2026-04-30" {
				t.Errorf("%s on %s is not within 60 days", u.ID, u.On)
			}
		}
		if got := strings.Join(ids, " "); got != "munaozongge eid_al_fitr nowruz water_splashing sanyuesan" {
			t.Errorf("upcoming %s", got)
		}

		// Committee A: three Hui residents, two hardship households, one
		// with a visit planned (the cancelled one does not count).
		a := upcoming(t, f, f.st.StaffA, "eid_al_fitr")
		if a.Residents != 3 || a.Hardship != 2 || a.Unplanned != 1 || len(a.Households) != 1 || a.Households[0].ID != f.hA2.ID {
			t.Fatalf("committee A: %+v", a)
		}
		if a.Households[0].HeadName != "马二婶" || a.Households[0].Address != "A-2号" {
			t.Errorf("household %+v", a.Households[0])
		}
		want := fmt.Sprintf("/activities/new?kind=holiday_visit&festival=eid_al_fitr&date=%s&households=%d", a.On, f.hA2.ID)
		if a.VisitURL != want {
			t.Errorf("link %s, want %s", a.VisitURL, want)
		}
		// The subdistrict sees A and B, never S2's committee C.
		s := upcoming(t, f, f.st.Admin, "eid_al_fitr")
		if s.Residents != 4 || s.Hardship != 3 || s.Unplanned != 2 {
			t.Errorf("subdistrict: %d residents, %d/%d households", s.Residents, s.Unplanned, s.Hardship)
		}
		// B sees its own; C its own (a sibling's residents never count).
		if b := upcoming(t, f, f.st.StaffB, "eid_al_fitr"); b.Residents != 1 || b.Unplanned != 1 || b.Households[0].ID != f.hB.ID {
			t.Errorf("committee B: %+v", b)
		}
		if c := upcoming(t, f, f.st.StaffC, "eid_al_fitr"); c.Residents != 1 || c.Hardship != 0 {
			t.Errorf("committee C: %+v", c)
		}
		// The liaison sees the household assigned to them.
		if l := upcoming(t, f, f.st.Liaison, "eid_al_fitr"); l.Residents != 1 || l.Unplanned != 1 || l.VisitURL != "" {
			t.Errorf("liaison: %+v", l)
		}
		// A leader gets the counts, no names, no link.
		if l := upcoming(t, f, f.leader, "eid_al_fitr"); l.Residents != 4 || l.Unplanned != 2 || len(l.Households) != 0 || l.VisitURL != "" {
			t.Errorf("leader: %+v", l)
		}
		// The spring festival is everyone's; it has passed. Nowruz is
		// Kazak, Kirgiz and Uygur: none here.
		if n := upcoming(t, f, f.st.Admin, "nowruz"); n.Residents != 0 || n.Hardship != 0 {
			t.Errorf("nowruz: %+v", n)
		}
		// An official date moves the festival and its visit window: a
		// visit 26 days before still counts, 36 days before no longer.
		for _, c := range []struct {
			date      string
			unplanned int
		}{{"2026-04-10", 1}, {"2026-04-20", 2}} {
			if err := f.s.Set(f.ctx, f.st.Admin, festival.OfficialInput{Festival: "eid_al_fitr", Year: 2026, Date: c.date, Source: "x", AnyVersion: true}); err != nil {
				t.Fatal(err)
			}
			if a := upcoming(t, f, f.st.StaffA, "eid_al_fitr"); a.On != c.date || a.Unplanned != c.unplanned || a.Source != festival.Official {
				t.Errorf("moved to %s: %d unplanned, want %d", c.date, a.Unplanned, c.unplanned)
			}
		}
		_, err = f.s.Upcoming(f.ctx, fixture.Actor(t, d, "audit", auth.AuditAdmin, f.tr.Sub), 60)
		errstest.WantKind(t, err, errs.Forbidden, "")
	})
}
