// Package workday counts working days on the Chinese public-holiday
// calendar, for case deadlines ("respond within 1 working day") and for
// "overdue by N working days".
//
// Monday to Friday are working days and Saturday and Sunday are not, except
// the dates listed in the holidays table: kind "off" (a public holiday, or
// another day off) and kind "work" (a make-up working day, 调休上班, on a
// weekend). The table is data: ImportYear seeds a year from the official
// arrangement known to github.com/6tail/lunar-go, and an admin corrects it
// with Set and Delete.
//
// Days are China days: a time is placed on its date in UTC+8 (Zone), however
// the time.Time given is located. A Calendar is immutable; Source caches one
// per process.
package workday

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"shiliu/internal/db"
	"shiliu/internal/ref"
)

// Zone is the zone of China days, ref.China (the same value, so a time
// located here compares equal to one located there). Deadlines end at
// 23:59:59 in it.
var Zone = ref.China

// Kinds of calendar entry.
const (
	// KindOff is a day off: a public holiday, or a weekday given off.
	KindOff = "off"
	// KindWork is a working day on a weekend: a make-up working day (调休).
	KindWork = "work"
)

// Dates outside these years are refused (the same bounds as err.year_invalid).
const (
	MinYear = 1949
	MaxYear = 2100
)

// Entry is one listed date.
type Entry struct {
	Date string // "2006-01-02", a China date
	Kind string // KindOff or KindWork
	Name string // e.g. 国庆节, 国庆节调休
}

const (
	secondsPerDay = 86400
	zoneOffset    = 8 * 3600
	// mondayBefore is the day number of Monday 1969-12-29 (day 0 is
	// Thursday 1970-01-01); whole weeks are counted from it.
	mondayBefore = -3
)

// Per-day markers in Calendar.kinds.
const (
	none byte = iota
	off
	work
)

// Calendar says which China days are working days. It is immutable and safe
// for concurrent use. The zero value, and nil, know no holidays: Monday to
// Friday are working days.
type Calendar struct {
	// lo is the day number of kinds[0]; kinds covers every listed date.
	lo    int64
	kinds []byte
	// delta[i] is the number of working days gained (work on a weekend)
	// minus lost (off on a weekday) among kinds[:i]; len(kinds)+1 long.
	delta   []int32
	entries []Entry // sorted by date
}

// New builds a Calendar from entries. Each date must be valid and listed
// once; kinds must be KindOff or KindWork.
func New(entries []Entry) (*Calendar, error) {
	es := slices.Clone(entries)
	slices.SortFunc(es, func(a, b Entry) int { return strings.Compare(a.Date, b.Date) })
	c := &Calendar{entries: es}
	if len(es) == 0 {
		return c, nil
	}
	days := make([]int64, len(es))
	for i, e := range es {
		d, err := parseDay(e.Date)
		if err != nil {
			return nil, err
		}
		if e.Kind != KindOff && e.Kind != KindWork {
			return nil, fmt.Errorf("workday: %s: kind %q is neither %q nor %q", e.Date, e.Kind, KindOff, KindWork)
		}
		if i > 0 && days[i-1] == d {
			return nil, fmt.Errorf("workday: %s listed twice", e.Date)
		}
		days[i] = d
	}
	c.lo = days[0]
	c.kinds = make([]byte, days[len(days)-1]-c.lo+1)
	for i, e := range es {
		k := off
		if e.Kind == KindWork {
			k = work
		}
		c.kinds[days[i]-c.lo] = k
	}
	c.delta = make([]int32, len(c.kinds)+1)
	for i, k := range c.kinds {
		g := int32(0)
		weekday := isWeekday(c.lo + int64(i))
		switch {
		case k == work && !weekday:
			g = 1
		case k == off && weekday:
			g = -1
		}
		c.delta[i+1] = c.delta[i] + g
	}
	return c, nil
}

// parseDay parses a stored date into a day number.
func parseDay(s string) (int64, error) {
	t, err := time.Parse(db.DateLayout, s)
	if err != nil || t.Format(db.DateLayout) != s {
		return 0, fmt.Errorf("workday: invalid date %q", s)
	}
	if y := t.Year(); y < MinYear || y > MaxYear {
		return 0, fmt.Errorf("workday: date %q outside %d–%d", s, MinYear, MaxYear)
	}
	return t.Unix() / secondsPerDay, nil
}

// dayOf returns the China day number of t (days since 1970-01-01).
func dayOf(t time.Time) int64 { return floorDiv(t.Unix()+zoneOffset, secondsPerDay) }

// endOf returns 23:59:59 China time of day d, located in Zone.
func endOf(d int64) time.Time {
	return time.Unix((d+1)*secondsPerDay-zoneOffset-1, 0).In(Zone)
}

func floorDiv(a, b int64) int64 {
	q := a / b
	if a%b != 0 && (a < 0) != (b < 0) {
		q--
	}
	return q
}

// isWeekday reports whether day d is Monday to Friday.
func isWeekday(d int64) bool { return floorMod(d-mondayBefore, 7) < 5 }

func floorMod(a, b int64) int64 { return a - floorDiv(a, b)*b }

// weekdaysBefore counts the Mondays to Fridays before day d, from the origin
// mondayBefore (negative before it); only differences are meaningful.
func weekdaysBefore(d int64) int64 {
	x := d - mondayBefore
	return floorDiv(x, 7)*5 + min(floorMod(x, 7), 5)
}

func (c *Calendar) isWork(d int64) bool {
	if c != nil {
		if i := d - c.lo; i >= 0 && i < int64(len(c.kinds)) {
			switch c.kinds[i] {
			case off:
				return false
			case work:
				return true
			}
		}
	}
	return isWeekday(d)
}

// workBefore counts the working days before day d, from the same origin as
// weekdaysBefore.
func (c *Calendar) workBefore(d int64) int64 {
	n := weekdaysBefore(d)
	if c == nil || len(c.kinds) == 0 {
		return n
	}
	i := d - c.lo
	switch {
	case i <= 0:
		return n
	case i >= int64(len(c.kinds)):
		return n + int64(c.delta[len(c.kinds)])
	}
	return n + int64(c.delta[i])
}

// IsWorkday reports whether t's China day is a working day: Monday to Friday
// unless listed "off", Saturday and Sunday only when listed "work".
func (c *Calendar) IsWorkday(t time.Time) bool { return c.isWork(dayOf(t)) }

// AddWorkdays returns the deadline n working days after from: 23:59:59 China
// time (located in Zone) of the n-th working day after from's China day. The
// time of day of from does not matter: a case taken at 22:00 on the last
// working day before a holiday, with 1 working day, is due at the end of the
// first working day after the holiday.
//
// n == 0 gives the end of from's day when it is a working day, else the end
// of the next working day. n < 0 counts back: the end of the |n|-th working
// day before from's day. The cost is linear in n (tens of ns a day).
func (c *Calendar) AddWorkdays(from time.Time, n int) time.Time {
	d := dayOf(from)
	switch {
	case n == 0:
		for !c.isWork(d) {
			d++
		}
	case n > 0:
		for n > 0 {
			d++
			if c.isWork(d) {
				n--
			}
		}
	default:
		for n < 0 {
			d--
			if c.isWork(d) {
				n++
			}
		}
	}
	return endOf(d)
}

// WorkdaysBetween counts the working days after a's China day up to and
// including b's: 0 on the same day, negative (the count from b to a) when b's
// day is before a's. For "overdue by N working days",
// WorkdaysBetween(deadline, now) is N when positive. Constant time.
func (c *Calendar) WorkdaysBetween(a, b time.Time) int {
	return int(c.workBefore(dayOf(b)+1) - c.workBefore(dayOf(a)+1))
}

// EndOfDay returns 23:59:59 China time of t's China day.
func EndOfDay(t time.Time) time.Time { return endOf(dayOf(t)) }

// Date returns t's China date as stored, "2006-01-02".
func Date(t time.Time) string { return t.In(Zone).Format(db.DateLayout) }

// Lookup returns the entry listed for t's China day, if any: the name of a
// holiday or make-up day, for display.
func (c *Calendar) Lookup(t time.Time) (Entry, bool) {
	if c == nil {
		return Entry{}, false
	}
	date := Date(t)
	i, ok := slices.BinarySearchFunc(c.entries, date, func(e Entry, d string) int { return strings.Compare(e.Date, d) })
	if !ok {
		return Entry{}, false
	}
	return c.entries[i], true
}

// Entries returns a copy of the listed dates, in date order.
func (c *Calendar) Entries() []Entry {
	if c == nil {
		return nil
	}
	return slices.Clone(c.entries)
}
