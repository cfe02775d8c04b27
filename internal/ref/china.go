package ref

import (
	"time"
	"unicode/utf8"
)

// China is China Standard Time, UTC+8 all year (no daylight saving): the
// zone of "today", of office hours and of deadlines everywhere in Shiliu. A
// fixed zone needs no time-zone database, which a Windows office PC may
// lack.
var China = time.FixedZone("CST", 8*3600)

// TooLong reports whether s has more than n characters. Limits count
// characters, not bytes, so that a Chinese name is held to the same length
// as a Latin one.
func TooLong(s string, n int) bool { return utf8.RuneCountInString(s) > n }
