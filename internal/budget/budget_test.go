package budget_test

import (
	"bytes"
	"context"
	"image"
	"image/png"
	"io"
	"strings"
	"testing"
	"time"

	"shiliu/internal/activity"
	"shiliu/internal/auth"
	"shiliu/internal/budget"
	"shiliu/internal/db"
	"shiliu/internal/dbtest"
	"shiliu/internal/errs"
	"shiliu/internal/fixture"
)

func TestParseYuan(t *testing.T) {
	for _, c := range []struct {
		in  string
		fen int64
		key string
	}{
		{"1,234.5", 123450, ""},
		{"1234.50", 123450, ""},
		{"1234", 123400, ""},
		{"0.05", 5, ""},
		{" ¥80 ", 8000, ""},
		{"80元", 8000, ""},
		{"1，234.56", 123456, ""},
		{"12,345,678.9", 1234567890, ""},
		{"", 0, "err.required"},
		{"-5", 0, "err.amount_negative"},
		{"0", 0, "err.amount_zero"},
		{"0.00", 0, "err.amount_zero"},
		{"abc", 0, "err.amount_invalid"},
		{"12.345", 0, "err.amount_invalid"},
		{"1,23.4", 0, "err.amount_invalid"},
		{"1.2.3", 0, "err.amount_invalid"},
		{"1e5", 0, "err.amount_invalid"},
		{"100000001", 0, "err.amount_too_large"},
	} {
		fen, key := budget.ParseYuan(c.in)
		if fen != c.fen || key != c.key {
			t.Errorf("ParseYuan(%q) = %d, %q; want %d, %q", c.in, fen, key, c.fen, c.key)
		}
	}
}

type fix struct {
	ctx                   context.Context
	d                     *db.DB
	s                     *budget.Service
	tr                    *fixture.Tree
	admin, staffA, staffB *auth.Actor
}

func newFix(t *testing.T, d *db.DB) *fix {
	t.Helper()
	f := &fix{ctx: context.Background(), d: d, s: budget.New(d), tr: fixture.NewTree(t, d)}
	f.s.Now = func() time.Time { return time.Date(2027, 12, 20, 2, 0, 0, 0, time.UTC) }
	st := fixture.NewStaff(t, d, f.tr)
	f.admin, f.staffA, f.staffB = st.Admin, st.StaffA, st.StaffB
	return f
}

func (f *fix) spend(t *testing.T, a *auth.Actor, in budget.SpendInput) *budget.Spending {
	t.Helper()
	x, err := f.s.Spend(f.ctx, a, in)
	if err != nil {
		t.Fatalf("spend %+v: %v", in, err)
	}
	return x
}

func fieldKey(err error, field string) string {
	if e, ok := errs.As(err); ok {
		return e.Fields[field]
	}
	return ""
}

func pngBytes(t *testing.T) []byte {
	var b bytes.Buffer
	if err := png.Encode(&b, image.NewRGBA(image.Rect(0, 0, 3, 3))); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func TestBudgetExecution(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		f := newFix(t, d)
		ctx := f.ctx
		A, B := f.tr.A.ID, f.tr.B.ID
		// Committees set no budgets; the subdistrict does.
		if err := f.s.SetBudget(ctx, f.staffA, budget.BudgetInput{OrgID: A, Year: 2027}); errs.KindOf(err) != errs.Forbidden {
			t.Fatalf("committee sets a budget: %v", err)
		}
		err := f.s.SetBudget(ctx, f.admin, budget.BudgetInput{OrgID: A, Year: 2027, Amounts: map[budget.Purpose]string{budget.Publicity: "-3", budget.Hardship: "x"}})
		if fieldKey(err, "amount_publicity") != "err.amount_negative" || fieldKey(err, "amount_hardship") != "err.amount_invalid" {
			t.Fatalf("bad budget amounts: %v", err)
		}
		if err := f.s.SetBudget(ctx, f.admin, budget.BudgetInput{OrgID: A, Year: 2027, Amounts: map[budget.Purpose]string{
			budget.Publicity: "2,000", budget.Hardship: "5000", budget.Activity: "1000.00", budget.StudyTrip: "0"}}); err != nil {
			t.Fatal(err)
		}
		if err := f.s.SetBudget(ctx, f.admin, budget.BudgetInput{OrgID: B, Year: 2027, Amounts: map[budget.Purpose]string{budget.Publicity: "800"}}); err != nil {
			t.Fatal(err)
		}
		// A stale version of a line is a conflict.
		err = f.s.SetBudget(ctx, f.admin, budget.BudgetInput{OrgID: A, Year: 2027, Amounts: map[budget.Purpose]string{budget.Publicity: "2500"}})
		if errs.KindOf(err) != errs.Conflict {
			t.Fatalf("stale budget line: %v", err)
		}
		lines, err := f.s.Lines(ctx, f.admin, A, 2027)
		if err != nil || lines[0].AmountFen != 200000 || lines[0].Version != 1 || lines[2].AmountFen != 0 || lines[2].Version != 1 || lines[4].Version != 0 {
			t.Fatalf("lines: %+v %v", lines, err)
		}

		// Entries of A: publicity 300 (Mar), 450.50 (Mar), 200 (Jul);
		// hardship 1,200 (Jul); activity 900 (Oct) then 300 (Nov), which
		// is past the 1,000 budget.
		f.spend(t, f.staffA, budget.SpendInput{Date: "2027-03-05", Purpose: budget.Publicity, Amount: "300", Payee: "印刷厂"})
		f.spend(t, f.staffA, budget.SpendInput{Date: "2027-03-20", Purpose: budget.Publicity, Amount: "450.5"})
		f.spend(t, f.staffA, budget.SpendInput{Date: "2027-07-01", Purpose: budget.Publicity, Amount: "200"})
		f.spend(t, f.staffA, budget.SpendInput{Date: "2027-07-15", Purpose: budget.Hardship, Amount: "1,200"})
		f.spend(t, f.staffA, budget.SpendInput{Date: "2027-10-08", Purpose: budget.Activity, Amount: "900"})
		_, err = f.s.Spend(ctx, f.staffA, budget.SpendInput{Date: "2027-11-02", Purpose: budget.Activity, Amount: "300"})
		if fieldKey(err, "over_reason") != "err.over_budget" {
			t.Fatalf("over budget without a reason: %v", err)
		}
		over := f.spend(t, f.staffA, budget.SpendInput{Date: "2027-11-02", Purpose: budget.Activity, Amount: "300", OverReason: "参加人数超出预期"})
		if over.OverReason != "参加人数超出预期" {
			t.Fatalf("the reason is not kept: %+v", over)
		}
		// Study trips have a budget of 0: anything is past it.
		_, err = f.s.Spend(ctx, f.staffA, budget.SpendInput{Date: "2027-05-02", Purpose: budget.StudyTrip, Amount: "10"})
		if fieldKey(err, "over_reason") != "err.over_budget" {
			t.Fatalf("study trip without budget: %v", err)
		}
		// A reason on an entry within budget is not kept.
		if x := f.spend(t, f.staffA, budget.SpendInput{Date: "2027-07-20", Purpose: budget.Hardship, Amount: "100", OverReason: "无"}); x.OverReason != "" {
			t.Errorf("within budget, reason kept: %q", x.OverReason)
		}
		// A wrong one, voided: it counts nowhere.
		wrong := f.spend(t, f.staffA, budget.SpendInput{Date: "2027-03-06", Purpose: budget.Publicity, Amount: "999"})
		if err := f.s.Void(ctx, f.staffA, wrong.ID, wrong.Version, ""); fieldKey(err, "reason") != "err.required" {
			t.Fatalf("void without reason: %v", err)
		}
		if err := f.s.Void(ctx, f.staffA, wrong.ID, wrong.Version, "重复录入"); err != nil {
			t.Fatal(err)
		}
		if err := f.s.Void(ctx, f.staffA, wrong.ID, wrong.Version+1, "again"); errs.KindOf(err) != errs.Conflict {
			t.Errorf("void twice: %v", err)
		}
		// B's entry.
		f.spend(t, f.staffB, budget.SpendInput{Date: "2027-03-10", Purpose: budget.Publicity, Amount: "500"})
		// Last year's does not count in 2027.
		f.spend(t, f.staffA, budget.SpendInput{Date: "2026-12-31", Purpose: budget.Publicity, Amount: "77", OverReason: "上年"})

		e, err := f.s.Execution(ctx, f.staffA, A, 2027)
		if err != nil {
			t.Fatal(err)
		}
		want := map[budget.Purpose][2]int64{ // budget, spent
			budget.Publicity: {200000, 30000 + 45050 + 20000},
			budget.Hardship:  {500000, 120000 + 10000},
			budget.StudyTrip: {0, 0},
			budget.Activity:  {100000, 90000 + 30000},
			budget.Other:     {0, 0},
		}
		for _, l := range e.ByPurpose {
			if w := want[l.Purpose]; l.BudgetFen != w[0] || l.SpentFen != w[1] {
				t.Errorf("%s: budget %d spent %d, want %v", l.Purpose, l.BudgetFen, l.SpentFen, w)
			}
		}
		if l := e.ByPurpose[3]; !l.Over() || l.Left() != -20000 || l.Percent() != 100 || l.OverBudgetSpends != 1 {
			t.Errorf("activity line: %+v", l)
		}
		months := map[int]int64{3: 75050, 7: 20000 + 120000 + 10000, 10: 90000, 11: 30000}
		for _, m := range e.ByMonth {
			if m.SpentFen != months[m.Month] {
				t.Errorf("month %d: %d, want %d", m.Month, m.SpentFen, months[m.Month])
			}
		}
		if e.ByMonth[6].ByPurpose[budget.Hardship] != 130000 || e.ByMonth[6].Percent != 100 || e.ByMonth[2].Percent != 50 {
			t.Errorf("July: %+v, March %+v", e.ByMonth[6], e.ByMonth[2])
		}
		if e.BudgetFen != 800000 || e.SpentFen != 95050+130000+120000 {
			t.Errorf("totals: %d %d", e.BudgetFen, e.SpentFen)
		}
		// The subdistrict's execution is its subtree's: A and B.
		es, err := f.s.Execution(ctx, f.admin, f.tr.Sub.ID, 2027)
		if err != nil || es.BudgetFen != 880000 || es.SpentFen != e.SpentFen+50000 {
			t.Errorf("subdistrict: %+v %v", es, err)
		}
		// The report's queries give the same figures.
		var bsum, ssum int64
		if err := d.QueryRow(ctx, `SELECT SUM(amount_fen) FROM budgets WHERE year = ?`, 2027).Scan(&bsum); err != nil {
			t.Fatal(err)
		}
		if err := d.QueryRow(ctx, `SELECT SUM(amount_fen) FROM spendings WHERE status = 'valid' AND substr(date, 1, 4) = ?`, "2027").Scan(&ssum); err != nil {
			t.Fatal(err)
		}
		if bsum != es.BudgetFen || ssum != es.SpentFen {
			t.Errorf("report queries: %d %d, want %d %d", bsum, ssum, es.BudgetFen, es.SpentFen)
		}
		// A sibling sees nothing of A.
		if _, err := f.s.Execution(ctx, f.staffB, A, 2027); errs.KindOf(err) != errs.NotFound {
			t.Errorf("B reads A's execution: %v", err)
		}
		if _, n, _, _ := f.s.Spendings(ctx, f.staffB, budget.SpendFilter{Year: 2027}); n != 1 {
			t.Errorf("B lists %d entries, want its 1", n)
		}
		list, n, sum, err := f.s.Spendings(ctx, f.staffA, budget.SpendFilter{Year: 2027, WithVoid: true})
		if err != nil || n != 8 || sum != e.SpentFen || len(list) != 8 {
			t.Errorf("A's list with void: %d %d %v", n, sum, err)
		}
	})
}

func TestSpendingInput(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		f := newFix(t, d)
		ctx := f.ctx
		for _, c := range []struct {
			in         budget.SpendInput
			field, key string
		}{
			{budget.SpendInput{Purpose: budget.Other, Amount: "-1"}, "amount", "err.amount_negative"},
			{budget.SpendInput{Purpose: budget.Other, Amount: "0"}, "amount", "err.amount_zero"},
			{budget.SpendInput{Purpose: budget.Other, Amount: "十元"}, "amount", "err.amount_invalid"},
			{budget.SpendInput{Purpose: "food", Amount: "1"}, "purpose", "err.required"},
			{budget.SpendInput{Purpose: budget.Other, Amount: "1", Date: "2028-01-01"}, "date", "err.date_future"},
			{budget.SpendInput{Purpose: budget.Other, Amount: "1", OrgID: f.tr.B.ID}, "org_id", "err.org_unknown"},
			{budget.SpendInput{Purpose: budget.Other, Amount: "1", ActivityID: 9999}, "activity_id", "err.link_unknown"},
		} {
			_, err := f.s.Spend(ctx, f.staffA, c.in)
			if fieldKey(err, c.field) != c.key {
				t.Errorf("%+v: %v, want %s on %s", c.in, err, c.key, c.field)
			}
		}
		// A file that is not an image or PDF: nothing saved.
		_, err := f.s.Spend(ctx, f.staffA, budget.SpendInput{Purpose: budget.Other, Amount: "1", OverReason: "x",
			Receipts: []budget.Receipt{{Name: "r.txt", R: strings.NewReader("not a receipt")}}})
		if fieldKey(err, "receipt") != "err.receipt_type" {
			t.Fatalf("text receipt: %v", err)
		}
		if n := fixture.Count(t, d, `SELECT COUNT(*) FROM spendings`); n != 0 {
			t.Fatalf("%d entries half-saved", n)
		}
	})
}

func TestReceiptsInScope(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		f := newFix(t, d)
		ctx := f.ctx
		img := pngBytes(t)
		x := f.spend(t, f.staffA, budget.SpendInput{Purpose: budget.Hardship, Amount: "88", OverReason: "无预算先垫付",
			Receipts: []budget.Receipt{{Name: "发票.png", R: bytes.NewReader(img)}}})
		if len(x.Receipts) != 1 || x.Receipts[0].MIME != "image/png" {
			t.Fatalf("receipts: %+v", x.Receipts)
		}
		rid := x.Receipts[0].ID
		r, err := f.s.OpenReceipt(ctx, f.staffA, rid)
		if err != nil {
			t.Fatal(err)
		}
		got, _ := io.ReadAll(r)
		r.Close()
		if !bytes.Equal(got, img) {
			t.Error("receipt bytes differ")
		}
		if _, err := f.s.OpenReceipt(ctx, f.admin, rid); err != nil {
			t.Errorf("the subdistrict opens A's receipt: %v", err)
		}
		if _, err := f.s.OpenReceipt(ctx, f.staffB, rid); errs.KindOf(err) != errs.NotFound {
			t.Errorf("the sibling opens A's receipt: %v", err)
		}
		if err := f.s.AddReceipt(ctx, f.staffB, x.ID, budget.Receipt{Name: "b.png", R: bytes.NewReader(img)}); errs.KindOf(err) != errs.NotFound {
			t.Errorf("the sibling adds a receipt: %v", err)
		}
	})
}

// TestActivityCost: the activity service records a cost through the
// budget in its own transaction.
func TestActivityCost(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		f := newFix(t, d)
		var rec activity.CostRecorder = f.s
		acts := activity.New(d)
		acts.Now = f.s.Now
		x, err := acts.Create(f.ctx, f.staffA, activity.Input{KindCode: "meeting", Title: "座谈会", Date: "2027-06-01", StartTime: "09:00"})
		if err != nil {
			t.Fatal(err)
		}
		err = d.WithTx(f.ctx, func(tx *db.Tx) error {
			return rec.ActivityCost(f.ctx, tx, f.staffA, x.ID, f.tr.A.ID, "2027-06-01", 12345, "座谈会茶歇")
		})
		if err != nil {
			t.Fatal(err)
		}
		list, _, sum, err := f.s.Spendings(f.ctx, f.staffA, budget.SpendFilter{ActivityID: x.ID})
		if err != nil || len(list) != 1 || sum != 12345 || list[0].Purpose != budget.Activity || list[0].Activity != "座谈会" || list[0].OverReason == "" {
			t.Fatalf("activity cost: %+v %d %v", list, sum, err)
		}
	})
}
