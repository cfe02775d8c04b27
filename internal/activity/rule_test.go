package activity

import (
	"slices"
	"testing"
)

// The dates below were read off a calendar by hand.
func TestRuleDates(t *testing.T) {
	cases := []struct {
		name, rule, first, through string
		want                       []string
		describe                   string
	}{
		{"second and fourth Wednesday", "FREQ=MONTHLY;BYDAY=2WE,4WE", "2027-01-01", "2027-03-31",
			[]string{"2027-01-13", "2027-01-27", "2027-02-10", "2027-02-24", "2027-03-10", "2027-03-24"}, "每月第二、四个周三"},
		{"a term of 12 Wednesdays", "FREQ=WEEKLY;BYDAY=WE;COUNT=12", "2027-03-03", "2027-12-31",
			[]string{"2027-03-03", "2027-03-10", "2027-03-17", "2027-03-24", "2027-03-31", "2027-04-07", "2027-04-14", "2027-04-21",
				"2027-04-28", "2027-05-05", "2027-05-12", "2027-05-19"}, "每周周三，共12次"},
		{"fortnightly Monday and Thursday", "FREQ=WEEKLY;INTERVAL=2;BYDAY=TH,MO", "2026-12-07", "2026-12-31",
			[]string{"2026-12-07", "2026-12-10", "2026-12-21", "2026-12-24"}, "每两周周一、周四"},
		{"a first date off the rule is not an occurrence", "FREQ=WEEKLY;BYDAY=WE", "2026-12-07", "2026-12-20",
			[]string{"2026-12-09", "2026-12-16"}, "每周周三"},
		{"the last Friday", "FREQ=MONTHLY;BYDAY=-1FR;UNTIL=2027-02-15", "2026-12-01", "2027-12-31",
			[]string{"2026-12-25", "2027-01-29"}, "每月最后一个周五，至2027-02-15"},
		{"no fifth Monday in February", "FREQ=MONTHLY;BYDAY=5MO", "2027-01-01", "2027-03-31",
			[]string{"2027-03-29"}, "每月第五个周一"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r, err := ParseRule(c.rule)
			if err != nil {
				t.Fatal(err)
			}
			if got := r.Dates(c.first, c.through); !slices.Equal(got, c.want) {
				t.Errorf("Dates = %v, want %v", got, c.want)
			}
			if got := r.Describe(); got != c.describe {
				t.Errorf("Describe = %q, want %q", got, c.describe)
			}
			again, err := ParseRule(r.String())
			if err != nil || again.String() != r.String() {
				t.Errorf("round trip %q → %q (%v)", r.String(), again.String(), err)
			}
		})
	}
}

// A longer horizon extends the same list: the first dates do not move.
func TestRuleDatesExtend(t *testing.T) {
	r, _ := ParseRule("FREQ=MONTHLY;BYDAY=2WE,4WE")
	short, long := r.Dates("2027-01-01", "2027-02-28"), r.Dates("2027-01-01", "2027-06-30")
	if len(long) != 12 || !slices.Equal(long[:len(short)], short) {
		t.Errorf("short %v, long %v", short, long)
	}
}

func TestRuleRefused(t *testing.T) {
	for _, s := range []string{"FREQ=DAILY;BYDAY=MO", "FREQ=WEEKLY", "FREQ=WEEKLY;BYDAY=2MO", "FREQ=MONTHLY;BYDAY=MO",
		"FREQ=WEEKLY;BYDAY=XX", "FREQ=WEEKLY;BYDAY=MO;COUNT=401", "FREQ=WEEKLY;BYDAY=MO;UNTIL=2027-13-01", "FREQ=MONTHLY;BYDAY=6MO", "BYDAY"} {
		if _, err := ParseRule(s); err == nil {
			t.Errorf("%q accepted", s)
		}
	}
}
