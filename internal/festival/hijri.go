package festival

import (
	"time"

	hijri "github.com/hablullah/go-hijri"
)

// ummAlQuraLast is the last Hijri year of go-hijri's Umm al-Qura table
// (1500 AH ends on 2077-11-16); later years use the arithmetic (tabular)
// calendar, which can be a day or two off.
const ummAlQuraLast = 1500

// hijriDates returns the Gregorian dates of Hijri month m, day d that fall
// in Gregorian year y, in order (none, one, or — as Hijri years are eleven
// days shorter — two), and whether any came from the arithmetic calendar.
func hijriDates(y, m, d int) (dates []time.Time, tabular bool) {
	// A Hijri year is 354 or 355 days; the one starting in Gregorian year
	// y is about (y − 622)·33/32. Try its neighbours and keep what lands
	// in y.
	h0 := (y - 622) * 33 / 32
	for h := h0 - 1; h <= h0+2; h++ {
		var t time.Time
		if h <= ummAlQuraLast {
			t = hijri.UmmAlQuraDate{Year: int64(h), Month: int64(m), Day: int64(d)}.ToGregorian()
		} else {
			t = hijri.HijriDate{Year: int64(h), Month: int64(m), Day: int64(d), Pattern: hijri.Default}.ToGregorian()
		}
		if t.Year() == y {
			dates = append(dates, time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC))
			tabular = tabular || h > ummAlQuraLast
		}
	}
	return dates, tabular
}
