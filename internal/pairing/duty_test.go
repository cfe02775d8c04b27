package pairing_test

import (
	"slices"
	"testing"
	"time"

	"shiliu/internal/auth"
	"shiliu/internal/db"
	"shiliu/internal/dbtest"
	"shiliu/internal/errs"
	"shiliu/internal/pairing"
)

var cstZone = time.FixedZone("CST", 8*3600)

func slotIDs(ss []*pairing.Slot) []int64 {
	out := []int64{}
	for _, s := range ss {
		out = append(out, s.ID)
	}
	slices.Sort(out)
	return out
}

func slotIDsOf(ss ...*pairing.Slot) []int64 { return slotIDs(ss) }

// TestDuty sets up the hotline and window rosters, asks who is on duty at
// given moments, logs shifts and totals volunteers' hours.
func TestDuty(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		f := newFix(t, d)
		set := func(in pairing.SlotInput) *pairing.Slot {
			t.Helper()
			s, err := f.s.SetSlot(f.ctx, f.admin, in)
			if err != nil {
				t.Fatalf("set slot %+v: %v", in, err)
			}
			f.wantAudit(t, "create", "duty_slot", s.ID, 1, "admin")
			return s
		}
		// Tuesday mornings on the hotline: a volunteer.
		s1 := set(pairing.SlotInput{OrgID: f.sub.ID, Service: pairing.Hotline, Weekday: 2, StartTime: "8:30", EndTime: "12:00", PersonID: f.vol.ID})
		// Monday night, past midnight: a committee official.
		s2 := set(pairing.SlotInput{OrgID: f.sub.ID, Service: pairing.Hotline, Weekday: 1, StartTime: "22:00", EndTime: "08:00", UserID: f.staffA.UserID})
		// A's window on Tuesday mornings, by name.
		s3 := set(pairing.SlotInput{OrgID: f.a.ID, Service: pairing.Window, Weekday: 2, StartTime: "09:00", EndTime: "11:30", Name: " 马阿姨 ", Note: "民族之家"})
		// An expired slot.
		s4 := set(pairing.SlotInput{OrgID: f.sub.ID, Service: pairing.Hotline, Weekday: 2, StartTime: "08:00", EndTime: "17:00", UserID: f.liaison.UserID,
			ValidFrom: "2026-01-01", ValidTo: "2026-06-01"})
		// B's window.
		s5 := set(pairing.SlotInput{OrgID: f.b.ID, Service: pairing.Window, Weekday: 2, StartTime: "09:00", EndTime: "12:00", PersonID: f.volB.ID})
		// Sunday evening to midnight.
		s6 := set(pairing.SlotInput{OrgID: f.sub.ID, Service: pairing.Hotline, Weekday: 7, StartTime: "20:00", EndTime: "24:00", UserID: f.admin.UserID})

		if s1.Name != "志愿小马" || s1.StartTime != "08:30" || s1.Minutes() != 210 || s2.Name != "测试staffa" || !s2.Overnight() || s2.Minutes() != 600 ||
			s3.Name != "马阿姨" || s3.OrgName != "甲居委" || s6.Minutes() != 240 || s6.Overnight() {
			t.Errorf("slots shown as %+v %+v %+v %+v", s1, s2, s3, s6)
		}

		tue := func(h, m int) time.Time { return time.Date(2026, 6, 16, h, m, 0, 0, cstZone) }
		onDuty := []struct {
			name    string
			actor   *auth.Actor
			service pairing.DutyService
			at      time.Time
			want    []*pairing.Slot
		}{
			{"Tuesday 09:00 hotline", f.admin, pairing.Hotline, tue(9, 0), []*pairing.Slot{s1}},
			{"Tuesday 09:00 hotline, asked in UTC", f.admin, pairing.Hotline, time.Date(2026, 6, 16, 1, 0, 0, 0, time.UTC), []*pairing.Slot{s1}},
			{"Tuesday 09:00 window, committee A", f.staffA, pairing.Window, tue(9, 0), []*pairing.Slot{s3}},
			{"Tuesday 09:00 window, subdistrict", f.admin, pairing.Window, tue(9, 0), []*pairing.Slot{s3, s5}},
			{"Tuesday 10:00 all, committee A reads S's hotline", f.staffA, "", tue(10, 0), []*pairing.Slot{s1, s3}},
			{"Tuesday 11:30 window: ended", f.staffA, pairing.Window, tue(11, 30), nil},
			{"Tuesday 02:00 hotline: Monday's night shift", f.staffB, pairing.Hotline, tue(2, 0), []*pairing.Slot{s2}},
			{"Monday 23:00 hotline", f.admin, pairing.Hotline, time.Date(2026, 6, 15, 23, 0, 0, 0, cstZone), []*pairing.Slot{s2}},
			{"Tuesday 08:00 hotline: night over, morning not begun", f.admin, pairing.Hotline, tue(8, 0), nil},
			{"Sunday 23:59", f.admin, pairing.Hotline, time.Date(2026, 6, 21, 23, 59, 0, 0, cstZone), []*pairing.Slot{s6}},
			{"Monday 00:00", f.admin, pairing.Hotline, time.Date(2026, 6, 22, 0, 0, 0, 0, cstZone), nil},
			{"expired slot was on duty in May", f.admin, pairing.Hotline, time.Date(2026, 5, 26, 16, 0, 0, 0, cstZone), []*pairing.Slot{s4}},
			{"another subdistrict sees none", f.staffC, "", tue(9, 0), nil},
		}
		for _, c := range onDuty {
			t.Run("on duty "+c.name, func(t *testing.T) {
				got, err := f.s.OnDuty(f.ctx, c.actor, c.service, c.at)
				if err != nil {
					t.Fatal(err)
				}
				if want := slotIDsOf(c.want...); !slices.Equal(slotIDs(got), want) {
					t.Errorf("on duty %v, want %v", slotIDs(got), want)
				}
			})
		}
		reads := []struct {
			name  string
			actor *auth.Actor
			want  []*pairing.Slot
		}{
			{"admin", f.admin, []*pairing.Slot{s1, s2, s3, s4, s5, s6}},
			{"committee A: own and the subdistrict's", f.staffA, []*pairing.Slot{s1, s2, s3, s4, s6}},
			{"committee B", f.staffB, []*pairing.Slot{s1, s2, s4, s5, s6}},
			{"liaison of A's group", f.liaisonA, []*pairing.Slot{s1, s2, s3, s4, s6}},
			{"committee C", f.staffC, nil},
		}
		for _, c := range reads {
			t.Run("slots "+c.name, func(t *testing.T) {
				got, err := f.s.Slots(f.ctx, c.actor, "")
				if err != nil {
					t.Fatal(err)
				}
				if want := slotIDsOf(c.want...); !slices.Equal(slotIDs(got), want) {
					t.Errorf("slots %v, want %v", slotIDs(got), want)
				}
			})
		}
		if got, _ := f.s.Slots(f.ctx, f.admin, pairing.Window); !slices.Equal(slotIDs(got), slotIDsOf(s3, s5)) {
			t.Errorf("window slots %v", slotIDs(got))
		}

		// Refused.
		good := pairing.SlotInput{OrgID: f.a.ID, Service: pairing.Window, Weekday: 3, StartTime: "09:00", EndTime: "11:00", Name: "值班员"}
		bad := func(mod func(*pairing.SlotInput)) pairing.SlotInput { in := good; mod(&in); return in }
		refused := []struct {
			name   string
			actor  *auth.Actor
			in     pairing.SlotInput
			fields map[string]string
			kind   errs.Kind
		}{
			{name: "committee staff cannot configure", actor: f.staffA, in: good, kind: errs.Forbidden},
			{name: "liaison cannot configure", actor: f.liaisonA, in: good, kind: errs.Forbidden},
			{name: "unit of another subdistrict", actor: f.admin, in: bad(func(in *pairing.SlotInput) { in.OrgID = f.c.ID }), fields: map[string]string{"org_id": "err.org_unknown"}},
			{name: "a liaison group", actor: f.admin, in: bad(func(in *pairing.SlotInput) { in.OrgID = f.lgS.ID }), fields: map[string]string{"org_id": "err.org_unknown"}},
			{name: "bad weekday, times, service", actor: f.admin, in: bad(func(in *pairing.SlotInput) {
				in.Weekday, in.StartTime, in.EndTime, in.Service = 0, "24:00", "9", "sms"
			}), fields: map[string]string{"weekday": "err.weekday_invalid", "start_time": "err.time_invalid", "end_time": "err.time_invalid", "service": "err.required"}},
			{name: "end equals start", actor: f.admin, in: bad(func(in *pairing.SlotInput) { in.EndTime = "9:00" }), fields: map[string]string{"end_time": "err.time_invalid"}},
			{name: "nobody", actor: f.admin, in: bad(func(in *pairing.SlotInput) { in.Name = " " }), fields: map[string]string{"who": "err.required"}},
			{name: "two people", actor: f.admin, in: bad(func(in *pairing.SlotInput) { in.PersonID = f.vol.ID }), fields: map[string]string{"who": "err.who_one"}},
			{name: "volunteer of another subdistrict", actor: f.admin, in: bad(func(in *pairing.SlotInput) { in.Name, in.PersonID = "", f.pC.ID }),
				fields: map[string]string{"person_id": "err.person_unknown"}},
			{name: "an IT account", actor: f.admin, in: bad(func(in *pairing.SlotInput) { in.Name, in.UserID = "", f.sysadmin.UserID }),
				fields: map[string]string{"user_id": "err.user_unknown"}},
			{name: "valid to before from", actor: f.admin, in: bad(func(in *pairing.SlotInput) { in.ValidFrom, in.ValidTo = "2026-07-01", "2026-06-30" }),
				fields: map[string]string{"valid_to": "err.date_before_start"}},
		}
		for _, c := range refused {
			t.Run("refused "+c.name, func(t *testing.T) {
				_, err := f.s.SetSlot(f.ctx, c.actor, c.in)
				if c.fields != nil {
					wantFields(t, err, c.fields)
				} else {
					wantKind(t, err, c.kind, "")
				}
			})
		}
		if n := f.count(t, `SELECT COUNT(*) FROM duty_slots`); n != 6 {
			t.Errorf("%d slots", n)
		}

		// Change with a version; a stale one is a conflict.
		up := pairing.SlotInput{ID: s3.ID, OrgID: f.a.ID, Service: pairing.Window, Weekday: 2, StartTime: "09:00", EndTime: "12:00", Name: "马阿姨", Note: "民族之家", Version: 1}
		if _, err := f.s.SetSlot(f.ctx, f.admin, up); err != nil {
			t.Fatal(err)
		}
		recs := f.wantAudit(t, "update", "duty_slot", s3.ID, 1, "admin")
		if want := `{"end_time":{"old":"11:30","new":"12:00"}}`; recs[0].Detail != want {
			t.Errorf("audit detail %s, want %s", recs[0].Detail, want)
		}
		up.EndTime = "12:30"
		_, err := f.s.SetSlot(f.ctx, f.admin, up)
		wantKind(t, err, errs.Conflict, "err.version_conflict")
		_, err = f.s.SetSlot(f.ctx, f.admin, pairing.SlotInput{ID: 999999, OrgID: f.a.ID, Service: pairing.Window, Weekday: 2, StartTime: "09:00", EndTime: "12:00", Name: "x"})
		wantKind(t, err, errs.NotFound, "")

		// Shifts served.
		logDuty := func(a *auth.Actor, in pairing.DutyInput) *pairing.DutyEntry {
			t.Helper()
			e, err := f.s.LogDuty(f.ctx, a, in)
			if err != nil {
				t.Fatalf("log duty %+v: %v", in, err)
			}
			f.wantAudit(t, "create", "duty_log", e.ID, 1, a.Username)
			return e
		}
		e1 := logDuty(f.admin, pairing.DutyInput{SlotID: s1.ID, Date: "2026-06-09"})
		if e1.Minutes != 210 || e1.PersonID != f.vol.ID || e1.Name != "志愿小马" || e1.OrgID != f.sub.ID || e1.Service != pairing.Hotline || e1.SlotID != s1.ID {
			t.Errorf("shift from slot %+v", e1)
		}
		logDuty(f.admin, pairing.DutyInput{SlotID: s1.ID, Date: "2026-06-02", Minutes: 120})
		if e := logDuty(f.admin, pairing.DutyInput{SlotID: s3.ID, Date: "2026-06-09"}); e.Name != "马阿姨" || e.Minutes != 180 || e.OrgID != f.a.ID {
			t.Errorf("shift by name %+v", e)
		}
		e5 := logDuty(f.admin, pairing.DutyInput{SlotID: s5.ID, Date: "2026-06-09"})
		logDuty(f.staffA, pairing.DutyInput{OrgID: f.a.ID, Service: pairing.Window, PersonID: f.vol.ID, Minutes: 60, Date: "2026-06-10", Note: "替班"})
		logDuty(f.admin, pairing.DutyInput{SlotID: s1.ID, Date: "2025-12-30"})
		// A stand-in on s2's night: the slot's time, another person.
		if e := logDuty(f.admin, pairing.DutyInput{SlotID: s2.ID, Date: "2026-06-08", Name: "临时志愿者"}); e.Minutes != 600 || e.UserID != 0 || e.Name != "临时志愿者" {
			t.Errorf("stand-in %+v", e)
		}

		dutyRefused := []struct {
			name   string
			actor  *auth.Actor
			in     pairing.DutyInput
			fields map[string]string
			kind   errs.Kind
		}{
			{name: "committee staff on the subdistrict's slot", actor: f.staffA, in: pairing.DutyInput{SlotID: s1.ID, Date: "2026-06-09"}, fields: map[string]string{"org_id": "err.org_unknown"}},
			{name: "future date", actor: f.admin, in: pairing.DutyInput{SlotID: s1.ID, Date: "2026-06-16"}, fields: map[string]string{"date": "err.date_future"}},
			{name: "no length, no service, nobody", actor: f.admin, in: pairing.DutyInput{OrgID: f.a.ID, Date: "2026-06-09"},
				fields: map[string]string{"minutes": "err.minutes_invalid", "service": "err.required", "who": "err.required"}},
			{name: "longer than a day", actor: f.admin, in: pairing.DutyInput{SlotID: s1.ID, Minutes: 24*60 + 1}, fields: map[string]string{"minutes": "err.minutes_invalid"}},
			{name: "a liaison", actor: f.liaisonA, in: pairing.DutyInput{SlotID: s3.ID}, kind: errs.Forbidden},
			{name: "a slot out of reach", actor: f.staffC, in: pairing.DutyInput{SlotID: s1.ID}, kind: errs.NotFound},
		}
		for _, c := range dutyRefused {
			t.Run("duty refused "+c.name, func(t *testing.T) {
				_, err := f.s.LogDuty(f.ctx, c.actor, c.in)
				if c.fields != nil {
					wantFields(t, err, c.fields)
				} else {
					wantKind(t, err, c.kind, "")
				}
			})
		}

		// Deleting a slot keeps the hours served on it.
		wantKind(t, f.s.DeleteSlot(f.ctx, f.staffB, s5.ID), errs.Forbidden, "")
		if err := f.s.DeleteSlot(f.ctx, f.admin, s5.ID); err != nil {
			t.Fatal(err)
		}
		f.wantAudit(t, "delete", "duty_slot", s5.ID, 1, "admin")
		if _, err := f.s.Slot(f.ctx, f.admin, s5.ID); errs.KindOf(err) != errs.NotFound {
			t.Errorf("deleted slot: %v", err)
		}
		if list, _, _ := f.s.DutyLog(f.ctx, f.admin, pairing.DutyFilter{ID: e5.ID}); len(list) != 1 || list[0].SlotID != 0 || list[0].Minutes != 180 {
			t.Errorf("shift of the deleted slot: %+v", list)
		}

		type hrs struct {
			name    string
			minutes int
			shifts  int
		}
		hours := []struct {
			name  string
			actor *auth.Actor
			year  int
			want  []hrs
		}{
			{"subdistrict 2026", f.admin, 2026, []hrs{{"临时志愿者", 600, 1}, {"志愿小马", 390, 3}, {"志愿小白", 180, 1}, {"马阿姨", 180, 1}}},
			{"committee A 2026", f.staffA, 2026, []hrs{{"马阿姨", 180, 1}, {"志愿小马", 60, 1}}},
			{"committee B 2026", f.staffB, 2026, []hrs{{"志愿小白", 180, 1}}},
			{"subdistrict 2025", f.admin, 2025, []hrs{{"志愿小马", 210, 1}}},
			{"another subdistrict", f.staffC, 2026, []hrs{}},
		}
		for _, c := range hours {
			t.Run("hours "+c.name, func(t *testing.T) {
				list, err := f.s.Hours(f.ctx, c.actor, c.year)
				if err != nil {
					t.Fatal(err)
				}
				got := []hrs{}
				for _, h := range list {
					got = append(got, hrs{h.Name, h.Minutes, h.Shifts})
				}
				// Equal totals sort by id: compare as sets for ties.
				slices.SortStableFunc(got, func(a, b hrs) int {
					if a.minutes != b.minutes {
						return b.minutes - a.minutes
					}
					if a.name < b.name {
						return -1
					}
					return 1
				})
				if !slices.Equal(got, c.want) {
					t.Errorf("hours %v, want %v", got, c.want)
				}
			})
		}
		if _, total, _ := f.s.DutyLog(f.ctx, f.admin, pairing.DutyFilter{Year: 2026}); total != 6 {
			t.Errorf("2026 shifts %d, want 6", total)
		}
		if _, total, _ := f.s.DutyLog(f.ctx, f.admin, pairing.DutyFilter{Year: 2026, PersonID: f.vol.ID}); total != 3 {
			t.Errorf("vol's shifts %d, want 3", total)
		}
	})
}
