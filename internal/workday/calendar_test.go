package workday

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"
)

// day parses a China date, at noon.
func day(t testing.TB, s string) time.Time {
	t.Helper()
	d, err := time.ParseInLocation("2006-01-02 15:04", s+" 12:00", Zone)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// at parses a China date and time.
func at(t testing.TB, s string) time.Time {
	t.Helper()
	d, err := time.ParseInLocation("2006-01-02 15:04", s, Zone)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func end(t testing.TB, s string) time.Time {
	t.Helper()
	d, err := time.ParseInLocation("2006-01-02 15:04:05", s+" 23:59:59", Zone)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func official(t testing.TB, years ...int) *Calendar {
	t.Helper()
	var es []Entry
	for _, y := range years {
		o := Official(y)
		if len(o) == 0 {
			t.Fatalf("lunar-go has no data for %d", y)
		}
		es = append(es, o...)
	}
	c, err := New(es)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestWeekends(t *testing.T) {
	var empty Calendar
	var nilCal *Calendar
	for _, c := range []*Calendar{&empty, nilCal} {
		for _, tc := range []struct {
			date string
			work bool
		}{
			{"2026-11-23", true},  // Monday
			{"2026-11-27", true},  // Friday
			{"2026-11-28", false}, // Saturday
			{"2026-11-29", false}, // Sunday
			{"1970-01-01", true},  // Thursday, day 0
			{"1969-12-28", false}, // Sunday, before day 0
			{"1969-12-29", true},  // Monday
		} {
			if got := c.IsWorkday(day(t, tc.date)); got != tc.work {
				t.Errorf("IsWorkday(%s) = %v, want %v", tc.date, got, tc.work)
			}
		}
		// Friday 22:00 + 1 working day: Monday.
		if got, want := c.AddWorkdays(at(t, "2026-11-27 22:00"), 1), end(t, "2026-11-30"); !got.Equal(want) {
			t.Errorf("Friday + 1 = %v, want %v", got, want)
		}
		// Saturday + 0: Monday; Saturday + 5: the next Friday.
		if got, want := c.AddWorkdays(day(t, "2026-11-28"), 0), end(t, "2026-11-30"); !got.Equal(want) {
			t.Errorf("Saturday + 0 = %v, want %v", got, want)
		}
		if got, want := c.AddWorkdays(day(t, "2026-11-28"), 5), end(t, "2026-12-04"); !got.Equal(want) {
			t.Errorf("Saturday + 5 = %v, want %v", got, want)
		}
	}
}

// The official 2026 arrangement (国办发明电〔2025〕7号), as lunar-go has it.
func TestOfficial2026(t *testing.T) {
	o := Official(2026)
	var off, work []string
	for _, e := range o {
		if e.Kind == KindWork {
			work = append(work, e.Date)
		} else {
			off = append(off, e.Date)
		}
	}
	wantWork := []string{
		"2026-01-04",               // 元旦 (Sunday)
		"2026-02-14", "2026-02-28", // 春节 (Saturdays)
		"2026-05-09",               // 劳动节 (Saturday)
		"2026-09-20", "2026-10-10", // 国庆节 (Sunday, Saturday)
	}
	if !slices.Equal(work, wantWork) {
		t.Errorf("2026 make-up working days %v, want %v", work, wantWork)
	}
	var wantOff []string
	for _, r := range [][2]string{
		{"2026-01-01", "2026-01-03"}, // 元旦
		{"2026-02-15", "2026-02-23"}, // 春节, 9 days
		{"2026-04-04", "2026-04-06"}, // 清明节
		{"2026-05-01", "2026-05-05"}, // 劳动节
		{"2026-06-19", "2026-06-21"}, // 端午节
		{"2026-09-25", "2026-09-27"}, // 中秋节
		{"2026-10-01", "2026-10-07"}, // 国庆节
	} {
		for d := day(t, r[0]); !d.After(day(t, r[1])); d = d.AddDate(0, 0, 1) {
			wantOff = append(wantOff, Date(d))
		}
	}
	if !slices.Equal(off, wantOff) {
		t.Errorf("2026 days off %v, want %v", off, wantOff)
	}
	c := official(t, 2026)
	if e, ok := c.Lookup(day(t, "2026-10-10")); !ok || e.Name != "国庆节调休" || e.Kind != KindWork {
		t.Errorf("Lookup(2026-10-10) = %+v, %v", e, ok)
	}
	if e, ok := c.Lookup(day(t, "2026-09-25")); !ok || e.Name != "中秋节" {
		t.Errorf("Lookup(2026-09-25) = %+v, %v", e, ok)
	}
	if _, ok := c.Lookup(day(t, "2026-09-24")); ok {
		t.Error("Lookup(2026-09-24): an ordinary day is listed")
	}
}

func TestIsWorkdayHolidays(t *testing.T) {
	c := official(t, 2026, 2027)
	for _, tc := range []struct {
		date string
		work bool
		why  string
	}{
		// 2026 中秋节 and 国庆节 (two separate holidays this year).
		{"2026-09-18", true, "Friday before"},
		{"2026-09-19", false, "Saturday"},
		{"2026-09-20", true, "Sunday, make-up day for 国庆"},
		{"2026-09-24", true, "Thursday before 中秋"},
		{"2026-09-25", false, "中秋节 (Friday)"},
		{"2026-09-26", false, "中秋节 (Saturday)"},
		{"2026-09-28", true, "Monday between the holidays"},
		{"2026-09-30", true, "last working day before 国庆"},
		{"2026-10-01", false, "国庆节"},
		{"2026-10-05", false, "国庆节 (Monday)"},
		{"2026-10-07", false, "国庆节 (Wednesday)"},
		{"2026-10-08", true, "first working day after 国庆"},
		{"2026-10-10", true, "Saturday, make-up day"},
		{"2026-10-11", false, "Sunday"},
		// 2027 春节 (lunar-go v1.4.7 data).
		{"2027-01-30", false, "Saturday"},
		{"2027-01-31", true, "Sunday, make-up day for 春节"},
		{"2027-02-04", true, "Thursday before 除夕"},
		{"2027-02-05", false, "除夕 (Friday)"},
		{"2027-02-06", false, "初一 (Saturday)"},
		{"2027-02-08", false, "Monday"},
		{"2027-02-12", false, "Friday"},
		{"2027-02-13", false, "Saturday, last day off"},
		{"2027-02-14", true, "Sunday, make-up day"},
		{"2027-02-15", true, "Monday"},
		{"2027-09-15", false, "中秋节 (Wednesday)"},
		{"2027-09-26", true, "Sunday, make-up day for 国庆"},
		{"2027-10-07", false, "国庆节 (Thursday)"},
		{"2027-10-09", true, "Saturday, make-up day"},
	} {
		if got := c.IsWorkday(day(t, tc.date)); got != tc.work {
			t.Errorf("IsWorkday(%s, %s) = %v, want %v", tc.date, tc.why, got, tc.work)
		}
	}
}

func TestAddWorkdays(t *testing.T) {
	c := official(t, 2026, 2027)
	for _, tc := range []struct {
		from string
		n    int
		want string
	}{
		// A case taken on the last working day before 国庆, late at night.
		{"2026-09-30 22:00", 0, "2026-09-30"},
		{"2026-09-30 22:00", 1, "2026-10-08"}, // skips the golden week
		{"2026-09-30 22:00", 2, "2026-10-09"},
		{"2026-09-30 22:00", 3, "2026-10-10"}, // lands on the make-up Saturday
		{"2026-09-30 22:00", 4, "2026-10-12"}, // the Sunday after is off
		{"2026-09-30 22:00", 5, "2026-10-13"},
		{"2026-09-30 00:00", 1, "2026-10-08"},
		{"2026-09-30 23:59", 1, "2026-10-08"},
		// Taken during the holiday.
		{"2026-10-01 09:00", 0, "2026-10-08"},
		// From a day off, the first working day after it counts as 1 (as
		// it counts as 0).
		{"2026-10-03 09:00", 1, "2026-10-08"},
		{"2026-10-07 23:00", 1, "2026-10-08"},
		{"2026-10-07 23:00", 2, "2026-10-09"},
		// 中秋 (Friday) and the Sunday make-up day before it.
		{"2026-09-18 17:00", 1, "2026-09-20"},
		{"2026-09-19 10:00", 0, "2026-09-20"},
		{"2026-09-24 10:00", 1, "2026-09-28"},
		{"2026-09-24 10:00", 5, "2026-10-09"},
		{"2026-09-24 10:00", 6, "2026-10-10"},
		{"2026-09-24 10:00", 10, "2026-10-15"},
		// 2027 春节: make-up Sundays on both sides.
		{"2027-01-29 10:00", 1, "2027-01-31"},
		{"2027-02-04 10:00", 1, "2027-02-14"},
		{"2027-02-04 10:00", 2, "2027-02-15"},
		// Counting back.
		{"2026-10-08 10:00", -1, "2026-09-30"},
		{"2026-10-12 10:00", -1, "2026-10-10"},
		{"2026-10-12 10:00", -3, "2026-10-08"},
		{"2026-09-28 10:00", -1, "2026-09-24"},
	} {
		got := c.AddWorkdays(at(t, tc.from), tc.n)
		if want := end(t, tc.want); !got.Equal(want) || got.Location() != Zone {
			t.Errorf("AddWorkdays(%s, %d) = %v, want %v", tc.from, tc.n, got, want)
		}
	}
}

// A time given in UTC (as stored) is placed on its China day.
func TestAddWorkdaysZone(t *testing.T) {
	c := official(t, 2026)
	// 2026-10-08T15:30Z is 23:30 on the 8th in China: +1 is the 9th.
	// 2026-10-08T16:30Z is 00:30 on the 9th: +1 is the make-up Saturday.
	for _, tc := range []struct {
		utc  string
		want string
	}{
		{"2026-10-08T15:30:00Z", "2026-10-09"},
		{"2026-10-08T16:30:00Z", "2026-10-10"},
		{"2026-09-30T16:30:00Z", "2026-10-08"},
	} {
		from, _ := time.Parse(time.RFC3339, tc.utc)
		got := c.AddWorkdays(from, 1)
		if want := end(t, tc.want); !got.Equal(want) {
			t.Errorf("AddWorkdays(%s, 1) = %v, want %v", tc.utc, got, want)
		}
		if s := got.UTC().Format(time.RFC3339); s != tc.want+"T15:59:59Z" {
			t.Errorf("deadline in UTC %s", s)
		}
	}
}

func TestWorkdaysBetween(t *testing.T) {
	c := official(t, 2026, 2027)
	for _, tc := range []struct {
		a, b string
		want int
	}{
		{"2026-09-30 09:00", "2026-09-30 23:00", 0},
		{"2026-09-30 09:00", "2026-10-08 09:00", 1},
		{"2026-09-30 09:00", "2026-10-10 09:00", 3},
		{"2026-10-10 09:00", "2026-09-30 09:00", -3},
		{"2026-10-01 09:00", "2026-10-07 09:00", 0},
		{"2026-10-01 09:00", "2026-10-08 09:00", 1},
		// Overdue: due at the end of 8 October, now Monday the 12th.
		{"2026-10-08 23:59", "2026-10-12 10:00", 3},
		{"2026-09-18 09:00", "2026-09-20 09:00", 1},
		{"2027-02-04 09:00", "2027-02-15 09:00", 2},
		// 2026: 261 weekdays, 19 of them off (元旦 2, 春节 6, 清明 1, 劳动节
		// 3, 端午 1, 中秋 1, 国庆 5), 6 make-up days: 248 working days.
		{"2025-12-31 10:00", "2026-12-31 10:00", 248},
		{"2026-12-31 10:00", "2025-12-31 10:00", -248},
	} {
		if got := c.WorkdaysBetween(at(t, tc.a), at(t, tc.b)); got != tc.want {
			t.Errorf("WorkdaysBetween(%s, %s) = %d, want %d", tc.a, tc.b, got, tc.want)
		}
	}
}

func bruteBetween(c *Calendar, a, b time.Time) int {
	da, db := dayOf(a), dayOf(b)
	sign := 1
	if db < da {
		da, db, sign = db, da, -1
	}
	n := 0
	for d := da + 1; d <= db; d++ {
		if c.isWork(d) {
			n++
		}
	}
	return sign * n
}

// WorkdaysBetween (constant time) agrees with counting day by day, and with
// AddWorkdays, inside, around and far from the listed dates.
func TestWorkdaysBetweenMatchesCounting(t *testing.T) {
	c := official(t, 2025, 2026, 2027)
	r := rand.New(rand.NewPCG(1, 2))
	base := day(t, "2024-06-01")
	for i := 0; i < 5000; i++ {
		a := base.Add(time.Duration(r.Int64N(int64(4 * 365 * 24 * time.Hour))))
		b := a.Add(time.Duration(r.Int64N(int64(120*24*time.Hour))) - 60*24*time.Hour)
		if got, want := c.WorkdaysBetween(a, b), bruteBetween(c, a, b); got != want {
			t.Fatalf("WorkdaysBetween(%v, %v) = %d, counting gives %d", a, b, got, want)
		}
		n := r.IntN(30)
		due := c.AddWorkdays(a, n)
		if !c.IsWorkday(due) {
			t.Fatalf("AddWorkdays(%v, %d) = %v, not a working day", a, n, due)
		}
		if n > 0 {
			if got := c.WorkdaysBetween(a, due); got != n {
				t.Fatalf("WorkdaysBetween(%v, AddWorkdays(…, %d)) = %d", a, n, got)
			}
			if c.IsWorkday(a) {
				if back := c.AddWorkdays(due, -n); !back.Equal(EndOfDay(a)) {
					t.Fatalf("AddWorkdays(AddWorkdays(%v, %d), -%d) = %v", a, n, n, back)
				}
			}
		}
	}
	// Far from the listed dates, both engines of counting still agree.
	for _, tc := range [][2]string{{"1960-03-01 10:00", "1960-05-02 10:00"}, {"2090-01-01 10:00", "2089-10-01 10:00"}} {
		a, b := at(t, tc[0]), at(t, tc[1])
		if got, want := c.WorkdaysBetween(a, b), bruteBetween(c, a, b); got != want {
			t.Errorf("WorkdaysBetween(%s, %s) = %d, counting gives %d", tc[0], tc[1], got, want)
		}
	}
}

// An admin correction: a local day off inside the week after 国庆.
func TestCorrectionChangesDeadline(t *testing.T) {
	es := append(Official(2026), Entry{Date: "2026-10-09", Kind: KindOff, Name: "区补休"})
	c, err := New(es)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := c.AddWorkdays(at(t, "2026-09-30 22:00"), 2), end(t, "2026-10-10"); !got.Equal(want) {
		t.Errorf("with 9 October off, +2 = %v, want %v", got, want)
	}
}

func TestNewRefuses(t *testing.T) {
	for _, es := range [][]Entry{
		{{Date: "2026-13-01", Kind: KindOff}},
		{{Date: "2026-9-1", Kind: KindOff}},
		{{Date: "2026-10-01", Kind: "holiday"}},
		{{Date: "2026-10-01", Kind: KindOff}, {Date: "2026-10-01", Kind: KindWork}},
		{{Date: "1900-01-01", Kind: KindOff}},
	} {
		if _, err := New(es); err == nil {
			t.Errorf("New(%v) accepted", es)
		}
	}
}

func BenchmarkAddWorkdays(b *testing.B) {
	c := official(b, 2025, 2026, 2027)
	from := at(b, "2026-09-30 22:00")
	for _, n := range []int{1, 5, 20} {
		b.Run(fmt.Sprintf("n=%d", n), func(b *testing.B) {
			for b.Loop() {
				c.AddWorkdays(from, n)
			}
		})
	}
}

func BenchmarkWorkdaysBetween(b *testing.B) {
	c := official(b, 2025, 2026, 2027)
	a, z := at(b, "2026-09-30 22:00"), at(b, "2026-12-31 10:00")
	for b.Loop() {
		c.WorkdaysBetween(a, z)
	}
}
