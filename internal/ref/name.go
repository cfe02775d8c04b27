package ref

import (
	"strings"
	"unicode"
)

// MiddleDot is the standard separator of the parts of a transliterated name
// (阿依古丽·买买提): U+00B7.
const MiddleDot = '·'

// isNameDot reports the characters people type for the name dot: the
// bullet •, katakana and half-width katakana middle dots ・ ･, full-width
// full stop ．, hyphenation point ‧, bullet operator ∙, dot operator ⋅,
// one-dot leader ․, small full stop ﹒, Greek ano teleia, word separator
// middle dot, and the middle dot itself.
func isNameDot(r rune) bool {
	switch r {
	case '\u00B7', '\u2022', '\u30FB', '\uFF65', '\uFF0E', '\u2027', '\u2219',
		'\u22C5', '\u2024', '\uFE52', '\u0387', '\u2E31':
		return true
	}
	return false
}

// NormaliseName cleans up a person's name: it trims it, writes every name
// dot variant (• ・ ． ‧ ∙ and others, see isNameDot) as the standard ·
// (U+00B7), and a full stop (. or 。) between two Chinese characters too,
// merges repeated dots, turns full-width letters and digits into ASCII, and
// collapses runs of white space (including U+3000) to one space. White space
// next to a Chinese character or a dot is removed rather than kept, since
// rosters pad names for alignment (张　三 is 张三, 阿依古丽 · 买买提 is
// 阿依古丽·买买提); between Latin letters one space stays (John Smith).
func NormaliseName(s string) string {
	rs := make([]rune, 0, len(s))
	space := false // white space seen since the last rune kept
	for _, r := range s {
		switch {
		case unicode.IsSpace(r) || isZeroWidth(r):
			space = true
			continue
		case isNameDot(r):
			r = MiddleDot
		case r >= 0xFF01 && r <= 0xFF5E:
			r = foldWidth(r)
		}
		if len(rs) > 0 {
			last := rs[len(rs)-1]
			if r == MiddleDot && last == MiddleDot {
				space = false
				continue
			}
			if space && !isWideNameRune(last) && !isWideNameRune(r) {
				rs = append(rs, ' ')
			}
		}
		space = false
		rs = append(rs, r)
	}
	// Full stops between Chinese characters are name dots.
	for i := 1; i+1 < len(rs); i++ {
		if (rs[i] == '.' || rs[i] == '。') && unicode.Is(unicode.Han, rs[i-1]) && unicode.Is(unicode.Han, rs[i+1]) {
			rs[i] = MiddleDot
		}
	}
	// A converted full stop may now touch a dot.
	out := rs[:0]
	for _, r := range rs {
		if r == MiddleDot && len(out) > 0 && out[len(out)-1] == MiddleDot {
			continue
		}
		out = append(out, r)
	}
	return strings.TrimSpace(string(out))
}

// isWideNameRune reports runes next to which white space in a name is
// padding: Chinese characters and the name dot.
func isWideNameRune(r rune) bool {
	return r == MiddleDot || unicode.Is(unicode.Han, r)
}
