package cli_test

import (
	"strings"
	"testing"
)

// report summary refuses an unknown code, a year with nothing counted and
// a format it does not write, each with its reason. (What it writes is
// tested where the summary is made: figures.Report with the approvals.)
func TestReportSummary(t *testing.T) {
	data := t.TempDir()
	common := []string{"--data", data}
	sh := func(args ...string) (string, string, error) {
		t.Helper()
		return run(t, "", append(args, common...)...)
	}
	if _, _, err := sh("org", "add", "S1", "和平街道", "街道"); err != nil {
		t.Fatal(err)
	}
	if _, _, err := sh("org", "add", "C1", "福安里居委会", "居委", "--parent", "S1"); err != nil {
		t.Fatal(err)
	}
	if _, _, err := sh("report", "summary", "--year", "2026", "--org", "NOPE"); err == nil || !strings.Contains(err.Error(), `"NOPE"`) {
		t.Errorf("an unknown code: %v", err)
	}
	if _, _, err := sh("report", "summary", "--year", "2026", "--org", "S1"); err == nil || !strings.Contains(err.Error(), "和平街道") {
		t.Errorf("a year with nothing counted: %v", err)
	}
	if _, _, err := sh("report", "summary", "--year", "2026", "--org", "S1", "--format", "docx"); err == nil {
		t.Errorf("docx accepted")
	} else if !strings.Contains(err.Error(), "json") {
		t.Errorf("docx refused without saying what it writes: %v", err)
	}
}
