package auth_test

import (
	"flag"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"shiliu/internal/auth"
)

// update rewrites the golden files from the code. Review the diff: the
// committed file, not the table, is what the tests hold the code to.
var update = flag.Bool("update", false, "rewrite testdata/*.golden from the code")

// golden compares got with testdata/name byte for byte (or rewrites it
// under -update).
func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if got != string(want) {
		t.Errorf("%s differs from the code; a changed grant must change the golden file too (go test -update, then review the diff)\n--- code\n%s--- %s\n%s", path, got, path, want)
	}
}

// TestRolesGolden pins every role's permissions to testdata/roles.golden,
// written out by hand, so that a wrong grant in roles.go fails here even
// though the access matrix (which reads the same table) would pass.
func TestRolesGolden(t *testing.T) {
	var b strings.Builder
	for _, r := range auth.Roles {
		ps := r.Permissions()
		names := make([]string, len(ps))
		for i, p := range ps {
			names[i] = string(p)
		}
		slices.Sort(names)
		b.WriteString(string(r) + ": " + strings.Join(names, " ") + "\n")
	}
	golden(t, "roles.golden", b.String())
}

// TestRolesSeparation: the rules of 三员分立 and of leaders, stated
// independently of the table. The IT administrators hold nothing on
// residents (no person.*, case.*, pairing.* permission, no figures either),
// and a leader sees figures and emergencies but never reveals or edits.
func TestRolesSeparation(t *testing.T) {
	for _, r := range []auth.Role{auth.SysAdmin, auth.SecAdmin, auth.AuditAdmin} {
		for _, p := range r.Permissions() {
			for _, prefix := range []string{"person.", "case.", "pairing.", "figure."} {
				if strings.HasPrefix(string(p), prefix) {
					t.Errorf("%s holds %s: the IT administrators see no residents' data", r, p)
				}
			}
		}
	}
	// Each IT role holds what the others do not: users (sys), security
	// (sec), the audit log (audit).
	only := map[auth.Permission]auth.Role{auth.UserManage: auth.SysAdmin, auth.UserSecurity: auth.SecAdmin, auth.AuditView: auth.AuditAdmin}
	for p, owner := range only {
		for _, r := range []auth.Role{auth.SysAdmin, auth.SecAdmin, auth.AuditAdmin} {
			if r != owner && r.Has(p) {
				t.Errorf("%s holds %s, which is %s's alone among the IT roles", r, p, owner)
			}
		}
	}
	for _, r := range auth.Roles {
		if r.Has(auth.AuditView) && r != auth.AuditAdmin {
			t.Errorf("%s reads the audit log; only the audit administrator does", r)
		}
	}
	for _, p := range auth.Leader.Permissions() {
		if p == auth.PersonReveal || p == auth.PersonView || strings.HasSuffix(string(p), ".edit") || p == auth.PersonImport || p == auth.PersonExport ||
			p == auth.CaseHandle || p == auth.CaseAssign || p == auth.CaseView {
			t.Errorf("leader holds %s: leaders see figures and emergencies, never names, full values or edits", p)
		}
	}
	for _, r := range auth.Roles {
		if !r.Has(auth.Self) {
			t.Errorf("%s lacks self", r)
		}
		if r.Has(auth.Public) {
			t.Errorf("%s is granted public, which is never granted", r)
		}
	}
}
