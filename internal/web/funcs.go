package web

import (
	"html/template"
	"math"
	"slices"
	"strconv"

	"shiliu/internal/activity"

	"shiliu/internal/cases"
	"shiliu/internal/partner"
	"shiliu/internal/people"
	"shiliu/internal/ref"
)

// domainFuncs are the template functions that show or list domain values.
// They need neither the request nor the actor, so they are functions of
// every template rather than methods of Page (which keeps what depends on
// the page: its language, T and Eth, and its actor, Can and the
// workflow's Allowed).
var domainFuncs = template.FuncMap{
	// atoi reads a number in a template ("2" → 2; 0 when it is none).
	"atoi": func(s string) int { n, _ := strconv.Atoi(s); return n },
	// hasID reports whether ids holds id (a multiple select's choices).
	"hasID": func(ids []int64, id int64) bool { return slices.Contains(ids, id) },
	// list makes a list of strings, for the choices of a select.
	"list": func(xs ...string) []string { return xs },
	// weekdays are ISO weekdays 1 (Monday) … 7, for recurrence forms.
	"weekdays": func() []int { return []int{1, 2, 3, 4, 5, 6, 7} },
	// hoursOf shows minutes as hours with at most one decimal: 90 → 1.5.
	"hoursOf":     func(minutes int) string { return strconv.FormatFloat(math.Round(float64(minutes)/6)/10, 'f', -1, 64) },
	"hourSources": func() []activity.Source { return activity.Sources },
	// partnerTypes lists the kinds of partner organisation.
	"partnerTypes": func() []partner.Type { return partner.Types },
	// The lists of case forms and filters.
	"caseKinds":    func() []cases.Kind { return cases.Kinds },
	"caseChannels": func() []cases.Channel { return cases.Channels },
	"caseStatuses": func() []cases.Status { return cases.Statuses },
	"caseResults":  func() []cases.Result { return cases.Results },
	// ethnicities lists the GB/T 3304 groups for filters and forms.
	"ethnicities": func() []ref.Ethnicity { return ref.Ethnicities },
	// province names the province of a GB/T 2260 region code.
	"province": func(region string) string { name, _ := ref.ProvinceName(region); return name },
	// tagList lists the person tags' keys for filters and forms.
	"tagList": func() []string {
		var out []string
		for _, t := range people.AllTags {
			out = append(out, t.Key)
		}
		return out
	},
	// hasTag reports whether a tag set holds the tag with the given key.
	"hasTag": func(ts people.Tags, key string) bool {
		t, ok := people.ParseTag(key)
		return ok && ts.Has(t)
	},
	// today is today's date in China, for ages and date defaults.
	"today": func() string { return now().In(ref.China).Format("2006-01-02") },
	// yuan shows an amount in fen as yuan: 12345 → 123.45.
	"yuan": func(cents int64) string { return strconv.FormatFloat(float64(cents)/100, 'f', 2, 64) },
	// money shows fen as yuan with thousands grouped: 123456789 → 1,234,567.89.
	"money": func(fen int64) string {
		sign := ""
		if fen < 0 {
			sign, fen = "-", -fen
		}
		return sign + fmtNum(int(fen/100)) + "." + strconv.FormatInt(100+fen%100, 10)[1:]
	},
}
