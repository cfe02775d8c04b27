package activity_test

import (
	"testing"
	"time"

	"shiliu/internal/activity"
	"shiliu/internal/auth"
	"shiliu/internal/cases"
	"shiliu/internal/db"
	"shiliu/internal/dbtest"
	"shiliu/internal/errs"
	"shiliu/internal/errs/errstest"
	"shiliu/internal/fixture"
	"shiliu/internal/venue"
)

// An activity books its venue in its own transaction: a double booking
// refuses the activity (naming the other booking) and saves nothing; a
// moved occurrence takes its booking along; a cancelled one frees the room.
func TestActivityBooksVenue(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		f := newFix(t, d)
		vs := venue.New(d)
		vs.Now = func() time.Time { return f.now }
		f.s.Venues = vs
		var hours []venue.Hours
		for wd := 1; wd <= 7; wd++ {
			hours = append(hours, venue.Hours{Weekday: wd, Opens: "08:00", Closes: "21:00"})
		}
		room, err := vs.Create(f.ctx, f.admin, venue.Input{OrgID: f.tr.A.ID, Name: "民族之家活动室", Capacity: 30, Hours: hours})
		if err != nil {
			t.Fatal(err)
		}
		booked := func() int {
			return fixture.Count(t, d, `SELECT COUNT(*) FROM bookings WHERE venue_id = ? AND status <> 'cancelled'`, room.ID)
		}
		class := f.create(t, f.staffA, activity.Input{Title: "刺绣班", Date: "2027-03-03", StartTime: "14:00", EndTime: "16:00",
			Repeat: "FREQ=WEEKLY;BYDAY=WE;COUNT=4", VenueID: room.ID, People: 20})
		if n := booked(); n != 4 {
			t.Fatalf("%d bookings for a series of 4", n)
		}
		// the same room at the same time: refused, nothing saved
		before := fixture.Count(t, d, `SELECT COUNT(*) FROM activities`)
		_, err = f.s.Create(f.ctx, f.staffA, activity.Input{KindCode: "lecture", Title: "讲座", Date: "2027-03-10", StartTime: "15:00", EndTime: "17:00",
			VenueID: room.ID, People: 10})
		errstest.WantKind(t, err, errs.Conflict, "err.booking_conflict")
		if n := fixture.Count(t, d, `SELECT COUNT(*) FROM activities`); n != before {
			t.Errorf("a refused activity left %d rows", n-before)
		}
		// over capacity: refused naming the field
		_, err = f.s.Create(f.ctx, f.staffA, activity.Input{KindCode: "lecture", Title: "大讲座", Date: "2027-03-11", StartTime: "15:00", VenueID: room.ID, People: 80})
		if e, ok := errs.As(err); !ok || e.Kind != errs.Invalid {
			t.Errorf("80 people in a room for 30: %v", err)
		}
		// the second session moves to 18:00 by itself: its booking moves too
		ids := occurrenceIDs(t, f, class.SeriesID)
		s2, _ := f.s.Get(f.ctx, f.staffA, ids[1])
		in := inputOf(s2)
		in.StartTime, in.EndTime = "18:00", "20:00"
		if _, err := f.s.Update(f.ctx, f.staffA, s2.ID, s2.Version, in, activity.ThisOne); err != nil {
			t.Fatal(err)
		}
		if n := fixture.Count(t, d, `SELECT COUNT(*) FROM bookings WHERE activity_id = ? AND status <> 'cancelled' AND starts_at = '2027-03-10T18:00'`, s2.ID); n != 1 {
			t.Errorf("the moved session has %d bookings at its new time", n)
		}
		// now 15:00 on the 10th is free
		if _, err := f.s.Create(f.ctx, f.staffA, activity.Input{KindCode: "lecture", Title: "讲座", Date: "2027-03-10", StartTime: "15:00", EndTime: "17:00",
			VenueID: room.ID, People: 10}); err != nil {
			t.Errorf("the freed slot: %v", err)
		}
		// cancelling the rest of the series frees its room
		if err := f.s.Cancel(f.ctx, f.staffA, ids[2], activity.ThisAndLater, "教室维修"); err != nil {
			t.Fatal(err)
		}
		if n := booked(); n != 3 {
			t.Errorf("%d live bookings after cancelling two sessions, want 3", n)
		}
	})
}

// An open series extended later books its room for the new occurrences;
// a day the room is taken keeps the occurrence without it, and the series'
// creator is told which days.
func TestExtendedSeriesBooksVenue(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		f := newFix(t, d)
		vs := venue.New(d)
		vs.Now = func() time.Time { return f.now }
		f.s.Venues = vs
		cs := cases.New(d, fixture.Keys(t), t.TempDir())
		f.s.Notify = cs
		var hours []venue.Hours
		for wd := 1; wd <= 7; wd++ {
			hours = append(hours, venue.Hours{Weekday: wd, Opens: "08:00", Closes: "21:00"})
		}
		room, err := vs.Create(f.ctx, f.admin, venue.Input{OrgID: f.tr.A.ID, Name: "社区学校教室", Capacity: 30, Hours: hours})
		if err != nil {
			t.Fatal(err)
		}
		// an open weekly class from Wednesday 2027-03-03: 27 Wednesdays to 2027-08-31
		class := f.create(t, f.staffA, activity.Input{Title: "舞蹈班", Date: "2027-03-03", StartTime: "19:00", EndTime: "20:30",
			Repeat: "FREQ=WEEKLY;BYDAY=WE", VenueID: room.ID, People: 25})
		booked := func() int {
			return fixture.Count(t, d, `SELECT COUNT(*) FROM bookings b JOIN activities x ON x.id = b.activity_id
				WHERE x.series_id = ? AND b.status <> 'cancelled'`, class.SeriesID)
		}
		if n := booked(); n != 27 {
			t.Fatalf("%d bookings for 27 occurrences", n)
		}
		// an outside group takes the room on 2027-09-15, beyond the horizon
		if _, err := vs.Book(f.ctx, f.admin, venue.BookingInput{VenueID: room.ID, GroupName: "老年合唱团", Purpose: "排练", People: 20,
			Date: "2027-09-15", StartTime: "19:00", EndTime: "20:00"}); err != nil {
			t.Fatal(err)
		}
		f.now = f.now.AddDate(0, 1, 0)
		added, err := f.s.Extend(f.ctx, auth.System("test"))
		if err != nil || added != 4 {
			t.Fatalf("extend added %d, %v", added, err)
		}
		if n := booked(); n != 27+3 {
			t.Errorf("%d bookings after adding 4 occurrences, one of them on a taken day; want 30", n)
		}
		if n := fixture.Count(t, d, `SELECT COUNT(*) FROM activities x WHERE x.series_id = ? AND x.starts_at = '2027-09-15T19:00'
			AND NOT EXISTS (SELECT 1 FROM bookings b WHERE b.activity_id = x.id)`, class.SeriesID); n != 1 {
			t.Errorf("the occurrence of the taken day: %d without a booking, want 1 kept", n)
		}
		ns, err := cs.Notifications(f.ctx, f.staffA, true)
		if err != nil {
			t.Fatal(err)
		}
		if len(ns) != 1 || ns[0].Kind != activity.NotifySeriesUnbooked || ns[0].Title != "舞蹈班" || ns[0].Body != "2027-09-15" {
			t.Errorf("the creator was told %+v", ns)
		}
	})
}
