package venue_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"shiliu/internal/activity"
	"shiliu/internal/auth"
	"shiliu/internal/db"
	"shiliu/internal/dbtest"
	"shiliu/internal/errs"
	"shiliu/internal/fixture"
	"shiliu/internal/i18n"
	"shiliu/internal/venue"
)

// clock: Monday 2027-03-01 10:00 in China.
var clock = time.Date(2027, 3, 1, 2, 0, 0, 0, time.UTC)

type fix struct {
	ctx                         context.Context
	d                           *db.DB
	s                           *venue.Service
	act                         *activity.Service
	tr                          *fixture.Tree
	admin, staffA, staffB, liai *auth.Actor
	// hall is the subdistrict's 民族之家 hall (30 people, Mon–Fri 09–17,
	// Sat 09–12); roomA committee A's room.
	hall, roomA *venue.Venue
}

var weekdays = []venue.Hours{{Weekday: 1, Opens: "09:00", Closes: "17:00"}, {Weekday: 2, Opens: "09:00", Closes: "17:00"},
	{Weekday: 3, Opens: "09:00", Closes: "17:00"}, {Weekday: 4, Opens: "09:00", Closes: "17:00"}, {Weekday: 5, Opens: "09:00", Closes: "17:00"},
	{Weekday: 6, Opens: "09:00", Closes: "12:00"}}

func newFix(t *testing.T, d *db.DB) *fix {
	t.Helper()
	f := &fix{ctx: context.Background(), d: d, s: venue.New(d), act: activity.New(d)}
	f.s.Now = func() time.Time { return clock }
	f.act.Now = f.s.Now
	f.tr = fixture.NewTree(t, d)
	st := fixture.NewStaff(t, d, f.tr)
	f.admin, f.staffA, f.staffB, f.liai = st.Admin, st.StaffA, st.StaffB, st.Liaison
	var err error
	f.hall, err = f.s.Create(f.ctx, f.admin, venue.Input{OrgID: f.tr.Sub.ID, Name: "民族之家多功能厅", Capacity: 30, Hours: weekdays})
	if err != nil {
		t.Fatal(err)
	}
	f.roomA, err = f.s.Create(f.ctx, f.admin, venue.Input{OrgID: f.tr.A.ID, Name: "甲居委活动室", Capacity: 12, Hours: weekdays})
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// group is an outside group's booking of the hall on Wednesday 2027-03-03.
func group(v *venue.Venue, name, start, end string, people int) venue.BookingInput {
	return venue.BookingInput{VenueID: v.ID, Date: "2027-03-03", StartTime: start, EndTime: end, GroupName: name, Purpose: "排练", People: people}
}

var cat = i18n.MustLoad()

// msg is the Chinese message of err as a user reads it.
func msg(err error) string {
	e, ok := errs.As(err)
	if !ok {
		return err.Error()
	}
	return cat.T("zh", e.Key, e.Args...)
}

func fields(t *testing.T, err error) map[string]string {
	t.Helper()
	e, ok := errs.As(err)
	if !ok || e.Kind != errs.Invalid {
		t.Fatalf("got %v, want a refusal of the input", err)
	}
	return e.Fields
}

func TestVenueEditAndScope(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		f := newFix(t, d)
		// committee A sees its room and the subdistrict's hall; B only the hall
		for _, c := range []struct {
			a    *auth.Actor
			want string
		}{{f.staffA, "民族之家多功能厅,甲居委活动室"}, {f.staffB, "民族之家多功能厅"}, {f.admin, "民族之家多功能厅,甲居委活动室"}} {
			list, err := f.s.Venues(f.ctx, c.a, false)
			if err != nil {
				t.Fatal(err)
			}
			var names []string
			for _, v := range list {
				names = append(names, v.Name)
			}
			if got := strings.Join(names, ","); got != c.want {
				t.Errorf("%s sees %s, want %s", c.a.Username, got, c.want)
			}
		}
		if _, err := f.s.Venue(f.ctx, f.staffB, f.roomA.ID); !errors.Is(err, errs.ErrOutOfScope) {
			t.Errorf("B opens A's room: %v, want not found", err)
		}
		if _, err := f.s.Book(f.ctx, f.staffB, group(f.roomA, "乙居委合唱队", "09:00", "10:00", 5)); fields(t, err)["venue_id"] != "err.venue_unknown" {
			t.Errorf("B books A's room: %v", err)
		}
		// the hours are kept per weekday; Sunday is closed
		v, err := f.s.Venue(f.ctx, f.staffA, f.hall.ID)
		if err != nil {
			t.Fatal(err)
		}
		if h, ok := v.HoursOn(6); !ok || h.Closes != "12:00" {
			t.Errorf("Saturday: %+v %v", h, ok)
		}
		if _, ok := v.HoursOn(7); ok {
			t.Error("Sunday should be closed")
		}
		// bad input names the field, nothing saved
		_, err = f.s.Create(f.ctx, f.admin, venue.Input{OrgID: f.tr.Sub.ID, Name: "", Capacity: -1, Hours: []venue.Hours{{Weekday: 1, Opens: "18:00", Closes: "09:00"}}})
		fl := fields(t, err)
		if fl["name"] != "err.required" || fl["capacity"] != "err.number_invalid" || fl["hours_1"] != "err.end_before_start" {
			t.Errorf("fields: %v", fl)
		}
		// a committee cannot manage venues; an admin edits with the version read
		if _, err := f.s.Create(f.ctx, f.staffA, venue.Input{Name: "x"}); errs.KindOf(err) != errs.Forbidden {
			t.Errorf("committee staff creates a venue: %v", err)
		}
		in := venue.Input{OrgID: v.OrgID, Name: v.Name, Capacity: 40, Active: true, Hours: v.Hours, Version: v.Version}
		if v, err = f.s.Update(f.ctx, f.admin, v.ID, in); err != nil || v.Capacity != 40 || v.Version != 2 {
			t.Fatalf("update: %+v %v", v, err)
		}
		if _, err := f.s.Update(f.ctx, f.admin, v.ID, in); errs.KindOf(err) != errs.Conflict {
			t.Errorf("stale version: %v", err)
		}
		if n := fixture.Count(t, d, `SELECT COUNT(*) FROM audit_log WHERE entity = 'venue'`); n != 3 {
			t.Errorf("%d venue audit records, want 3", n)
		}
	})
}

func TestBookingRules(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		f := newFix(t, d)
		cases := []struct {
			name    string
			in      venue.BookingInput
			field   string
			key     string
			message string
		}{
			{"ends before it starts", group(f.hall, "合唱队", "11:00", "10:00", 5), "end_time", "err.end_before_start", ""},
			{"ends as it starts", group(f.hall, "合唱队", "11:00", "11:00", 5), "end_time", "err.end_before_start", ""},
			{"before opening", group(f.hall, "合唱队", "08:00", "10:00", 5), "start_time", "err.venue_outside_hours", "民族之家多功能厅的开放时间是 09:00–17:00"},
			{"after closing", group(f.hall, "合唱队", "16:00", "18:00", 5), "end_time", "err.venue_outside_hours", "09:00–17:00"},
			{"closed on Sunday", venue.BookingInput{VenueID: f.hall.ID, Date: "2027-03-07", StartTime: "09:00", EndTime: "10:00", GroupName: "合唱队", Purpose: "排练", People: 5},
				"date", "err.venue_closed", "民族之家多功能厅这一天不开放"},
			{"Saturday afternoon", venue.BookingInput{VenueID: f.hall.ID, Date: "2027-03-06", StartTime: "13:00", EndTime: "14:00", GroupName: "合唱队", Purpose: "排练", People: 5},
				"start_time", "err.venue_outside_hours", "09:00–12:00"},
			{"over capacity", group(f.hall, "合唱队", "09:00", "10:00", 31), "people", "err.venue_over_capacity", "最多容纳 30 人"},
			{"no group name", group(f.hall, "", "09:00", "10:00", 5), "group_name", "err.required", ""},
			{"nobody expected", group(f.hall, "合唱队", "09:00", "10:00", 0), "people", "err.booking_people", ""},
			{"no date", venue.BookingInput{VenueID: f.hall.ID, StartTime: "09:00", EndTime: "10:00", GroupName: "合唱队", Purpose: "排练", People: 5}, "date", "err.required", ""},
			{"bad time", group(f.hall, "合唱队", "9点", "10:00", 5), "start_time", "err.time_invalid", ""},
			{"unknown venue", group(&venue.Venue{ID: 999}, "合唱队", "09:00", "10:00", 5), "venue_id", "err.venue_unknown", ""},
		}
		for _, c := range cases {
			_, err := f.s.Book(f.ctx, f.staffA, c.in)
			fl := fields(t, err)
			if fl[c.field] != c.key {
				t.Errorf("%s: fields %v, want %s=%s", c.name, fl, c.field, c.key)
			}
			if c.message != "" && !strings.Contains(msg(err), c.message) {
				t.Errorf("%s: message %q, want it to say %q", c.name, msg(err), c.message)
			}
		}
		if n := fixture.Count(t, d, `SELECT COUNT(*) FROM bookings`); n != 0 {
			t.Fatalf("%d bookings saved from refused input", n)
		}
		// the whole opening hours, exactly the capacity: fine
		b, err := f.s.Book(f.ctx, f.staffA, group(f.hall, "合唱队", "09:00", "17:00", 30))
		if err != nil {
			t.Fatal(err)
		}
		if b.OrgID != f.tr.A.ID || b.StartsAt != "2027-03-03T09:00" || b.EndsAt != "2027-03-03T17:00" || b.Status != venue.Booked {
			t.Errorf("booking: %+v", b)
		}
		// minutes since the epoch beside the text: 2027-03-03 09:00 China is 01:00 UTC
		want := time.Date(2027, 3, 3, 1, 0, 0, 0, time.UTC).Unix() / 60
		if n := fixture.Count(t, d, `SELECT COUNT(*) FROM bookings WHERE start_min = ? AND end_min = ?`, want, want+8*60); n != 1 {
			t.Error("start_min/end_min are not the span's minutes since the epoch")
		}
		if recs := fixture.AuditRecords(t, d, "create", "booking", fmt.Sprint(b.ID)); len(recs) != 1 {
			t.Errorf("%d audit records of the booking", len(recs))
		}
		// a liaison does not book
		if _, err := f.s.Book(f.ctx, f.liai, group(f.hall, "合唱队", "09:00", "10:00", 3)); errs.KindOf(err) != errs.Forbidden {
			t.Errorf("liaison books: %v", err)
		}
	})
}

func TestDoubleBookingNamed(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		f := newFix(t, d)
		x, err := f.act.Create(f.ctx, f.staffA, activity.Input{KindCode: "lecture", Title: "民族团结进步讲座", Date: "2027-03-03", StartTime: "10:00", EndTime: "11:00"})
		if err != nil {
			t.Fatal(err)
		}
		// the activity service books inside its own transaction
		var first int64
		err = d.WithTx(f.ctx, func(tx *db.Tx) error {
			first, err = f.s.BookTx(f.ctx, tx, f.staffA, venue.BookingInput{VenueID: f.hall.ID, ActivityID: x.ID, People: 25})
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		b, err := f.s.Booking(f.ctx, f.staffB, first)
		if err != nil || b.StartsAt != "2027-03-03T10:00" || b.EndsAt != "2027-03-03T11:00" || b.What() != "民族团结进步讲座" || b.OrgName != "甲居委" {
			t.Fatalf("activity booking: %+v %v", b, err)
		}
		// B overlaps it: refused, naming who, what and when
		_, err = f.s.Book(f.ctx, f.staffB, group(f.hall, "乙居委舞蹈队", "10:30", "11:30", 10))
		if errs.KindOf(err) != errs.Conflict {
			t.Fatalf("overlap: %v, want a conflict", err)
		}
		for _, want := range []string{"甲居委", "民族团结进步讲座", "2027-03-03 10:00–11:00"} {
			if !strings.Contains(msg(err), want) {
				t.Errorf("conflict message %q does not name %q", msg(err), want)
			}
		}
		// touching end to start is no conflict, on both sides
		for _, span := range [][2]string{{"09:00", "10:00"}, {"11:00", "12:00"}} {
			if _, err := f.s.Book(f.ctx, f.staffB, group(f.hall, "乙居委舞蹈队", span[0], span[1], 10)); err != nil {
				t.Errorf("%s–%s beside 10–11: %v", span[0], span[1], err)
			}
		}
		// the same times in another venue are fine
		if _, err := f.s.Book(f.ctx, f.staffA, group(f.roomA, "书法班", "10:00", "11:00", 8)); err != nil {
			t.Errorf("another venue: %v", err)
		}
		// released with its activity, the slot is free; the cancelled
		// booking stays listed as cancelled
		err = d.WithTx(f.ctx, func(tx *db.Tx) error {
			n, err := f.s.CancelActivityTx(f.ctx, tx, f.staffA, x.ID, "活动取消")
			if err == nil && n != 1 {
				err = fmt.Errorf("%d released", n)
			}
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.s.Book(f.ctx, f.staffB, group(f.hall, "乙居委舞蹈队", "10:00", "11:00", 10)); err != nil {
			t.Errorf("after the cancellation: %v", err)
		}
		all, err := f.s.Bookings(f.ctx, f.staffA, venue.BookingFilter{VenueID: f.hall.ID, From: "2027-03-03", To: "2027-03-03", WithCancelled: true})
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, b := range all {
			got = append(got, b.StartTime()+" "+string(b.Status))
		}
		if strings.Join(got, ",") != "09:00 booked,10:00 cancelled,10:00 booked,11:00 booked" {
			t.Errorf("the day's bookings: %v", got)
		}
		live, _ := f.s.Bookings(f.ctx, f.staffA, venue.BookingFilter{From: "2027-03-01", To: "2027-03-07"})
		if len(live) != 4 { // three in the hall, one in A's room
			t.Errorf("%d live bookings in the week, want 4", len(live))
		}
		// B does not see A's room's booking
		if bs, _ := f.s.Bookings(f.ctx, f.staffB, venue.BookingFilter{From: "2027-03-01", To: "2027-03-07"}); len(bs) != 3 {
			t.Errorf("B sees %d bookings, want the hall's 3", len(bs))
		}
	})
}

func TestCancelBooking(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		f := newFix(t, d)
		b, err := f.s.Book(f.ctx, f.staffA, group(f.hall, "甲居委合唱队", "14:00", "15:00", 10))
		if err != nil {
			t.Fatal(err)
		}
		// B sees it in the hall's week but may not cancel it
		if err := f.s.Cancel(f.ctx, f.staffB, b.ID, ""); !errors.Is(err, errs.ErrOutOfScope) {
			t.Errorf("B cancels A's booking: %v", err)
		}
		if err := f.s.Cancel(f.ctx, f.staffA, b.ID, "改期"); err != nil {
			t.Fatal(err)
		}
		if err := f.s.Cancel(f.ctx, f.staffA, b.ID, ""); errs.KindOf(err) != errs.Conflict {
			t.Errorf("cancelled twice: %v", err)
		}
		// the venue's manager may cancel any booking of it
		b2, err := f.s.Book(f.ctx, f.staffB, group(f.hall, "乙居委合唱队", "14:00", "15:00", 10))
		if err != nil {
			t.Fatalf("the cancelled slot is free: %v", err)
		}
		if err := f.s.Cancel(f.ctx, f.admin, b2.ID, "场地检修"); err != nil {
			t.Errorf("the subdistrict cancels: %v", err)
		}
	})
}

// TestConcurrentBooking: several people book one slot at once; exactly one
// succeeds and the others are told who has it.
func TestConcurrentBooking(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		f := newFix(t, d)
		const n = 6
		for round, hold := range []bool{false, true} {
			if hold && d.Dialect != db.Postgres {
				continue // SQLite's writer is single: no two checks can pass at once
			}
			start := []string{"09:00", "13:00"}[round]
			end := []string{"10:30", "14:30"}[round]
			if hold {
				// every booking passes the overlap check before any inserts,
				// so the exclusion constraint is what refuses them
				var arrived sync.WaitGroup
				arrived.Add(n)
				venue.SetAfterCheck(f.s, func() { arrived.Done(); arrived.Wait() })
			}
			var wg sync.WaitGroup
			results := make([]error, n)
			for i := 0; i < n; i++ {
				wg.Add(1)
				go func() {
					defer wg.Done()
					who := []*auth.Actor{f.staffA, f.staffB, f.admin}[i%3]
					_, results[i] = f.s.Book(f.ctx, who, group(f.hall, fmt.Sprintf("团体%d", i), start, end, 5))
				}()
			}
			wg.Wait()
			venue.SetAfterCheck(f.s, nil)
			ok := 0
			for _, err := range results {
				switch {
				case err == nil:
					ok++
				case errs.KindOf(err) != errs.Conflict:
					t.Errorf("hold=%v: %v, want a conflict", hold, err)
				case !strings.Contains(msg(err), "团体") || !strings.Contains(msg(err), "2027-03-03 "+start+"–"+end):
					t.Errorf("hold=%v: the conflict does not name the winner: %s", hold, msg(err))
				}
			}
			if ok != 1 {
				t.Errorf("hold=%v: %d bookings of one slot succeeded, want exactly 1", hold, ok)
			}
			if c := fixture.Count(t, d, `SELECT COUNT(*) FROM bookings WHERE status = 'booked' AND starts_at = ?`, "2027-03-03T"+start); c != 1 {
				t.Errorf("hold=%v: %d live bookings stored", hold, c)
			}
		}
	})
}

// TestExclusionConstraint: on PostgreSQL the database itself refuses an
// overlapping live booking written around the service.
func TestExclusionConstraint(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		if d.Dialect != db.Postgres {
			t.Skip("an exclusion constraint is PostgreSQL's")
		}
		f := newFix(t, d)
		ins := func(start, end int64, status string) error {
			_, err := d.Exec(f.ctx, `INSERT INTO bookings (venue_id, org_id, group_name, starts_at, ends_at, start_min, end_min, status, created_at, updated_at)
				VALUES (?, ?, 'x', '', '', ?, ?, ?, '', '')`, f.hall.ID, f.tr.Sub.ID, start, end, status)
			return err
		}
		if err := ins(100, 160, "booked"); err != nil {
			t.Fatal(err)
		}
		if err := ins(130, 190, "booked"); !db.IsExclusionViolation(err) {
			t.Errorf("overlap written directly: %v, want an exclusion violation", err)
		}
		for _, c := range []struct {
			s, e   int64
			status string
		}{{160, 220, "booked"}, {40, 100, "booked"}, {100, 160, "cancelled"}} {
			if err := ins(c.s, c.e, c.status); err != nil {
				t.Errorf("%d–%d %s: %v", c.s, c.e, c.status, err)
			}
		}
	})
}
