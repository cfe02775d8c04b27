package activity_test

import (
	"testing"
	"time"

	"shiliu/internal/activity"
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
