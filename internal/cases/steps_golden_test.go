package cases_test

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"shiliu/internal/cases"
)

// update rewrites testdata/steps.golden from cases.Steps. Review the diff:
// the committed file, not the table, is what the test holds the code to.
var update = flag.Bool("update", false, "rewrite testdata/*.golden from the code")

// TestStepsGolden pins the workflow's rows (action, from, to, permission,
// emergencies only) to testdata/steps.golden, written out as text, so that
// a wrong row in cases.Steps fails here even though TestStateMachine (which
// walks the same table) would pass. Rows are in the table's order: the
// first matching row wins, so order matters.
func TestStepsGolden(t *testing.T) {
	var b strings.Builder
	for _, st := range cases.Steps {
		line := fmt.Sprintf("%-9s %-12s -> %-12s %s", st.Action, st.From, st.To, st.Perm)
		if st.EmergencyOnly {
			line += " emergency-only"
		}
		b.WriteString(line + "\n")
	}
	path := filepath.Join("testdata", "steps.golden")
	if *update {
		if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if b.String() != string(want) {
		t.Errorf("cases.Steps differs from %s; a changed row must change the golden file too (go test -update, then review the diff)\n--- code\n%s--- %s\n%s", path, b.String(), path, want)
	}
}
