package ref

import "strings"

// NormalisePhone reads a mainland China phone number as written in a
// roster. It ignores white space, dashes, parentheses and full-width forms,
// and a leading +86, 0086 or 86 (the international forms; "+86 21 …" gets
// its trunk 0 back).
//
// A mobile number (1, then 3–9, then nine digits, possibly after the
// long-distance 0 once dialled before another city's mobiles) is returned as
// its 11 digits: "13812345678". A landline number (an area code of 0 and two
// or three digits, then a local number of 7 or 8 digits not starting with 0)
// is returned as "021-12345678" or "0571-8888888"; the area code's length
// follows the national plan: 010 and 02x have two digits after the 0, all
// others three. Anything else, including numbers without an area code and
// extensions, gives false.
func NormalisePhone(s string) (string, bool) {
	s = compactWidth(s)
	if s == "" {
		return "", false
	}
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range s {
		switch r {
		case '-', '‐', '‑', '–', '—', '－', '(', ')', '（', '）':
			continue
		}
		b.WriteRune(r)
	}
	p := b.String()
	intl := false
	switch {
	case strings.HasPrefix(p, "+86"):
		p, intl = p[3:], true
	case strings.HasPrefix(p, "0086"):
		p, intl = p[4:], true
	case len(p) == 13 && strings.HasPrefix(p, "861"):
		p, intl = p[2:], true
	}
	if p == "" {
		return "", false
	}
	for i := 0; i < len(p); i++ {
		if p[i] < '0' || p[i] > '9' {
			return "", false
		}
	}
	if intl && p[0] != '0' && p[0] != '1' {
		p = "0" + p
	}
	if isMobile(p) {
		return p, true
	}
	if len(p) == 12 && p[0] == '0' && isMobile(p[1:]) {
		// A mobile dialled with the long-distance 0 of old.
		return p[1:], true
	}
	area, local, ok := splitLandline(p)
	if !ok {
		return "", false
	}
	return area + "-" + local, true
}

// isMobile reports an 11-digit mainland mobile number, ^1[3-9]\d{9}$, given
// a string of ASCII digits.
func isMobile(p string) bool {
	return len(p) == 11 && p[0] == '1' && p[1] >= '3'
}

// splitLandline splits a string of ASCII digits into area code and local
// number.
func splitLandline(p string) (area, local string, ok bool) {
	if len(p) < 3 || p[0] != '0' {
		return "", "", false
	}
	n := 4
	switch p[1] {
	case '0':
		return "", "", false
	case '1':
		if p[2] != '0' {
			return "", "", false
		}
		n = 3
	case '2':
		n = 3
	}
	if len(p) < n {
		return "", "", false
	}
	area, local = p[:n], p[n:]
	if len(local) < 7 || len(local) > 8 || local[0] == '0' {
		return "", "", false
	}
	return area, local, true
}
