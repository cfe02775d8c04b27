package ref

import (
	"math"
	"strings"
	"time"
)

// ParseDate reads a calendar date as written in a roster: 1985-03-12,
// 1985/3/12, 1985.03.12, 19850312, 1985年3月12日 or 1985年3月12, with
// surrounding white space, full-width digits, and a time of day after a
// space or T (1985-03-12 00:00:00), which is ignored. The year has four
// digits, month and day one or two. The date must exist (1985-02-30 does
// not). The result is at midnight UTC. Excel's serial numbers are not read
// here: see FromExcelSerial.
func ParseDate(s string) (time.Time, bool) {
	s = strings.TrimSpace(foldWidthString(s))
	if i := strings.IndexAny(s, " T"); i > 0 && isClock(strings.TrimSpace(s[i+1:])) {
		s = s[:i]
	}
	if len(s) == 8 && allDigits(s) {
		return makeDate(atoi(s[:4]), atoi(s[4:6]), atoi(s[6:]))
	}
	var parts []string
	if strings.Contains(s, "年") {
		// 1985年3月12日, 1985年3月12
		y, rest, _ := strings.Cut(s, "年")
		m, d, ok := strings.Cut(rest, "月")
		if !ok {
			return time.Time{}, false
		}
		parts = []string{y, m, strings.TrimSuffix(d, "日")}
	} else {
		i := strings.IndexAny(s, "-/.")
		if i < 0 {
			return time.Time{}, false
		}
		parts = strings.Split(s, s[i:i+1])
	}
	if len(parts) != 3 {
		return time.Time{}, false
	}
	for i, p := range parts {
		p = strings.TrimSpace(p)
		parts[i] = p
		if p == "" || !allDigits(p) || (i == 0 && len(p) != 4) || (i > 0 && len(p) > 2) {
			return time.Time{}, false
		}
	}
	return makeDate(atoi(parts[0]), atoi(parts[1]), atoi(parts[2]))
}

// isClock reports a time of day such as 00:00:00 or 08:30:00.000.
func isClock(s string) bool {
	if s == "" || !strings.Contains(s, ":") {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; !isDigit(c) && c != ':' && c != '.' {
			return false
		}
	}
	return true
}

// foldWidthString turns full-width ASCII forms into ASCII (and the
// ideographic space into a space).
func foldWidthString(s string) string {
	if isASCII(s) {
		return s
	}
	return strings.Map(func(r rune) rune {
		if r == '\u3000' {
			return ' '
		}
		return foldWidth(r)
	}, s)
}

// excelEpoch is day 0 of Excel's 1900 date system for serials from 61 on
// (1900-03-01). Excel counts a 29 February 1900 that never was, as Lotus
// 1-2-3 did, so earlier serials are one day further.
var excelEpoch = time.Date(1899, 12, 30, 0, 0, 0, 0, time.UTC)

// FromExcelSerial converts an Excel date serial of the 1900 date system
// (Windows Excel's default) to a time, in UTC: 1 is 1900-01-01, 61 is
// 1900-03-01, 31118 is 1985-03-12, and the fraction is the time of day,
// rounded to the second. Excel's phantom 1900-02-29 (serial 60) gives
// 1900-02-28. A serial below 0, above 2958465 (9999-12-31), or not a number
// gives the zero time.
func FromExcelSerial(f float64) time.Time {
	if math.IsNaN(f) || f < 0 || f >= 2958466 {
		return time.Time{}
	}
	days := math.Floor(f)
	secs := math.Round((f - days) * 86400)
	base := excelEpoch
	if days < 60 {
		base = base.AddDate(0, 0, 1)
	}
	return base.AddDate(0, 0, int(days)).Add(time.Duration(secs) * time.Second)
}
