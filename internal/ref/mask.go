package ref

import (
	"strings"
	"unicode/utf8"
)

// MaskID masks an ID number for display: an 18-character number keeps its
// first 6 and last 4 characters (110105********1234), a 15-digit one the
// same (110105*****1234). The value is normalised first (see NormaliseID).
// Anything else is masked entirely: as many stars as it has characters, at
// least 4, so nothing of a malformed value leaks. An empty (or blank) value
// gives "".
func MaskID(s string) string {
	n := NormaliseID(s)
	switch {
	case len(n) == 18 && allDigits(n[:17]) && (isDigit(n[17]) || n[17] == 'X'):
		return n[:6] + "********" + n[14:]
	case len(n) == 15 && allDigits(n):
		return n[:6] + "*****" + n[11:]
	}
	return maskAll(s)
}

// MaskPhone masks a phone number for display, after NormalisePhone: a
// mobile keeps its first 3 and last 4 digits (138****5678), a landline its
// area code and the last 4 digits of the local number (021-****5678,
// 0571-***8888). A value that is not a valid number is masked entirely, as
// by MaskID; an empty (or blank) value gives "".
func MaskPhone(s string) string {
	p, ok := NormalisePhone(s)
	if !ok {
		return maskAll(s)
	}
	if isMobile(p) {
		return p[:3] + "****" + p[7:]
	}
	dash := strings.IndexByte(p, '-')
	area, local := p[:dash], p[dash+1:]
	return area + "-" + strings.Repeat("*", len(local)-4) + local[len(local)-4:]
}

// maskAll replaces every character of s, trimmed, by a star, giving at least
// four stars, or "" for a blank s.
func maskAll(s string) string {
	s = strings.TrimSpace(s)
	if s == "" {
		return ""
	}
	return strings.Repeat("*", max(4, utf8.RuneCountInString(s)))
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if !isDigit(s[i]) {
			return false
		}
	}
	return true
}
