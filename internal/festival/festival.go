// Package festival is the ethnic festival calendar: the festivals of the
// groups who keep them, their dates computed for any year 2000–2100 where
// the rule allows (lunar dates with lunar-go, Hijri dates from the Umm
// al-Qura table, Losar by the Phugpa arithmetic, fixed solar dates), and
// the official dates an office enters for a year, which override the
// computed ones. Upcoming lists the festivals of the coming weeks with the
// residents who keep them and the hardship households not yet visited.
package festival

import (
	"fmt"
	"time"

	"github.com/6tail/lunar-go/calendar"

	"shiliu/internal/ref"
)

// Rule is how a festival's date is found.
type Rule string

// The rules.
const (
	RuleLunar   Rule = "lunar"   // Chinese lunar month and day (lunar-go)
	RuleHijri   Rule = "hijri"   // Hijri month and day (Umm al-Qura)
	RuleTibetan Rule = "tibetan" // Tibetan (Phugpa) calendar
	RuleSolar   Rule = "solar"   // fixed Gregorian dates
	RuleOffice  Rule = "office"  // no rule: the office sets it each year
)

// The years the calendar is computed for.
const (
	FirstYear = 2000
	LastYear  = 2100
)

// Festival is one festival and the groups who keep it.
type Festival struct {
	ID   string
	Name string // Chinese
	Rule Rule
	// Groups are GB/T 3304 codes; All marks a festival of every group.
	Groups []string
	All    bool
	// Month and Day in the rule's calendar (lunar, Hijri, Gregorian;
	// 1-1 for Losar); Days is the length when more than one day.
	Month, Day, Days int
}

// Festivals are the festivals of DOMAIN.md, in the order they are listed.
var Festivals = []Festival{
	{ID: "spring_festival", Name: "春节", Rule: RuleLunar, All: true, Month: 1, Day: 1},
	{ID: "mid_autumn", Name: "中秋节", Rule: RuleLunar, All: true, Month: 8, Day: 15},
	{ID: "eid_al_fitr", Name: "开斋节", Rule: RuleHijri, Groups: muslim, Month: 10, Day: 1},
	{ID: "eid_al_adha", Name: "古尔邦节", Rule: RuleHijri, Groups: muslim, Month: 12, Day: 10},
	{ID: "losar", Name: "藏历新年", Rule: RuleTibetan, Groups: []string{"04", "54", "55"}, Month: 1, Day: 1},
	{ID: "naadam", Name: "那达慕", Rule: RuleOffice, Groups: []string{"02"}},
	{ID: "water_splashing", Name: "泼水节", Rule: RuleSolar, Groups: []string{"18", "46", "39", "34"}, Month: 4, Day: 13, Days: 3},
	{ID: "sanyuesan", Name: "三月三", Rule: RuleLunar, Groups: []string{"08", "09", "19", "22", "13"}, Month: 3, Day: 3},
	{ID: "torch", Name: "火把节", Rule: RuleLunar, Groups: []string{"07", "14", "27", "24", "16", "20"}, Month: 6, Day: 24},
	{ID: "panwang", Name: "盘王节", Rule: RuleLunar, Groups: []string{"13"}, Month: 10, Day: 16},
	{ID: "munaozongge", Name: "目瑙纵歌", Rule: RuleLunar, Groups: []string{"28"}, Month: 1, Day: 15},
	{ID: "nowruz", Name: "纳吾肉孜节", Rule: RuleSolar, Groups: []string{"17", "29", "05"}, Month: 3, Day: 21},
	{ID: "kuoshi", Name: "阔时节", Rule: RuleSolar, Groups: []string{"20"}, Month: 12, Day: 20},
	{ID: "sebin", Name: "瑟宾节", Rule: RuleSolar, Groups: []string{"45", "52"}, Month: 6, Day: 18},
}

// muslim are the ten groups who keep the Islamic festivals: Hui, Uygur,
// Kazak, Dongxiang, Kirgiz, Salar, Tajik, Uzbek, Bonan, Tatar.
var muslim = []string{"03", "05", "17", "26", "29", "35", "41", "43", "47", "50"}

// ByID returns the festival with the given id.
func ByID(id string) (*Festival, bool) {
	for i := range Festivals {
		if Festivals[i].ID == id {
			return &Festivals[i], true
		}
	}
	return nil, false
}

// Source says where a date comes from.
type Source string

// The sources.
const (
	Computed Source = "computed"
	Official Source = "official"
)

// Date is a festival in one year.
type Date struct {
	*Festival
	Year int
	// Date is the first day, YYYY-MM-DD; "" when unknown (a festival with
	// no rule and no official date): never a guess.
	Date string
	// End is the last day of a festival of several days, else "".
	End string
	// Also is a second occurrence in the year (an Islamic festival can
	// fall twice in one Gregorian year); Date is the first.
	Also   []string
	Source Source
	// NoteKey and NoteArgs say how the date was found, for the message
	// catalog (festival.note.*).
	NoteKey  string
	NoteArgs []any
	// The official date's record, when Source is Official.
	OfficialSource string
	SetBy          string
	SetAt          string
	// Version of the official record (0 when there is none), for the
	// form that changes it.
	Version int
}

// ValidYear reports whether y is a year the calendar is computed for.
func ValidYear(y int) bool { return y >= FirstYear && y <= LastYear }

// Compute returns the computed calendar of year y, every festival in the
// order of Festivals.
func Compute(y int) ([]Date, error) {
	if !ValidYear(y) {
		return nil, fmt.Errorf("year %d outside %d–%d", y, FirstYear, LastYear)
	}
	out := make([]Date, len(Festivals))
	for i := range Festivals {
		out[i] = compute(&Festivals[i], y)
	}
	return out, nil
}

const day = "2006-01-02"

func compute(f *Festival, y int) Date {
	d := Date{Festival: f, Year: y, Source: Computed}
	var first time.Time
	switch f.Rule {
	case RuleLunar:
		l := calendar.NewLunarFromYmd(y, f.Month, f.Day)
		s := l.GetSolar()
		first = time.Date(s.GetYear(), time.Month(s.GetMonth()), s.GetDay(), 0, 0, 0, 0, time.UTC)
		d.NoteKey, d.NoteArgs = "festival.note.lunar", []any{f.Month, f.Day}
	case RuleHijri:
		dates, tabular := hijriDates(y, f.Month, f.Day)
		d.NoteKey, d.NoteArgs = "festival.note.hijri", []any{f.Month, f.Day}
		if tabular {
			d.NoteKey = "festival.note.hijri_tabular"
		}
		if len(dates) == 0 {
			d.NoteKey = "festival.note.hijri_none"
			return d
		}
		first = dates[0]
		for _, t := range dates[1:] {
			d.Also = append(d.Also, t.Format(day))
		}
		if len(d.Also) > 0 {
			d.NoteKey += "_twice"
			d.NoteArgs = append(d.NoteArgs, d.Also[0])
		}
	case RuleTibetan:
		first = Losar(y)
		d.NoteKey = "festival.note.tibetan"
	case RuleSolar:
		first = time.Date(y, time.Month(f.Month), f.Day, 0, 0, 0, 0, time.UTC)
		d.NoteKey = "festival.note.solar"
	default:
		d.NoteKey = "festival.note.office"
		return d
	}
	d.Date = first.Format(day)
	if f.Days > 1 {
		d.End = first.AddDate(0, 0, f.Days-1).Format(day)
	}
	return d
}

// GroupNames returns the full names of the groups who keep f (回族 …),
// empty for a festival of every group (All).
func (f *Festival) GroupNames() []string {
	out := make([]string, 0, len(f.Groups))
	for _, c := range f.Groups {
		if e, ok := ref.EthnicityByCode(c); ok {
			out = append(out, e.Name)
		}
	}
	return out
}

// IDs lists the festival ids in order.
func IDs() []string {
	out := make([]string, len(Festivals))
	for i, f := range Festivals {
		out[i] = f.ID
	}
	return out
}
