package activity

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"shiliu/internal/db"
)

// Freq is how often a series repeats.
type Freq string

// The frequencies.
const (
	// Weekly: on Weekdays, every Interval weeks (1: weekly, 2: fortnightly).
	Weekly Freq = "WEEKLY"
	// Monthly: on the Nth Weekdays of every Interval months (the second
	// and fourth Wednesday: Nth 2, 4 and Weekdays Wednesday; -1 is the last).
	Monthly Freq = "MONTHLY"
)

// Rule is the recurrence of a series, a small subset of RFC 5545's RRULE
// written the same way: "FREQ=WEEKLY;INTERVAL=1;BYDAY=WE;COUNT=12",
// "FREQ=MONTHLY;BYDAY=2WE,4WE;UNTIL=2027-06-30". Without COUNT or UNTIL a
// series is open: occurrences are generated Horizon days ahead and
// extended as time passes.
type Rule struct {
	Freq     Freq
	Interval int
	Weekdays []time.Weekday
	// Nth are the weeks of the month (1–5, -1 the last), monthly only.
	Nth   []int
	Count int
	// Until is the last possible date, YYYY-MM-DD.
	Until string
}

// Limits of generation.
const (
	// Horizon is how many days ahead an open series is generated.
	Horizon = 183
	// MaxCount is the most occurrences a series may have (COUNT, or
	// generated in one go).
	MaxCount = 400
)

var dayCodes = []string{"SU", "MO", "TU", "WE", "TH", "FR", "SA"}

// ParseRule reads a rule; the error names what is wrong.
func ParseRule(s string) (Rule, error) {
	var r Rule
	for _, part := range strings.Split(strings.TrimSpace(s), ";") {
		k, v, ok := strings.Cut(part, "=")
		if !ok {
			return r, fmt.Errorf("rule: %q is not KEY=VALUE", part)
		}
		switch strings.ToUpper(k) {
		case "FREQ":
			r.Freq = Freq(strings.ToUpper(v))
		case "INTERVAL":
			n, err := strconv.Atoi(v)
			if err != nil {
				return r, fmt.Errorf("rule: INTERVAL %q", v)
			}
			r.Interval = n
		case "COUNT":
			n, err := strconv.Atoi(v)
			if err != nil {
				return r, fmt.Errorf("rule: COUNT %q", v)
			}
			r.Count = n
		case "UNTIL":
			r.Until = v
		case "BYDAY":
			for _, d := range strings.Split(v, ",") {
				d = strings.ToUpper(strings.TrimSpace(d))
				if len(d) < 2 {
					return r, fmt.Errorf("rule: BYDAY %q", d)
				}
				wd := slices.Index(dayCodes, d[len(d)-2:])
				if wd < 0 {
					return r, fmt.Errorf("rule: BYDAY %q", d)
				}
				if n := d[:len(d)-2]; n != "" {
					k, err := strconv.Atoi(n)
					if err != nil {
						return r, fmt.Errorf("rule: BYDAY %q", d)
					}
					if !slices.Contains(r.Nth, k) {
						r.Nth = append(r.Nth, k)
					}
				}
				if !slices.Contains(r.Weekdays, time.Weekday(wd)) {
					r.Weekdays = append(r.Weekdays, time.Weekday(wd))
				}
			}
		default:
			return r, fmt.Errorf("rule: unknown part %q", k)
		}
	}
	if r.Interval == 0 {
		r.Interval = 1
	}
	return r, r.Check()
}

// Check reports what is wrong with r, as an error whose message is a
// catalog key of the form field "repeat".
func (r Rule) Check() error {
	switch {
	case r.Freq != Weekly && r.Freq != Monthly:
		return fmt.Errorf("err.repeat_freq")
	case r.Interval < 1 || r.Interval > 12:
		return fmt.Errorf("err.repeat_interval")
	case len(r.Weekdays) == 0:
		return fmt.Errorf("err.repeat_weekdays")
	case r.Freq == Weekly && len(r.Nth) > 0, r.Freq == Monthly && len(r.Nth) == 0:
		return fmt.Errorf("err.repeat_nth")
	case r.Count < 0 || r.Count > MaxCount:
		return fmt.Errorf("err.repeat_count")
	}
	for _, n := range r.Nth {
		if n == 0 || n < -1 || n > 5 {
			return fmt.Errorf("err.repeat_nth")
		}
	}
	if r.Until != "" {
		if _, err := time.Parse(db.DateLayout, r.Until); err != nil {
			return fmt.Errorf("err.repeat_until")
		}
	}
	return nil
}

// String writes r in its stored form.
func (r Rule) String() string {
	var b strings.Builder
	b.WriteString("FREQ=" + string(r.Freq))
	if r.Interval > 1 {
		b.WriteString(";INTERVAL=" + strconv.Itoa(r.Interval))
	}
	var days []string
	for _, wd := range sortedDays(r.Weekdays) {
		if len(r.Nth) == 0 {
			days = append(days, dayCodes[wd])
			continue
		}
		for _, n := range r.Nth {
			days = append(days, strconv.Itoa(n)+dayCodes[wd])
		}
	}
	b.WriteString(";BYDAY=" + strings.Join(days, ","))
	if r.Count > 0 {
		b.WriteString(";COUNT=" + strconv.Itoa(r.Count))
	}
	if r.Until != "" {
		b.WriteString(";UNTIL=" + r.Until)
	}
	return b.String()
}

// Open reports whether the rule has no end.
func (r Rule) Open() bool { return r.Count == 0 && r.Until == "" }

// sortedDays orders weekdays Monday first, as a Chinese week is read.
func sortedDays(ds []time.Weekday) []time.Weekday {
	out := slices.Clone(ds)
	slices.SortFunc(out, func(a, b time.Weekday) int { return (int(a)+6)%7 - (int(b)+6)%7 })
	return out
}

// Dates returns the occurrences' dates of r starting on first (which
// counts only if it matches the rule), up to and including through, and
// never more than the rule's COUNT or MaxCount. The i-th date of the
// result is the (i+1)-th occurrence: generation is deterministic, so a
// longer through extends the same list.
func (r Rule) Dates(first, through string) []string {
	start, err := time.Parse(db.DateLayout, first)
	if err != nil {
		return nil
	}
	end, err := time.Parse(db.DateLayout, through)
	if err != nil {
		return nil
	}
	if r.Until != "" {
		if u, err := time.Parse(db.DateLayout, r.Until); err == nil && u.Before(end) {
			end = u
		}
	}
	limit := MaxCount
	if r.Count > 0 && r.Count < limit {
		limit = r.Count
	}
	var out []string
	add := func(d time.Time) bool {
		if d.Before(start) || d.After(end) {
			return true
		}
		out = append(out, d.Format(db.DateLayout))
		return len(out) < limit
	}
	switch r.Freq {
	case Weekly:
		// the Monday of the first date's week
		monday := start.AddDate(0, 0, -((int(start.Weekday()) + 6) % 7))
		days := sortedDays(r.Weekdays)
		for w := monday; !w.After(end); w = w.AddDate(0, 0, 7*r.Interval) {
			for _, wd := range days {
				if !add(w.AddDate(0, 0, (int(wd)+6)%7)) {
					return out
				}
			}
		}
	case Monthly:
		for m := time.Date(start.Year(), start.Month(), 1, 0, 0, 0, 0, time.UTC); !m.After(end); m = m.AddDate(0, r.Interval, 0) {
			var ds []time.Time
			for _, wd := range r.Weekdays {
				for _, n := range r.Nth {
					if d, ok := nthWeekday(m, wd, n); ok {
						ds = append(ds, d)
					}
				}
			}
			slices.SortFunc(ds, func(a, b time.Time) int { return a.Compare(b) })
			for _, d := range slices.Compact(ds) {
				if !add(d) {
					return out
				}
			}
		}
	}
	return out
}

// nthWeekday is the n-th weekday wd of the month starting on first (n -1:
// the last); ok is false when the month has no such day (a fifth Monday).
func nthWeekday(first time.Time, wd time.Weekday, n int) (time.Time, bool) {
	if n == -1 {
		last := first.AddDate(0, 1, -1)
		return last.AddDate(0, 0, -((int(last.Weekday()) - int(wd) + 7) % 7)), true
	}
	d := first.AddDate(0, 0, (int(wd)-int(first.Weekday())+7)%7+7*(n-1))
	return d, d.Month() == first.Month()
}

var zhDays = []string{"日", "一", "二", "三", "四", "五", "六"}
var zhNums = []string{"", "一", "二", "三", "四", "五"}

// Describe says the rule in Chinese: "每周三", "每两周周一、周四",
// "每月第二、四个周三，共12次".
func (r Rule) Describe() string {
	var days []string
	for _, wd := range sortedDays(r.Weekdays) {
		days = append(days, "周"+zhDays[wd])
	}
	var s string
	switch r.Freq {
	case Weekly:
		s = "每周"
		if r.Interval > 1 {
			s = "每" + zhCount(r.Interval) + "周"
		}
		s += strings.Join(days, "、")
	case Monthly:
		s = "每月"
		if r.Interval > 1 {
			s = "每" + zhCount(r.Interval) + "个月"
		}
		var ns []string
		for _, n := range slices.Sorted(slices.Values(r.Nth)) {
			if n == -1 {
				continue
			}
			ns = append(ns, zhNums[n])
		}
		if len(ns) > 0 {
			s += "第" + strings.Join(ns, "、") + "个"
			if slices.Contains(r.Nth, -1) {
				s += "及最后一个"
			}
		} else {
			s += "最后一个"
		}
		s += strings.Join(days, "、")
	}
	if r.Count > 0 {
		s += "，共" + strconv.Itoa(r.Count) + "次"
	}
	if r.Until != "" {
		s += "，至" + r.Until
	}
	return s
}

func zhCount(n int) string {
	if n == 2 {
		return "两"
	}
	if n < len(zhNums) {
		return zhNums[n]
	}
	return strconv.Itoa(n)
}
