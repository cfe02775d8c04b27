// Package e2e holds Shiliu's browser end-to-end tests. They start the real
// program in-process (`shiliu serve --demo` on a fresh data directory and a
// free port), read the demo accounts from the table it prints, and drive a
// headless Chromium through the UI as a user would:
//
//	SHILIU_TEST_BROWSER=1 go test ./e2e/ -count=1 -v
//
// The browser is /usr/bin/chromium or chromium on PATH, or the binary that
// SHILIU_CHROMIUM names. Without one the tests skip, unless
// SHILIU_TEST_BROWSER is set: then a missing browser fails them, so CI
// cannot pass by skipping. On a failure, a screenshot and the page's HTML
// are written to e2e/testdata/failures (ignored by git).
package e2e
