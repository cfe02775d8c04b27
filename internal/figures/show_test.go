package figures_test

import (
	"testing"

	"shiliu/internal/figures"
)

// A leader looking at a committee sees counts under 5 as "<5"; in a
// breakdown with one small cell the next-smallest is hidden too, and a
// share over a hidden count is hidden.
func TestShowSuppresses(t *testing.T) {
	vals := map[string]figures.Value{
		"minority_registered":   {ID: "minority_registered", Available: true, Number: 3},
		"registered_population": {ID: "registered_population", Available: true, Number: 5000},
		"minority_share_pct":    {ID: "minority_share_pct", Available: true, Number: 0.1},
		"ethnic_breakdown": {ID: "ethnic_breakdown", Available: true, Number: 27, Parts: []figures.Part{
			{Key: "回族", Code: "03", Count: 12}, {Key: "满族", Code: "11", Count: 8}, {Key: "蒙古族", Code: "02", Count: 2}, {Key: "壮族", Code: "08", Count: 5}}},
	}
	sh := figures.Show(vals, true)
	if g := sh["minority_registered"].Text; g != "<5" {
		t.Errorf("3 shows as %q", g)
	}
	if g := sh["registered_population"].Text; g != "5000" {
		t.Errorf("a base figure shows as %q", g)
	}
	if !sh["minority_share_pct"].Suppressed {
		t.Errorf("the share over a hidden count shows: %q", sh["minority_share_pct"].Text)
	}
	var hidden []string
	for _, c := range sh["ethnic_breakdown"].Cells {
		if c.Suppressed {
			hidden = append(hidden, c.Key)
		}
	}
	if len(hidden) != 2 || hidden[0] != "蒙古族" || hidden[1] != "壮族" {
		t.Errorf("hidden cells %v, want 蒙古族 (2) and 壮族 (the next smallest, 5)", hidden)
	}
	if figures.Show(vals, false)["minority_registered"].Text != "3" {
		t.Error("without suppression 3 does not show")
	}
	if l := figures.Link("ethnic_breakdown", 7, figures.Year(2026), "03"); l != "/figures/ethnic_breakdown?key=03&org=7&year=2026" {
		t.Errorf("link %s", l)
	}
}
