// Package errs gives errors a kind, so that one place (the web layer) maps
// them to a status and a safe message, while logs keep the detail.
package errs

import (
	"errors"
	"fmt"
)

// Kind classifies an error for the user.
type Kind int

// The kinds of error a service returns.
const (
	Internal  Kind = iota // a bug or an outage: the user sees a generic message
	NotFound              // no such thing, or not in the user's scope
	Invalid               // bad input: the message says what to fix
	Forbidden             // the user's role does not allow it
	Conflict              // someone else changed it, or it already exists
	Unauthenticated
)

// Error is an error with a kind, a message key for the user (looked up in
// the message catalog) and optional per-field messages for forms.
type Error struct {
	Kind Kind
	// Key is a message-catalog key; Args fill its placeholders.
	Key  string
	Args []any
	// Fields maps a form field to a message key, for inline errors.
	Fields map[string]string
	// Err is the cause, for the logs.
	Err error
}

func (e *Error) Error() string {
	s := e.Key
	if len(e.Args) > 0 {
		s += fmt.Sprint(e.Args)
	}
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	return s
}

func (e *Error) Unwrap() error { return e.Err }

// E makes an error of kind with a catalog key.
func E(kind Kind, key string, args ...any) *Error {
	return &Error{Kind: kind, Key: key, Args: args}
}

// Wrap makes an error of kind with a catalog key and a cause.
func Wrap(kind Kind, err error, key string, args ...any) *Error {
	return &Error{Kind: kind, Key: key, Args: args, Err: err}
}

// InvalidFields is a validation error with per-field messages.
func InvalidFields(fields map[string]string) *Error {
	return &Error{Kind: Invalid, Key: "err.invalid_form", Fields: fields}
}

// KindOf returns the kind of err, Internal when it has none.
func KindOf(err error) Kind {
	var e *Error
	if errors.As(err, &e) {
		return e.Kind
	}
	return Internal
}

// As returns err as *Error when it is one.
func As(err error) (*Error, bool) {
	var e *Error
	ok := errors.As(err, &e)
	return e, ok
}

// ErrNotFound is the generic not-found error.
var ErrNotFound = E(NotFound, "err.not_found")

// ErrOutOfScope is returned when a record exists but lies outside the
// actor's scope. Users see it as not found (so nothing leaks about what
// exists elsewhere); the web layer also records it as a denied access.
var ErrOutOfScope = E(NotFound, "err.not_found")

// ErrForbidden is returned when the actor's role does not allow the action.
var ErrForbidden = E(Forbidden, "err.forbidden")
