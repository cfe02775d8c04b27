package auth_test

import (
	"testing"

	"shiliu/internal/auth"
)

// TestScopePathRange: the range of a unit's subtree holds the unit and its
// descendants and nothing else, in particular not a sibling whose id
// starts with the unit's (4 and 40, 4 and 41/…).
func TestScopePathRange(t *testing.T) {
	s := auth.Scope{Path: "/1/4/"}
	if lo, hi := s.PathRange(); lo != "/1/4/" || hi != "/1/40" {
		t.Fatalf("range [%q, %q)", lo, hi)
	}
	for path, want := range map[string]bool{
		"/1/4/":        true,
		"/1/4/9/":      true,
		"/1/4/9/100/":  true,
		"/1/4/0/":      true, // no such id, but inside by construction
		"/1/40/":       false,
		"/1/41/":       false,
		"/1/400/":      false,
		"/1/40/4/":     false,
		"/1/3/":        false,
		"/1/5/":        false,
		"/1/":          false,
		"/2/4/":        false,
		"/1/4":         false, // not a path: no trailing slash
		"":             false,
		"/10/4/":       false,
		"/1/4/\uffff/": true,
	} {
		if got := s.Contains(path); got != want {
			t.Errorf("scope /1/4/ Contains(%q) = %v", path, got)
		}
	}
	// The zero scope (a nil actor) and malformed paths hold nothing.
	for _, z := range []auth.Scope{{}, {Path: "/1/4"}} {
		if lo, hi := z.PathRange(); lo != "" || hi != "" {
			t.Errorf("%+v: range [%q, %q)", z, lo, hi)
		}
		if z.Contains("/") || z.Contains("/1/4/") || z.Contains("") {
			t.Errorf("%+v holds a path", z)
		}
	}
	// The root holds everything.
	root := auth.Scope{Path: "/"}
	for _, p := range []string{"/", "/1/", "/40/4/"} {
		if !root.Contains(p) {
			t.Errorf("root misses %q", p)
		}
	}
}

// TestScopeReach: a liaison's reach is their group's parent, so the
// committees beside the group; everyone else's is their scope.
func TestScopeReach(t *testing.T) {
	li := auth.Scope{Path: "/1/4/12/", LiaisonUserID: 9}
	if r := li.Reach(); r.Path != "/1/4/" || r.LiaisonUserID != 9 {
		t.Fatalf("reach %+v", r)
	}
	if lo, hi := li.ReachRange(); lo != "/1/4/" || hi != "/1/40" {
		t.Fatalf("reach range [%q, %q)", lo, hi)
	}
	if !li.InReach("/1/4/13/") || li.InReach("/1/40/") || li.Contains("/1/4/13/") {
		t.Fatal("a liaison's reach is the group's parent's subtree, their scope the group's")
	}
	staff := auth.Scope{Path: "/1/4/"}
	if staff.Reach() != staff {
		t.Fatalf("staff reach %+v", staff.Reach())
	}
	if z := (auth.Scope{LiaisonUserID: 9}); z.InReach("/") {
		t.Fatal("an empty liaison scope reaches something")
	}
}
