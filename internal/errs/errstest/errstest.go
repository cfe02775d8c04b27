// Package errstest holds the assertions tests make about service errors,
// shared by the domain packages' tests.
package errstest

import (
	"errors"
	"testing"

	"shiliu/internal/errs"
)

// WantFields checks that err is an invalid-input error naming exactly the
// given fields with the given message keys.
func WantFields(t testing.TB, err error, want map[string]string) {
	t.Helper()
	e, ok := errs.As(err)
	if !ok || e.Kind != errs.Invalid {
		t.Fatalf("got %v, want invalid fields %v", err, want)
	}
	for k, v := range want {
		if e.Fields[k] != v {
			t.Errorf("field %s = %q, want %q (all: %v)", k, e.Fields[k], v, e.Fields)
		}
	}
	for k := range e.Fields {
		if _, ok := want[k]; !ok {
			t.Errorf("unexpected field error %s = %q", k, e.Fields[k])
		}
	}
}

// WantKind checks err's kind and, when key is not empty, its message key.
func WantKind(t testing.TB, err error, kind errs.Kind, key string) {
	t.Helper()
	e, ok := errs.As(err)
	if !ok || e.Kind != kind || (key != "" && e.Key != key) {
		t.Fatalf("got %v, want kind %d key %q", err, kind, key)
	}
}

// WantOutOfScope checks that err is the out-of-scope error (shown to users
// as not found).
func WantOutOfScope(t testing.TB, err error) {
	t.Helper()
	if !errors.Is(err, errs.ErrOutOfScope) || errs.KindOf(err) != errs.NotFound {
		t.Fatalf("got %v, want out of scope (not found)", err)
	}
}
