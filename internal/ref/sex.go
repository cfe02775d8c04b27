package ref

import "strings"

// Sex codes of GB/T 2261.1.
const (
	SexMale   = 1
	SexFemale = 2
)

// ParseSex reads a sex as written in a roster and returns its GB/T 2261.1
// code: 男, 男性, M, Male or 1 give 1; 女, 女性, F, Female or 2 give 2 (letters
// in any case, full-width forms and surrounding space accepted). Anything
// else, including the codes 0 (unknown) and 9 (not stated), gives false.
func ParseSex(s string) (int, bool) {
	switch strings.ToLower(compactWidth(s)) {
	case "男", "男性", "m", "male", "1":
		return SexMale, true
	case "女", "女性", "f", "female", "2":
		return SexFemale, true
	}
	return 0, false
}
