package people

import (
	"strconv"
	"strings"
)

// searchBody is what the full-text index person_search holds of a person
// (SQLite; see migration 0007): each character of the name (the first
// marked with firstMark: a surname's bearers are then told from those who
// have it elsewhere in the name), each pair of adjacent characters, and
// the filters' values as words. It spells the
// same words as the view person_search_body, which the triggers use; a
// large import computes them here, on the workers, instead (a test holds
// the two to each other).
// firstMark marks the first character of a name in person_search: a
// private-use character, which the tokenizer keeps in the word (category
// Co) and no name holds.
const firstMark = '\ue000'

func searchBody(name, ethnicity string, kind, tags int) string {
	var b strings.Builder
	b.Grow(4*len(name) + 40)
	rs := []rune(name)
	for i, r := range rs {
		if i > 0 {
			b.WriteByte(' ')
		} else {
			b.WriteRune(firstMark)
		}
		b.WriteRune(r)
		b.WriteByte(' ')
		b.WriteRune(r)
		if i+1 < len(rs) {
			b.WriteRune(rs[i+1])
		}
	}
	b.WriteString(" eth")
	b.WriteString(ethnicity)
	b.WriteString(" kind")
	b.WriteString(strconv.Itoa(kind))
	if ethnicity != "01" {
		b.WriteString(" min")
	}
	for bit := 0; bit < 16; bit++ {
		if tags&(1<<bit) != 0 {
			b.WriteString(" tag")
			b.WriteString(strconv.Itoa(1 << bit))
		}
	}
	return b.String()
}
