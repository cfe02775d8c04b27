package festival

import "time"

// The Tibetan calendar of the Phugpa tradition, computed by the arithmetic
// Svante Janson writes out in "Tibetan Calendar Mathematics" (2007, revised
// 2014), with his epoch E806 (month 3 of 806). Every quantity is a rational
// number; it is kept here as an integer count of 1/tibDen of a day, so no
// rounding can move a day boundary.
//
//   M* = 12(Y − 806) + M − 3                 months since the epoch
//   ix = (2M* + β*) mod 65, β* = 61           intercalation index
//   month M of year Y is preceded by a leap month of the same number when
//   ix is 48 or 49; the true month count of the regular month is
//   n = ⌊(67M* + β*)/65⌋ + [ix ≥ 48], of the leap month n − 1
//
//   for lunar day d (1–30) of true month n:
//   mean date  = n·167025/5656 + d·11135/11312 + 2015501 + 4783/5656
//   mean sun   = n·65/804 + d·13/4824 + 743/804       (revolutions)
//   moon anom. = n·253/3528 + d/28 + 475/3528          (revolutions)
//   true date  = mean date + moon_tab(28·moon anom.)/60 − sun_tab(12·(mean sun − 1/4))/60
//
// The calendar day (Julian day number) on which lunar day d ends is
// ⌊true date⌋. A lunar day that begins and ends on one calendar day is a
// skipped date; a calendar day on which none ends repeats the next date.
// The first day of a month is the day after the one on which day 30 of
// the month before ends, which holds whether day 1 is skipped or
// repeated; Losar, the new year, is the day after day 30 of the regular
// twelfth month of the year before (the year may open with a leap first
// month). The lunar anomaly per lunar day is 1/28, as the Men-Tsee-Khang
// almanac has it (Janson notes the exact value differs about once a
// decade, never near a new year in 2000–2100).

const (
	tibBetaStar = 61
	// tibDen is the common denominator of the true date's parts:
	// lcm(11312, 60·126, 60·402) = 2⁴·3³·5·7·67·101.
	tibDen = 102317040
)

// moonTab and sunTab are the equations of the moon and the sun in 1/60 of
// a day, over a whole revolution (28 and 12 steps), the quarter tables
// extended by symmetry: tab(h − i) = tab(i), tab(h + i) = −tab(i).
var (
	moonTab = [29]int64{0, 5, 10, 15, 19, 22, 24, 25, 24, 22, 19, 15, 10, 5, 0, -5, -10, -15, -19, -22, -24, -25, -24, -22, -19, -15, -10, -5, 0}
	sunTab  = [13]int64{0, 6, 10, 11, 10, 6, 0, -6, -10, -11, -10, -6, 0}
)

// tibMonth returns the true month count n of month m (1–12) of the Tibetan
// year starting in Gregorian year y, the leap month of that number when
// leap is set, and whether that month has a leap month at all.
func tibMonth(y, m int, leap bool) (n int64, hasLeap bool) {
	ms := int64(12*(y-806) + m - 3)
	ix := mod(2*ms+tibBetaStar, 65)
	hasLeap = ix == 48 || ix == 49
	n = floorDiv(67*ms+tibBetaStar, 65)
	if ix >= 48 {
		n++
	}
	if leap && hasLeap {
		n--
	}
	return n, hasLeap
}

// tibTrueDate is the true date of the end of lunar day d of true month n,
// in 1/tibDen of a day (a Julian day number and its fraction).
func tibTrueDate(n, d int64) int64 {
	// mean date, in 1/11312 day
	mean := n*334050 + d*11135 + 2015501*11312 + 9566
	// moon anomaly in 1/3528 revolution; 126 of them make a table step
	a := mod(253*n+126*d+475, 3528)
	i, f := a/126, a%126
	moon := moonTab[i]*126 + (moonTab[i+1]-moonTab[i])*f // in 1/(60·126) day
	// mean sun in 1/4824 revolution, less a quarter; 402 make a step
	s := mod(390*n+13*d+4458-1206, 4824)
	j, g := s/402, s%402
	sun := sunTab[j]*402 + (sunTab[j+1]-sunTab[j])*g // in 1/(60·402) day
	return mean*(tibDen/11312) + moon*(tibDen/7560) - sun*(tibDen/24120)
}

// tibDayEnd is the Julian day number of the calendar day on which lunar
// day d of true month n ends.
func tibDayEnd(n, d int64) int64 { return floorDiv(tibTrueDate(n, d), tibDen) }

// Losar returns the Tibetan new year (Phugpa) that falls in Gregorian year y.
func Losar(y int) time.Time {
	n, _ := tibMonth(y-1, 12, false)
	return fromJDN(tibDayEnd(n, 30) + 1)
}

// jdnUnix is the Julian day number of 1970-01-01.
const jdnUnix = 2440588

func fromJDN(jdn int64) time.Time {
	return time.Date(1970, 1, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, int(jdn-jdnUnix))
}

func toJDN(t time.Time) int64 {
	u := time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
	return jdnUnix + u.Unix()/86400
}

func floorDiv(a, b int64) int64 {
	q := a / b
	if (a%b != 0) && ((a < 0) != (b < 0)) {
		q--
	}
	return q
}

func mod(a, b int64) int64 { return a - b*floorDiv(a, b) }
