package workday

import (
	"context"
	"fmt"
	"strconv"
	"sync"
	"testing"
	"time"

	"shiliu/internal/auth"
	"shiliu/internal/db"
	"shiliu/internal/dbtest"
	"shiliu/internal/errs"
)

var admin = &auth.Actor{UserID: 7, Username: "jiedao.admin", Role: auth.StreetAdmin, OrgID: 2, OrgPath: "/1/2/"}

type auditRow struct {
	Username, Action, EntityID, Detail string
}

func holidayAudit(t *testing.T, d *db.DB) []auditRow {
	t.Helper()
	rows, err := d.Query(context.Background(), `SELECT username, action, entity_id, detail FROM audit_log WHERE entity = ? ORDER BY id`, Entity)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []auditRow
	for rows.Next() {
		var r auditRow
		if err := rows.Scan(&r.Username, &r.Action, &r.EntityID, &r.Detail); err != nil {
			t.Fatal(err)
		}
		out = append(out, r)
	}
	return out
}

func count(t *testing.T, d *db.DB) int {
	t.Helper()
	var n int
	if err := d.QueryRow(context.Background(), `SELECT COUNT(*) FROM holidays`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func TestImportYearAndCorrections(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		n, err := ImportYear(ctx, d, admin, 2026)
		if err != nil {
			t.Fatal(err)
		}
		if want := len(Official(2026)); n != want || n != 39 {
			t.Fatalf("ImportYear(2026) added %d, want %d (39)", n, want)
		}
		cal, err := Load(ctx, d)
		if err != nil {
			t.Fatal(err)
		}
		from := at(t, "2026-09-30 22:00")
		if got, want := cal.AddWorkdays(from, 1), end(t, "2026-10-08"); !got.Equal(want) {
			t.Errorf("+1 = %v, want %v", got, want)
		}
		if got, want := cal.AddWorkdays(from, 3), end(t, "2026-10-10"); !got.Equal(want) {
			t.Errorf("+3 = %v, want %v (the make-up Saturday)", got, want)
		}

		// An admin gives 9 October off and renames a day.
		if err := Set(ctx, d, admin, Entry{Date: "2026-10-09", Kind: KindOff, Name: " 区调休 "}); err != nil {
			t.Fatal(err)
		}
		if err := Set(ctx, d, admin, Entry{Date: "2026-10-07", Kind: KindOff, Name: "国庆节（第七天）"}); err != nil {
			t.Fatal(err)
		}
		// Setting a date as it is records nothing.
		if err := Set(ctx, d, admin, Entry{Date: "2026-10-09", Kind: KindOff, Name: "区调休"}); err != nil {
			t.Fatal(err)
		}
		cal, _ = Load(ctx, d)
		if got, want := cal.AddWorkdays(from, 2), end(t, "2026-10-10"); !got.Equal(want) {
			t.Errorf("with 9 October off, +2 = %v, want %v", got, want)
		}
		if got := cal.WorkdaysBetween(from, at(t, "2026-10-12 09:00")); got != 3 { // 8, 10, 12 October
			t.Errorf("WorkdaysBetween = %d, want 3", got)
		}
		es, err := List(ctx, d, 2026)
		if err != nil {
			t.Fatal(err)
		}
		if len(es) != 40 {
			t.Errorf("List(2026) has %d entries, want 40", len(es))
		}
		if es, _ := List(ctx, d, 2025); len(es) != 0 {
			t.Errorf("List(2025) = %v, want none", es)
		}

		// Re-importing keeps the admin's edits and adds what was deleted.
		if err := Delete(ctx, d, admin, "2026-10-10"); err != nil {
			t.Fatal(err)
		}
		if err := Delete(ctx, d, admin, "2026-10-10"); errs.KindOf(err) != errs.NotFound {
			t.Errorf("deleting again: %v, want not found", err)
		}
		cal, _ = Load(ctx, d)
		if cal.IsWorkday(day(t, "2026-10-10")) {
			t.Error("after Delete, Saturday 10 October is still a working day")
		}
		n, err = ImportYear(ctx, d, admin, 2026)
		if err != nil || n != 1 {
			t.Fatalf("re-import added %d (%v), want 1", n, err)
		}
		cal, _ = Load(ctx, d)
		if e, _ := cal.Lookup(day(t, "2026-10-07")); e.Name != "国庆节（第七天）" {
			t.Errorf("re-import overwrote the admin's name: %+v", e)
		}
		if e, _ := cal.Lookup(day(t, "2026-10-09")); e.Kind != KindOff || e.Name != "区调休" {
			t.Errorf("re-import lost the admin's day off: %+v", e)
		}
		if !cal.IsWorkday(day(t, "2026-10-10")) {
			t.Error("re-import did not restore the make-up Saturday")
		}

		got := holidayAudit(t, d)
		want := []struct{ action, id string }{
			{"import", "2026"}, {"create", "2026-10-09"}, {"update", "2026-10-07"}, {"delete", "2026-10-10"}, {"import", "2026"},
		}
		if len(got) != len(want) {
			t.Fatalf("audit records %+v, want %v", got, want)
		}
		for i, w := range want {
			if got[i].Action != w.action || got[i].EntityID != w.id || got[i].Username != admin.Username {
				t.Errorf("audit record %d = %+v, want %s %s by %s", i, got[i], w.action, w.id, admin.Username)
			}
		}
		if d := got[2].Detail; d != `{"name":{"old":"国庆节","new":"国庆节（第七天）"}}` {
			t.Errorf("update detail %s", d)
		}
		if d := got[4].Detail; d != `{"added":1,"kept":38,"official":39,"year":2026}` {
			t.Errorf("import detail %s", d)
		}
	})
}

func TestSetRefuses(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		liaison := &auth.Actor{UserID: 9, Username: "lianluo", Role: auth.Liaison, OrgID: 3, OrgPath: "/1/2/3/"}
		long := make([]rune, MaxNameLen+1)
		for i := range long {
			long[i] = '节'
		}
		for _, tc := range []struct {
			a     *auth.Actor
			e     Entry
			kind  errs.Kind
			field string
		}{
			{admin, Entry{Date: "2026-02-30", Kind: KindOff}, errs.Invalid, "date"},
			{admin, Entry{Date: "2026/10/01", Kind: KindOff}, errs.Invalid, "date"},
			{admin, Entry{Date: "", Kind: KindOff}, errs.Invalid, "date"},
			{admin, Entry{Date: "1900-10-01", Kind: KindOff}, errs.Invalid, "date"},
			{admin, Entry{Date: "2026-10-01", Kind: "holiday"}, errs.Invalid, "kind"},
			{admin, Entry{Date: "2026-10-01", Kind: ""}, errs.Invalid, "kind"},
			{admin, Entry{Date: "2026-10-01", Kind: KindOff, Name: string(long)}, errs.Invalid, "name"},
			{liaison, Entry{Date: "2026-10-01", Kind: KindOff}, errs.Forbidden, ""},
		} {
			err := Set(ctx, d, tc.a, tc.e)
			if errs.KindOf(err) != tc.kind {
				t.Errorf("Set(%+v) = %v, want kind %v", tc.e, err, tc.kind)
				continue
			}
			if e, _ := errs.As(err); tc.field != "" && e.Fields[tc.field] == "" {
				t.Errorf("Set(%+v): no message for %s: %v", tc.e, tc.field, e.Fields)
			}
		}
		if err := Delete(ctx, d, liaison, "2026-10-01"); errs.KindOf(err) != errs.Forbidden {
			t.Errorf("liaison Delete: %v", err)
		}
		if _, err := ImportYear(ctx, d, liaison, 2026); errs.KindOf(err) != errs.Forbidden {
			t.Errorf("liaison ImportYear: %v", err)
		}
		if _, err := ImportYear(ctx, d, admin, 2099); err != ErrNoOfficialData {
			t.Errorf("ImportYear(2099) = %v, want ErrNoOfficialData", err)
		}
		if _, err := ImportYear(ctx, d, admin, 1800); errs.KindOf(err) != errs.Invalid {
			t.Errorf("ImportYear(1800) = %v", err)
		}
		if n := count(t, d); n != 0 {
			t.Errorf("%d rows written by refused calls", n)
		}
		if a := holidayAudit(t, d); len(a) != 0 {
			t.Errorf("refused calls audited: %+v", a)
		}
	})
}

func TestSeed(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		now := at(t, "2026-11-29 09:00")
		n, err := seedAt(ctx, d, now)
		if err != nil {
			t.Fatal(err)
		}
		want := len(Official(2025)) + len(Official(2026)) + len(Official(2027))
		if n != want || count(t, d) != want {
			t.Fatalf("Seed added %d, table has %d, want %d", n, count(t, d), want)
		}
		if err := Set(ctx, d, admin, Entry{Date: "2026-10-08", Kind: KindOff, Name: "补休"}); err != nil {
			t.Fatal(err)
		}
		if err := Delete(ctx, d, admin, "2027-02-14"); err != nil {
			t.Fatal(err)
		}
		for range 2 {
			if n, err := seedAt(ctx, d, now); err != nil || n != 0 {
				t.Fatalf("second Seed added %d (%v)", n, err)
			}
		}
		cal, err := Load(ctx, d)
		if err != nil {
			t.Fatal(err)
		}
		if e, _ := cal.Lookup(day(t, "2026-10-08")); e.Kind != KindOff {
			t.Error("Seed overwrote an admin's edit")
		}
		if _, ok := cal.Lookup(day(t, "2027-02-14")); ok {
			t.Error("Seed restored a date an admin deleted from a seeded year")
		}
		// A year later, only 2028 is new (lunar-go v1.4.7 has no 2028
		// data, so nothing is added).
		if n, err := seedAt(ctx, d, at(t, "2027-01-02 09:00")); err != nil || n != 0 {
			t.Errorf("Seed in 2027 added %d (%v)", n, err)
		}
		a := holidayAudit(t, d)
		if len(a) != 3 || a[0].Username != "(system)" || a[0].Action != "import" || a[0].Detail != `{"added":`+strconv.Itoa(want)+`,"years":[2025,2026,2027]}` {
			t.Errorf("audit %+v", a)
		}
	})
}

// Seed on the real clock, twice: the second run adds nothing.
func TestSeedNow(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		if err := Seed(ctx, d); err != nil {
			t.Fatal(err)
		}
		n := count(t, d)
		if n == 0 {
			t.Log("lunar-go knows none of last, this and next year")
		}
		if err := Seed(ctx, d); err != nil || count(t, d) != n {
			t.Errorf("second Seed: %v, %d rows, want %d", err, count(t, d), n)
		}
	})
}

// Several instances seeding at once (PostgreSQL): the dates are inserted
// once and one audit record says so.
func TestSeedConcurrent(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		now := at(t, "2026-11-29 09:00")
		var wg sync.WaitGroup
		total := make([]int, 4)
		for i := range total {
			wg.Go(func() {
				n, err := seedAt(ctx, d, now)
				if err != nil {
					t.Error(err)
				}
				total[i] = n
			})
		}
		wg.Wait()
		sum := 0
		for _, n := range total {
			sum += n
		}
		want := len(Official(2025)) + len(Official(2026)) + len(Official(2027))
		if sum != want || count(t, d) != want {
			t.Errorf("seeded %v, table has %d, want %d", total, count(t, d), want)
		}
	})
}

func TestSource(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		s := &Source{DB: d}
		c1, err := s.Calendar(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if !c1.IsWorkday(day(t, "2026-10-01")) {
			t.Fatal("an empty table knows 国庆")
		}
		if c2, _ := s.Calendar(ctx); c2 != c1 {
			t.Error("the calendar was not cached")
		}
		if _, err := s.ImportYear(ctx, admin, 2026); err != nil {
			t.Fatal(err)
		}
		c3, _ := s.Calendar(ctx)
		if c3 == c1 || c3.IsWorkday(day(t, "2026-10-01")) {
			t.Error("ImportYear through the Source did not refresh the calendar")
		}
		if err := s.Set(ctx, admin, Entry{Date: "2026-10-09", Kind: KindOff}); err != nil {
			t.Fatal(err)
		}
		c4, _ := s.Calendar(ctx)
		if c4.IsWorkday(day(t, "2026-10-09")) {
			t.Error("Set through the Source did not refresh the calendar")
		}
		if err := s.Delete(ctx, admin, "2026-10-09"); err != nil {
			t.Fatal(err)
		}
		c5, _ := s.Calendar(ctx)
		if !c5.IsWorkday(day(t, "2026-10-09")) {
			t.Error("Delete through the Source did not refresh the calendar")
		}
		// Another instance's change shows once the cache is older than
		// MaxAge, not before.
		if err := Set(ctx, d, admin, Entry{Date: "2026-10-12", Kind: KindOff}); err != nil {
			t.Fatal(err)
		}
		if c, _ := s.Calendar(ctx); c != c5 {
			t.Error("reloaded before MaxAge")
		}
		s.MaxAge = time.Millisecond
		time.Sleep(2 * time.Millisecond)
		if c, _ := s.Calendar(ctx); c.IsWorkday(day(t, "2026-10-12")) {
			t.Error("the other instance's change did not show after MaxAge")
		}

		// Many readers while the calendar changes: no race, no error.
		var wg sync.WaitGroup
		from := at(t, "2026-09-30 22:00")
		for i := range 8 {
			wg.Go(func() {
				for range 50 {
					c, err := s.Calendar(ctx)
					if err != nil {
						t.Error(err)
						return
					}
					c.AddWorkdays(from, 1+i)
				}
			})
		}
		for i := range 5 {
			if err := s.Set(ctx, admin, Entry{Date: fmt.Sprintf("2026-11-%02d", 2+i), Kind: KindOff}); err != nil {
				t.Error(err)
			}
		}
		wg.Wait()
		c, _ := s.Calendar(ctx)
		if c.IsWorkday(day(t, "2026-11-06")) {
			t.Error("the last change is not in the calendar")
		}
	})
}
