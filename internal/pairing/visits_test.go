package pairing_test

import (
	"bytes"
	"io"
	"os"
	"slices"
	"strings"
	"testing"

	"shiliu/internal/auth"
	"shiliu/internal/db"
	"shiliu/internal/dbtest"
	"shiliu/internal/errs"
	"shiliu/internal/pairing"
)

// pngBytes is the start of a PNG file: enough for content sniffing.
var pngBytes = append([]byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"), bytes.Repeat([]byte{0}, 64)...)

// photoFiles lists the files in the store, and fails the test if
// anything was written to the data directory.
func (f *fix) photoFiles(t *testing.T) []int64 {
	t.Helper()
	if entries, _ := os.ReadDir(f.dataDir); len(entries) != 0 {
		t.Errorf("%d entries written to the data directory", len(entries))
	}
	rows, err := f.d.Query(f.ctx, `SELECT id FROM files ORDER BY id`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []int64
	for rows.Next() {
		var id int64
		rows.Scan(&id)
		out = append(out, id)
	}
	return out
}

// TestLogVisit checks who may log a visit of which pairing, and the rules
// on the date, the value and the photo.
func TestLogVisit(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		f := newFix(t, d)
		// pv's target pA is assigned to liaisonA; pv2's target pA2 is not;
		// liaisonA helps in pvB (target pB of B).
		pv := f.pair(t, f.staffA, pairing.Input{HelperKind: pairing.HelperVolunteer, HelperPersonID: f.vol.ID, TargetPersonID: f.pA.ID, StartDate: "2026-03-01", CadenceDays: 30})
		pv2 := f.pair(t, f.staffA, pairing.Input{HelperKind: pairing.HelperPartner, HelperName: "社区医院", TargetPersonID: f.pA2.ID, StartDate: "2026-03-01"})
		pvB := f.pair(t, f.admin, pairing.Input{HelperKind: pairing.HelperLiaison, HelperUserID: f.liaisonA.UserID, TargetPersonID: f.pB.ID, StartDate: "2026-03-01"})
		ok := pairing.VisitInput{Date: "2026-06-10", Help: "送米面油", ValueCents: 20000, Note: "身体尚好"}
		with := func(mod func(*pairing.VisitInput)) pairing.VisitInput {
			in := ok
			mod(&in)
			return in
		}
		cases := []struct {
			name        string
			actor       *auth.Actor
			pairing     *pairing.Pairing
			in          pairing.VisitInput
			fields      map[string]string
			kind        errs.Kind
			outOfScope  bool
			wantVisitor string
			wantUserID  int64
		}{
			{name: "committee staff", actor: f.staffA, pairing: pv, in: ok, wantVisitor: "测试staffa", wantUserID: f.staffA.UserID},
			{name: "subdistrict admin", actor: f.admin, pairing: pv, in: ok, wantVisitor: "测试admin", wantUserID: f.admin.UserID},
			{name: "staff of the sibling committee", actor: f.staffB, pairing: pv, in: ok, outOfScope: true},
			{name: "liaison, target assigned to them", actor: f.liaisonA, pairing: pv, in: ok, wantVisitor: "测试liaisona", wantUserID: f.liaisonA.UserID},
			{name: "liaison, target not assigned", actor: f.liaisonA, pairing: pv2, in: ok, outOfScope: true},
			{name: "liaison as the helper", actor: f.liaisonA, pairing: pvB, in: ok, wantVisitor: "测试liaisona", wantUserID: f.liaisonA.UserID},
			{name: "another liaison", actor: f.liaison, pairing: pv, in: ok, outOfScope: true},
			{name: "leader sees no right to log", actor: f.leader, pairing: pv, in: ok, kind: errs.Forbidden},
			{name: "staff of B on B's pairing", actor: f.staffB, pairing: pvB, in: ok, wantVisitor: "测试staffb", wantUserID: f.staffB.UserID},
			{name: "staff of A on B's pairing", actor: f.staffA, pairing: pvB, in: ok, outOfScope: true},
			{name: "staff logs the helper's visit", actor: f.admin, pairing: pvB, in: with(func(in *pairing.VisitInput) { in.VisitorUserID = f.liaisonA.UserID }),
				wantVisitor: "测试liaisona", wantUserID: f.liaisonA.UserID},
			{name: "a volunteer by name", actor: f.staffA, pairing: pv, in: with(func(in *pairing.VisitInput) { in.VisitorName = " 志愿小马 " }), wantVisitor: "志愿小马"},
			{name: "date defaults to today", actor: f.staffA, pairing: pv, in: with(func(in *pairing.VisitInput) { in.Date = "" }), wantVisitor: "测试staffa", wantUserID: f.staffA.UserID},
			{name: "future date", actor: f.staffA, pairing: pv, in: with(func(in *pairing.VisitInput) { in.Date = "2026-06-16" }), fields: map[string]string{"date": "err.date_future"}},
			{name: "before the start", actor: f.staffA, pairing: pv, in: with(func(in *pairing.VisitInput) { in.Date = "2026-02-28" }), fields: map[string]string{"date": "err.date_before_start"}},
			{name: "not a date", actor: f.staffA, pairing: pv, in: with(func(in *pairing.VisitInput) { in.Date = "上周" }), fields: map[string]string{"date": "err.date_invalid"}},
			{name: "negative value", actor: f.staffA, pairing: pv, in: with(func(in *pairing.VisitInput) { in.ValueCents = -1 }), fields: map[string]string{"value_cents": "err.amount_invalid"}},
			{name: "liaison names someone else", actor: f.liaisonA, pairing: pv, in: with(func(in *pairing.VisitInput) { in.VisitorUserID = f.staffA.UserID }),
				fields: map[string]string{"visitor_user_id": "err.user_unknown"}},
			{name: "staff names an account of another subdistrict", actor: f.staffA, pairing: pv, in: with(func(in *pairing.VisitInput) { in.VisitorUserID = f.staffC.UserID }),
				fields: map[string]string{"visitor_user_id": "err.user_unknown"}},
			{name: "a text file named .jpg", actor: f.staffA, pairing: pv,
				in: with(func(in *pairing.VisitInput) {
					in.Photo = &pairing.Photo{Data: []byte("这不是照片, just text\n"), Filename: "visit.jpg"}
				}),
				fields: map[string]string{"photo": "err.photo_type"}},
			{name: "a PDF named .png", actor: f.staffA, pairing: pv,
				in: with(func(in *pairing.VisitInput) {
					in.Photo = &pairing.Photo{Data: []byte("%PDF-1.7\n..."), Filename: "visit.png"}
				}),
				fields: map[string]string{"photo": "err.photo_type"}},
			{name: "a photo over 10 MB", actor: f.staffA, pairing: pv,
				in: with(func(in *pairing.VisitInput) {
					in.Photo = &pairing.Photo{Data: append([]byte("\xff\xd8\xff\xe0"), make([]byte, pairing.MaxPhotoBytes)...), Filename: "big.jpg"}
				}),
				fields: map[string]string{"photo": "err.photo_too_large"}},
			{name: "an empty photo", actor: f.staffA, pairing: pv, in: with(func(in *pairing.VisitInput) { in.Photo = &pairing.Photo{Filename: "x.jpg"} }),
				fields: map[string]string{"photo": "err.photo_empty"}},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				before := f.count(t, `SELECT COUNT(*) FROM pairing_visits`)
				v, err := f.s.LogVisit(f.ctx, c.actor, c.pairing.ID, c.in)
				switch {
				case c.outOfScope:
					wantOutOfScope(t, err)
				case c.fields != nil:
					wantFields(t, err, c.fields)
				case c.kind != 0:
					wantKind(t, err, c.kind, "")
				case err != nil:
					t.Fatalf("log visit: %v", err)
				default:
					wantDate := c.in.Date
					if wantDate == "" {
						wantDate = today
					}
					if v.PairingID != c.pairing.ID || v.Date != wantDate || v.VisitorName != c.wantVisitor || v.VisitorUserID != c.wantUserID ||
						v.Help != c.in.Help || v.ValueCents != c.in.ValueCents || v.Note != c.in.Note || v.HasPhoto || v.CreatedBy != c.actor.Username {
						t.Errorf("visit %+v", v)
					}
					f.wantAudit(t, "create", "pairing_visit", v.ID, 1, c.actor.Username)
					return
				}
				if n := f.count(t, `SELECT COUNT(*) FROM pairing_visits`); n != before {
					t.Errorf("visits %d, want %d", n, before)
				}
			})
		}
		if files := f.photoFiles(t); len(files) != 0 {
			t.Errorf("refused photos left files: %v", files)
		}

		// A photo is kept by its sniffed type, in the file store, and read
		// back only in scope.
		v := f.visit(t, f.liaisonA, pv.ID, pairing.VisitInput{Date: "2026-06-12", Help: "陪同就医", Photo: &pairing.Photo{Data: pngBytes, Filename: `C:\相册\IMG_0001.jpg`}})
		if !v.HasPhoto || v.PhotoType != "image/png" || v.PhotoName != "IMG_0001.jpg" || v.PhotoSize != int64(len(pngBytes)) {
			t.Errorf("photo visit %+v", v)
		}
		if files := f.photoFiles(t); len(files) != 1 {
			t.Fatalf("photo files %v", files)
		}
		ph, err := f.s.Photo(f.ctx, f.staffA, v.ID)
		if err != nil {
			t.Fatal(err)
		}
		got, _ := io.ReadAll(ph)
		ph.Close()
		if !bytes.Equal(got, pngBytes) || ph.ContentType != "image/png" || ph.Name != "IMG_0001.jpg" {
			t.Errorf("photo read back: %d bytes, %s %s", len(got), ph.ContentType, ph.Name)
		}
		_, err = f.s.Photo(f.ctx, f.staffB, v.ID)
		wantOutOfScope(t, err)
		if _, err := f.s.Photo(f.ctx, f.staffA, v.ID-1); errs.KindOf(err) != errs.NotFound {
			t.Errorf("photo of a visit without one: %v", err)
		}

		// Visits list, newest first, and the pairing's totals.
		vs, err := f.s.Visits(f.ctx, f.liaisonA, pv.ID)
		if err != nil {
			t.Fatal(err)
		}
		var dates []string
		for _, v := range vs {
			dates = append(dates, v.Date)
		}
		if !slices.IsSortedFunc(dates, func(a, b string) int { return strings.Compare(b, a) }) || dates[0] != today {
			t.Errorf("visit dates %v", dates)
		}
		p, _ := f.s.Get(f.ctx, f.staffA, pv.ID)
		var sum int64
		for _, v := range vs {
			sum += v.ValueCents
		}
		if p.Visits != len(vs) || p.ValueCents != sum || p.LastVisitDate != today || p.NextDueDate != "2026-07-15" {
			t.Errorf("pairing totals: %d visits %d cents last %s due %s (want %d, %d)", p.Visits, p.ValueCents, p.LastVisitDate, p.NextDueDate, len(vs), sum)
		}
		_, err = f.s.Visits(f.ctx, f.liaisonA, pv2.ID)
		wantOutOfScope(t, err)

		// After a pairing ends, visits up to its end may still be logged.
		if err := f.s.End(f.ctx, f.staffA, pv2.ID, "2026-06-01", "已脱困"); err != nil {
			t.Fatal(err)
		}
		_, err = f.s.LogVisit(f.ctx, f.staffA, pv2.ID, pairing.VisitInput{Date: "2026-06-02"})
		wantFields(t, err, map[string]string{"date": "err.date_after_end"})
		f.visit(t, f.staffA, pv2.ID, pairing.VisitInput{Date: "2026-05-30", Help: "补录"})
	})
}

// TestCadence checks the next visit's due date, the overdue list in scope,
// "My work" and the counts.
func TestCadence(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		f := newFix(t, d)
		partner := func(target int64, household bool, start string, cadence int) pairing.Input {
			in := pairing.Input{HelperKind: pairing.HelperPartner, HelperName: "爱心企业", StartDate: start, CadenceDays: cadence}
			if household {
				in.TargetHouseholdID = target
			} else {
				in.TargetPersonID = target
			}
			return in
		}
		// p1: monthly, last visit 40 days ago → overdue by 10 days.
		p1 := f.pair(t, f.staffA, pairing.Input{HelperKind: pairing.HelperVolunteer, HelperPersonID: f.vol.ID, TargetPersonID: f.pA.ID, StartDate: "2026-01-01", CadenceDays: 30})
		f.visit(t, f.staffA, p1.ID, pairing.VisitInput{Date: "2026-04-01", Help: "慰问"})
		f.visit(t, f.staffA, p1.ID, pairing.VisitInput{Date: "2026-05-06", Help: "慰问"})
		// A visit logged late, with an earlier date, does not move the due date back.
		f.visit(t, f.staffA, p1.ID, pairing.VisitInput{Date: "2026-03-01", Help: "补录"})
		// p2: liaisonA helps B's pB weekly since 06-01, never visited → 7 days overdue.
		p2 := f.pair(t, f.admin, pairing.Input{HelperKind: pairing.HelperLiaison, HelperUserID: f.liaisonA.UserID, TargetPersonID: f.pB.ID, StartDate: "2026-06-01", CadenceDays: 7})
		// p3: weekly since 06-10: due in 2 days.
		p3 := f.pair(t, f.staffA, partner(f.pA2.ID, false, "2026-06-10", 7))
		// p4: hB (assigned to liaison S), monthly since 04-01 → 45 days overdue.
		p4 := f.pair(t, f.staffB, partner(f.hB.ID, true, "2026-04-01", 30))
		// p5: no cadence: never overdue.
		p5 := f.pair(t, f.staffA, partner(f.pA.ID, false, "2025-01-01", 0))
		// p6: overdue but ended.
		p6 := f.pair(t, f.staffA, partner(f.hA.ID, true, "2025-01-01", 30))
		if err := f.s.End(f.ctx, f.staffA, p6.ID, today, "结束"); err != nil {
			t.Fatal(err)
		}
		// p7: staffA helps pA2 as an official, due in 4 days.
		p7 := f.pair(t, f.admin, pairing.Input{HelperKind: pairing.HelperOfficial, HelperUserID: f.staffA.UserID, TargetPersonID: f.pA2.ID, StartDate: "2026-05-20", CadenceDays: 30})

		// p8: weekly since 06-08 on B's household: due today, not overdue.
		in8 := partner(f.hB.ID, true, "2026-06-08", 7)
		in8.HelperName = "律师事务所"
		p8 := f.pair(t, f.staffB, in8)
		if got, _ := f.s.Get(f.ctx, f.staffB, p8.ID); got.NextDueDate != today || got.DaysOverdue != 0 || got.Overdue() {
			t.Errorf("p8 due today: due %s overdue %d", got.NextDueDate, got.DaysOverdue)
		}

		got, _ := f.s.Get(f.ctx, f.staffA, p1.ID)
		if got.LastVisitDate != "2026-05-06" || got.NextDueDate != "2026-06-05" || got.DaysOverdue != 10 || !got.Overdue() {
			t.Errorf("p1: last %s due %s overdue %d", got.LastVisitDate, got.NextDueDate, got.DaysOverdue)
		}
		if got, _ := f.s.Get(f.ctx, f.staffA, p5.ID); got.NextDueDate != "" || got.Overdue() {
			t.Errorf("p5 without cadence: due %q", got.NextDueDate)
		}

		type due struct {
			id   int64
			days int
		}
		dues := func(ps []*pairing.Pairing) []due {
			out := []due{}
			for _, p := range ps {
				out = append(out, due{p.ID, p.DaysOverdue})
			}
			return out
		}
		cases := []struct {
			name  string
			actor *auth.Actor
			want  []due // most overdue first
		}{
			{"subdistrict admin", f.admin, []due{{p4.ID, 45}, {p1.ID, 10}, {p2.ID, 7}}},
			{"committee A", f.staffA, []due{{p1.ID, 10}}},
			{"committee B", f.staffB, []due{{p4.ID, 45}, {p2.ID, 7}}},
			{"committee C", f.staffC, []due{}},
			{"liaison A: assigned pA, helper of p2", f.liaisonA, []due{{p1.ID, 10}, {p2.ID, 7}}},
			{"liaison S: assigned hB", f.liaison, []due{{p4.ID, 45}}},
		}
		for _, c := range cases {
			t.Run("overdue "+c.name, func(t *testing.T) {
				list, err := f.s.OverdueVisits(f.ctx, c.actor)
				if err != nil {
					t.Fatal(err)
				}
				if got := dues(list); !slices.Equal(got, c.want) {
					t.Errorf("overdue %v, want %v", got, c.want)
				}
				flt, total, err := f.s.List(f.ctx, c.actor, pairing.Filter{Overdue: true})
				if err != nil {
					t.Fatal(err)
				}
				if total != len(c.want) || len(flt) != len(c.want) {
					t.Errorf("overdue filter: %d of %d, want %d", len(flt), total, len(c.want))
				}
			})
		}

		mine := []struct {
			name  string
			actor *auth.Actor
			want  []due
		}{
			{"liaison A", f.liaisonA, []due{{p1.ID, 10}, {p2.ID, 7}}},
			{"liaison S: overdue and due today", f.liaison, []due{{p4.ID, 45}, {p8.ID, 0}}},
			{"staff A, helper of p7 due in 4 days", f.staffA, []due{{p7.ID, -4}}},
			{"admin helps in none", f.admin, []due{}},
		}
		for _, c := range mine {
			t.Run("my work "+c.name, func(t *testing.T) {
				list, err := f.s.MyVisitsDue(f.ctx, c.actor)
				if err != nil {
					t.Fatal(err)
				}
				if got := dues(list); !slices.Equal(got, c.want) {
					t.Errorf("my visits due %v, want %v", got, c.want)
				}
			})
		}
		cnt, err := f.s.Counts(f.ctx, f.admin)
		if err != nil {
			t.Fatal(err)
		}
		if want := (pairing.Counts{Active: 7, Overdue: 3, DueSoon: 3}); cnt != want {
			t.Errorf("admin counts %+v, want %+v", cnt, want)
		}
		cnt, _ = f.s.Counts(f.ctx, f.staffA)
		// A sees p1, p3, p5, p7 (helper) active; p1 overdue; p3, p7 due soon.
		if want := (pairing.Counts{Active: 4, Overdue: 1, DueSoon: 2, MineDueSoon: 1}); cnt != want {
			t.Errorf("staff A counts %+v, want %+v", cnt, want)
		}
		cnt, _ = f.s.Counts(f.ctx, f.liaisonA)
		if want := (pairing.Counts{Active: 3, Overdue: 2, MineOverdue: 2}); cnt != want {
			t.Errorf("liaison A counts %+v, want %+v", cnt, want)
		}

		// A new visit clears it.
		f.visit(t, f.liaisonA, p1.ID, pairing.VisitInput{Help: "送药"})
		got, _ = f.s.Get(f.ctx, f.staffA, p1.ID)
		if got.NextDueDate != "2026-07-15" || got.DaysOverdue != -30 || got.Overdue() {
			t.Errorf("after a visit: due %s overdue %d", got.NextDueDate, got.DaysOverdue)
		}
		list, _ := f.s.OverdueVisits(f.ctx, f.staffA)
		if len(list) != 0 {
			t.Errorf("still overdue: %v", dues(list))
		}
		// Changing the cadence moves the due date.
		in := pairing.Input{HelperKind: got.HelperKind, HelperPersonID: got.HelperPersonID, StartDate: got.StartDate, CadenceDays: 7, Version: got.Version}
		if err := f.s.Update(f.ctx, f.staffA, p1.ID, in); err != nil {
			t.Fatal(err)
		}
		if got, _ := f.s.Get(f.ctx, f.staffA, p1.ID); got.NextDueDate != "2026-06-22" {
			t.Errorf("weekly now: due %s", got.NextDueDate)
		}
		_ = p3
	})
}
