package cases

import (
	"context"
	"time"

	"shiliu/internal/db"
	"shiliu/internal/ref"
)

// Calendar counts working days. *workday.Calendar (the public-holiday
// calendar with make-up working days, kept as data) is the real one, wired
// with FromSource; WeekdayCalendar is the fallback and a test calendar.
type Calendar interface {
	// AddWorkdays returns the end of the n-th working day after from's
	// day, in China time.
	AddWorkdays(from time.Time, n int) time.Time
	// WorkdaysBetween returns the number of working days after a's day up
	// to and including b's day (the service asks only with a before b).
	WorkdaysBetween(a, b time.Time) int
}

// WeekdayCalendar counts Monday to Friday as working days, except the
// dates in Holidays, and also the dates in Workdays (make-up working days,
// 调休). Dates are "2006-01-02", China time. The zero value is a plain
// weekday calendar.
type WeekdayCalendar struct {
	Holidays map[string]bool
	Workdays map[string]bool
}

// IsWorkday reports whether t's day (China time) is a working day.
func (c WeekdayCalendar) IsWorkday(t time.Time) bool {
	d := t.In(ref.China).Format(db.DateLayout)
	if c.Workdays[d] {
		return true
	}
	if c.Holidays[d] {
		return false
	}
	wd := t.In(ref.China).Weekday()
	return wd != time.Saturday && wd != time.Sunday
}

// AddWorkdays returns the end (23:59:59 China time) of the n-th working day
// after from's day; for n <= 0 the end of from's day if it is a working day,
// else of the next one.
func (c WeekdayCalendar) AddWorkdays(from time.Time, n int) time.Time {
	d := dayStart(from)
	if n <= 0 {
		for !c.IsWorkday(d) {
			d = d.AddDate(0, 0, 1)
		}
		return endOfDay(d)
	}
	for n > 0 {
		d = d.AddDate(0, 0, 1)
		if c.IsWorkday(d) {
			n--
		}
	}
	return endOfDay(d)
}

// WorkdaysBetween counts the working days after a's day up to and
// including b's day.
func (c WeekdayCalendar) WorkdaysBetween(a, b time.Time) int {
	n := 0
	end := dayStart(b)
	for d := dayStart(a).AddDate(0, 0, 1); !d.After(end); d = d.AddDate(0, 0, 1) {
		if c.IsWorkday(d) {
			n++
		}
	}
	return n
}

// dayStart is the midnight that begins t's day in China.
func dayStart(t time.Time) time.Time {
	y, m, d := t.In(ref.China).Date()
	return time.Date(y, m, d, 0, 0, 0, 0, ref.China)
}

// endOfDay is the last second of t's day in China.
func endOfDay(t time.Time) time.Time {
	y, m, d := t.In(ref.China).Date()
	return time.Date(y, m, d, 23, 59, 59, 0, ref.China)
}

// FromSource adapts a calendar source whose Calendar method returns its
// own calendar type, for Service.Cal: cases.FromSource(src.Calendar) with a
// *workday.Source.
func FromSource[C Calendar](calendar func(context.Context) (C, error)) func(context.Context) (Calendar, error) {
	return func(ctx context.Context) (Calendar, error) {
		c, err := calendar(ctx)
		if err != nil {
			return nil, err
		}
		return c, nil
	}
}

// Weekdays is a calendar source for a WeekdayCalendar.
func Weekdays(c WeekdayCalendar) func(context.Context) (Calendar, error) {
	return func(context.Context) (Calendar, error) { return c, nil }
}

// deadline is the end of the days-th working day after from; 0 days is
// the end of from's own day, working day or not (an emergency does not
// wait for Monday).
func deadline(cal Calendar, from time.Time, days int) time.Time {
	if days <= 0 {
		return endOfDay(from)
	}
	return cal.AddWorkdays(from, days)
}

func formatTime(t time.Time) string { return db.FormatTime(t) }
