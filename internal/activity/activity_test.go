package activity_test

import (
	"errors"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"shiliu/internal/activity"
	"shiliu/internal/auth"
	"shiliu/internal/db"
	"shiliu/internal/dbtest"
	"shiliu/internal/errs"
	"shiliu/internal/errs/errstest"
	"shiliu/internal/fixture"
)

// A term of 12 Wednesday classes; session 3 moved by itself; from session
// 5 on the class moves to Thursdays 19:00 under a new title; session 10
// cancelled by itself, then everything from session 11 on.
func TestSeriesEdits(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		f := newFix(t, d)
		first := f.create(t, f.staffA, activity.Input{Title: "刺绣班", Date: "2027-03-03", StartTime: "14:00", EndTime: "16:00",
			Repeat: "FREQ=WEEKLY;BYDAY=WE;COUNT=12", Place: "民族之家"})
		if first.Seq != 1 || first.Date() != "2027-03-03" || first.Series == nil || first.Series.Occurrences != 12 {
			t.Fatalf("first = %+v, series %+v", first, first.Series)
		}
		want := []string{
			"1 2027-03-03T14:00 planned 刺绣班", "2 2027-03-10T14:00 planned 刺绣班", "3 2027-03-17T14:00 planned 刺绣班",
			"4 2027-03-24T14:00 planned 刺绣班", "5 2027-03-31T14:00 planned 刺绣班", "6 2027-04-07T14:00 planned 刺绣班",
			"7 2027-04-14T14:00 planned 刺绣班", "8 2027-04-21T14:00 planned 刺绣班", "9 2027-04-28T14:00 planned 刺绣班",
			"10 2027-05-05T14:00 planned 刺绣班", "11 2027-05-12T14:00 planned 刺绣班", "12 2027-05-19T14:00 planned 刺绣班",
		}
		if got := f.occurrences(t, first.SeriesID); !slices.Equal(got, want) {
			t.Fatalf("occurrences\n got %q\nwant %q", got, want)
		}
		ids := occurrenceIDs(t, f, first.SeriesID)

		// "this one": session 3 moves to the Friday, by itself
		s3, _ := f.s.Get(f.ctx, f.staffA, ids[2])
		in := inputOf(s3)
		in.Date, in.StartTime, in.EndTime = "2027-03-19", "09:00", "11:00"
		if _, err := f.s.Update(f.ctx, f.staffA, s3.ID, s3.Version, in, activity.ThisOne); err != nil {
			t.Fatal(err)
		}
		// a sign-up on session 6 must follow it
		if err := f.s.SignUp(f.ctx, f.staffA, ids[5], f.huiA.ID, ""); err != nil {
			t.Fatal(err)
		}
		// "this and following" from session 5: Thursdays at 19:00, new title;
		// the sessions left (8) carry over
		s5, _ := f.s.Get(f.ctx, f.staffA, ids[4])
		in = inputOf(s5)
		in.Title, in.Date, in.StartTime, in.EndTime, in.Repeat = "刺绣提高班", "2027-04-01", "19:00", "20:30", ""
		in.Repeat = "FREQ=WEEKLY;BYDAY=TH;COUNT=8"
		if _, err := f.s.Update(f.ctx, f.staffA, s5.ID, s5.Version, in, activity.ThisAndLater); err != nil {
			t.Fatal(err)
		}
		if got := f.occurrences(t, first.SeriesID); !slices.Equal(got, []string{
			"1 2027-03-03T14:00 planned 刺绣班", "2 2027-03-10T14:00 planned 刺绣班", "3 2027-03-19T09:00 planned 刺绣班", "4 2027-03-24T14:00 planned 刺绣班",
		}) {
			t.Errorf("the earlier part: %q", got)
		}
		s5, _ = f.s.Get(f.ctx, f.staffA, ids[4])
		if s5.SeriesID == first.SeriesID || s5.Series.Rule.String() != "FREQ=WEEKLY;BYDAY=TH;COUNT=8" {
			t.Fatalf("session 5 is in series %d (%+v)", s5.SeriesID, s5.Series)
		}
		later := f.occurrences(t, s5.SeriesID)
		if !slices.Equal(later, []string{
			"1 2027-04-01T19:00 planned 刺绣提高班", "2 2027-04-08T19:00 planned 刺绣提高班", "3 2027-04-15T19:00 planned 刺绣提高班",
			"4 2027-04-22T19:00 planned 刺绣提高班", "5 2027-04-29T19:00 planned 刺绣提高班", "6 2027-05-06T19:00 planned 刺绣提高班",
			"7 2027-05-13T19:00 planned 刺绣提高班", "8 2027-05-20T19:00 planned 刺绣提高班",
		}) {
			t.Errorf("the later part: %q", later)
		}
		s6, _ := f.s.Get(f.ctx, f.staffA, ids[5])
		if s6.Date() != "2027-04-08" || s6.Stats.SignedUp != 1 {
			t.Errorf("session 6 with its sign-up: %s, %d signed up", s6.Date(), s6.Stats.SignedUp)
		}
		// the earlier series ended the day before session 5
		s1, _ := f.s.Get(f.ctx, f.staffA, ids[0])
		if s1.Series.Status != "ended" || s1.Series.Rule.Until != "2027-03-30" {
			t.Errorf("earlier series %+v", s1.Series)
		}

		// cancel session 10 by itself (the new series' 6th), then from the 7th on
		newIDs := occurrenceIDs(t, f, s5.SeriesID)
		if err := f.s.Cancel(f.ctx, f.staffA, newIDs[5], activity.ThisOne, "老师生病"); err != nil {
			t.Fatal(err)
		}
		if err := f.s.Cancel(f.ctx, f.staffA, newIDs[6], activity.ThisAndLater, "场地维修"); err != nil {
			t.Fatal(err)
		}
		got := f.occurrences(t, s5.SeriesID)
		if got[4] != "5 2027-04-29T19:00 planned 刺绣提高班" || got[5] != "6 2027-05-06T19:00 cancelled 刺绣提高班" ||
			got[6] != "7 2027-05-13T19:00 cancelled 刺绣提高班" || got[7] != "8 2027-05-20T19:00 cancelled 刺绣提高班" || len(got) != 8 {
			t.Errorf("after cancelling: %q", got)
		}
		c6, _ := f.s.Get(f.ctx, f.staffA, newIDs[5])
		if c6.CancelReason != "老师生病" || !c6.Cancelled() {
			t.Errorf("cancelled one: %+v", c6)
		}
		// a cancelled occurrence stays visible and takes no roll call
		f.now = time.Date(2027, 5, 7, 2, 0, 0, 0, time.UTC)
		err := f.s.Mark(f.ctx, f.staffA, newIDs[5], f.huiA.ID, true, "")
		if errs.KindOf(err) != errs.Conflict {
			t.Errorf("roll call of a cancelled occurrence: %v", err)
		}
		list, _, err := f.s.List(f.ctx, f.staffA, activity.Filter{SeriesID: s5.SeriesID, Status: activity.Cancelled})
		if err != nil || len(list) != 3 {
			t.Errorf("cancelled listed: %d, %v", len(list), err)
		}
		// the audit log has each step
		if n := len(fixture.AuditRecords(t, d, "cancel", "activity_series", strconv.FormatInt(s5.SeriesID, 10))); n != 1 {
			t.Errorf("%d audit records of a series cancel", n)
		}
	})
}

func occurrenceIDs(t *testing.T, f *fix, seriesID int64) []int64 {
	t.Helper()
	rows, err := f.d.Query(f.ctx, `SELECT id FROM activities WHERE series_id = ? ORDER BY starts_at, id`, seriesID)
	ids, err := db.Collect(rows, err, db.ScanID)
	if err != nil {
		t.Fatal(err)
	}
	return ids
}

func inputOf(x *activity.Activity) activity.Input {
	return activity.Input{OrgID: x.OrgID, KindID: x.KindID, Title: x.Title, Date: x.Date(), StartTime: x.StartTime(), EndTime: x.EndTime(),
		Place: x.Place, Festival: x.Festival, OthersCount: x.OthersCount, OthersMinority: x.OthersMinority, Summary: x.Summary}
}

// "This and following" from the first occurrence changes the series itself;
// an open series is generated a bounded horizon ahead and extended later.
func TestOpenSeriesHorizon(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		f := newFix(t, d)
		x := f.create(t, f.admin, activity.Input{KindCode: activity.KindLiaisonStudy, Title: "联络员学习会", Date: "2027-03-01",
			Repeat: "FREQ=MONTHLY;BYDAY=2WE,4WE", OrgID: f.tr.Sub.ID})
		n := len(f.occurrences(t, x.SeriesID))
		// 2027-03-01 + 183 days = 2027-08-31: March to August, two a month
		if n != 12 || x.Date() != "2027-03-10" {
			t.Fatalf("%d occurrences, first %s", n, x.Date())
		}
		f.now = f.now.AddDate(0, 2, 0)
		added, err := f.s.Extend(f.ctx, auth.System("test"))
		if err != nil || added != 4 {
			t.Errorf("extend added %d, %v", added, err)
		}
		if _, err := f.s.Extend(f.ctx, f.admin); !errors.Is(err, errs.ErrForbidden) {
			t.Errorf("a user extends series: %v", err)
		}
		in := inputOf(x)
		in.StartTime, in.EndTime = "15:00", "16:30"
		if _, err := f.s.Update(f.ctx, f.admin, x.ID, x.Version, in, activity.ThisAndLater); err != nil {
			t.Fatal(err)
		}
		got := f.occurrences(t, x.SeriesID)
		if len(got) != 16 || got[0] != "1 2027-03-10T15:00 planned 联络员学习会" || got[15] != "16 2027-10-27T15:00 planned 联络员学习会" {
			t.Errorf("after the change: %q", got)
		}
	})
}

// Bad input names its field and saves nothing.
func TestCreateRefused(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		f := newFix(t, d)
		cases := []struct {
			in         activity.Input
			field, key string
		}{
			{activity.Input{KindCode: "interest_class", Date: "2027-03-03", StartTime: "14:00"}, "title", "err.required"},
			{activity.Input{KindCode: "interest_class", Title: "x", Date: "2027-02-30", StartTime: "14:00"}, "date", "err.date_invalid"},
			{activity.Input{KindCode: "interest_class", Title: "x", Date: "2027-03-03", StartTime: "25:00"}, "start_time", "err.time_invalid"},
			{activity.Input{KindCode: "interest_class", Title: "x", Date: "2027-03-03", StartTime: "14:00", EndTime: "13:00"}, "end_time", "err.end_before_start"},
			{activity.Input{KindCode: "nope", Title: "x", Date: "2027-03-03", StartTime: "14:00"}, "kind", "err.required"},
			{activity.Input{KindCode: "interest_class", Title: "x", Date: "2027-03-03", StartTime: "14:00", Repeat: "FREQ=WEEKLY"}, "repeat", "err.repeat_weekdays"},
			{activity.Input{KindCode: "interest_class", Title: "x", Date: "2027-03-03", StartTime: "14:00", OthersCount: 3, OthersMinority: 4}, "others_minority", "err.others_minority"},
			{activity.Input{KindCode: "interest_class", Title: "x", Date: "2027-03-03", StartTime: "14:00", OrgID: f.tr.B.ID}, "org_id", "err.org_unknown"},
			{activity.Input{KindCode: "holiday_visit", Title: "x", Date: "2027-03-03", StartTime: "14:00", HouseholdIDs: []int64{999}}, "household_ids", "err.household_unknown"},
		}
		for _, c := range cases {
			_, err := f.s.Create(f.ctx, f.staffA, c.in)
			errstest.WantFields(t, err, map[string]string{c.field: c.key})
		}
		if n := fixture.Count(t, d, `SELECT COUNT(*) FROM activities`); n != 0 {
			t.Errorf("%d activities saved", n)
		}
	})
}

// Scope: a committee sees its own and the subdistrict's activities, never
// a sibling's; it changes only its own; the roll call takes only persons
// of its scope; a liaison calls the roll but plans nothing.
func TestActivityScope(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		f := newFix(t, d)
		own := f.create(t, f.staffA, activity.Input{Title: "甲居委讲座", Date: "2027-03-01"})
		sub := f.create(t, f.admin, activity.Input{Title: "街道开斋节联欢", Date: "2027-03-01", OrgID: f.tr.Sub.ID, KindCode: activity.KindFestival})
		if _, err := f.s.Get(f.ctx, f.staffB, own.ID); !errors.Is(err, errs.ErrOutOfScope) {
			t.Errorf("sibling reads: %v", err)
		}
		if _, err := f.s.Get(f.ctx, f.staffA, sub.ID); err != nil {
			t.Errorf("committee reads the subdistrict's: %v", err)
		}
		if _, err := f.s.Get(f.ctx, f.staffC, sub.ID); !errors.Is(err, errs.ErrOutOfScope) {
			t.Errorf("another subdistrict's committee reads: %v", err)
		}
		if err := f.s.Cancel(f.ctx, f.staffA, sub.ID, activity.ThisOne, ""); !errors.Is(err, errs.ErrOutOfScope) {
			t.Errorf("committee cancels the subdistrict's: %v", err)
		}
		list, total, err := f.s.List(f.ctx, f.staffB, activity.Filter{})
		if err != nil || total != 1 || list[0].ID != sub.ID {
			t.Errorf("B's list: %d %v", total, err)
		}
		errstest.WantFields(t, f.s.Mark(f.ctx, f.staffA, sub.ID, f.pB.ID, true, ""), map[string]string{"person_id": "err.person_unknown"})
		if err := f.s.Mark(f.ctx, f.admin, sub.ID, f.pB.ID, true, ""); err != nil {
			t.Errorf("admin marks B's resident: %v", err)
		}
		if _, err := f.s.Create(f.ctx, f.liaison, activity.Input{Title: "x", Date: "2027-03-01", KindCode: "meeting", StartTime: "9:00"}); !errors.Is(err, errs.ErrForbidden) {
			t.Errorf("liaison plans: %v", err)
		}
		// the future takes no roll call
		later := f.create(t, f.staffA, activity.Input{Title: "下周讲座", Date: "2027-03-08"})
		if err := f.s.Mark(f.ctx, f.staffA, later.ID, f.huiA.ID, true, ""); errs.KindOf(err) != errs.Invalid {
			t.Errorf("roll call a week ahead: %v", err)
		}
	})
}

// Two phones calling the same roll at once, several taps each: one row per
// person, and the figures count each person once.
func TestRollCallConcurrent(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		f := newFix(t, d)
		x := f.create(t, f.staffA, activity.Input{Title: "古尔邦节座谈", Date: "2027-03-01", KindCode: "forum", OthersCount: 5, OthersMinority: 2})
		var wg sync.WaitGroup
		errc := make(chan error, 40)
		for i := 0; i < 8; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for _, p := range []int64{f.huiA.ID, f.huiA2.ID, f.hanA.ID} {
					if err := f.s.Mark(f.ctx, f.staffA, x.ID, p, true, ""); err != nil {
						errc <- err
					}
				}
			}()
		}
		wg.Wait()
		close(errc)
		for err := range errc {
			t.Errorf("mark: %v", err)
		}
		if n := fixture.Count(t, d, `SELECT COUNT(*) FROM attendance WHERE activity_id = ?`, x.ID); n != 3 {
			t.Errorf("%d attendance rows", n)
		}
		got, _ := f.s.Get(f.ctx, f.staffA, x.ID)
		// 3 present (2 Hui, 1 Han) + 5 others (2 minority); one household (the Hui couple's)
		if got.Stats != (activity.Stats{SignedUp: 3, Present: 3, Participants: 8, Minority: 4, Households: 1, MinorityHomes: 1}) || got.Status != activity.Done {
			t.Errorf("stats %+v, status %s", got.Stats, got.Status)
		}
		// the Han neighbour did not come after all
		if err := f.s.Mark(f.ctx, f.staffA, x.ID, f.hanA.ID, false, ""); err != nil {
			t.Fatal(err)
		}
		got, _ = f.s.Get(f.ctx, f.staffA, x.ID)
		if got.Stats.Present != 2 || got.Stats.SignedUp != 3 {
			t.Errorf("after unmarking: %+v", got.Stats)
		}
	})
}

// An interest class's roster is the start of every roll call; a person
// signed up for one session only appears on that one.
func TestRosterAndAttendees(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		f := newFix(t, d)
		x := f.create(t, f.staffA, activity.Input{Title: "舞蹈班", Date: "2027-02-22", Repeat: "FREQ=WEEKLY;BYDAY=MO;COUNT=4"})
		ids := occurrenceIDs(t, f, x.SeriesID)
		for _, p := range []int64{f.huiA.ID, f.huiA2.ID} {
			if err := f.s.AddMember(f.ctx, f.staffA, x.ID, p, ""); err != nil {
				t.Fatal(err)
			}
		}
		if err := f.s.AddMember(f.ctx, f.staffA, x.ID, f.volA.ID, activity.RoleHelper); err != nil {
			t.Fatal(err)
		}
		errstest.WantFields(t, f.s.AddMember(f.ctx, f.staffA, x.ID, f.pB.ID, ""), map[string]string{"person_id": "err.person_unknown"})
		if err := f.s.SignUp(f.ctx, f.staffA, ids[1], f.hanA.ID, ""); err != nil {
			t.Fatal(err)
		}
		names := func(id int64) []string {
			list, err := f.s.Attendees(f.ctx, f.staffA, id)
			if err != nil {
				t.Fatal(err)
			}
			var out []string
			for _, a := range list {
				out = append(out, a.Name+"/"+a.Role)
			}
			return out
		}
		if got := names(ids[0]); !slices.Equal(got, []string{"白志愿/helper", "马大爷/participant", "马二婶/participant"}) {
			t.Errorf("first session: %q", got)
		}
		if got := names(ids[1]); !slices.Equal(got, []string{"白志愿/helper", "马大爷/participant", "马二婶/participant", "张邻居/participant"}) {
			t.Errorf("second session: %q", got)
		}
		// B's staff sees none of A's residents
		if list, err := f.s.Attendees(f.ctx, f.staffB, ids[0]); !errors.Is(err, errs.ErrOutOfScope) || len(list) != 0 {
			t.Errorf("B reads A's roster: %d, %v", len(list), err)
		}
	})
}
