package auth_test

import (
	"errors"
	"strings"
	"testing"

	"shiliu/internal/auth"
	"shiliu/internal/errs"
)

func TestPasswordHash(t *testing.T) {
	p := auth.TestArgon2()
	h, err := p.Hash("correct-horse-battery")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(h, "$argon2id$v=19$m=1024,t=1,p=2$") {
		t.Fatalf("hash %q does not carry its parameters", h)
	}
	if !auth.CheckPassword(h, "correct-horse-battery") {
		t.Fatal("the right password is refused")
	}
	for _, wrong := range []string{"", "correct-horse-batterY", "correct-horse-battery ", "correct-horse"} {
		if auth.CheckPassword(h, wrong) {
			t.Errorf("wrong password %q accepted", wrong)
		}
	}
	// A second hash of the same password has its own salt.
	h2, _ := p.Hash("correct-horse-battery")
	if h2 == h || !auth.CheckPassword(h2, "correct-horse-battery") {
		t.Fatal("hashes are not salted")
	}
	// Malformed hashes never match.
	parts := strings.Split(h, "$")
	for _, bad := range []string{"", "plain", "$argon2i$" + strings.Join(parts[2:], "$"), strings.Join(parts[:5], "$"),
		strings.Replace(h, "m=1024", "m=x", 1), h[:len(h)-1] + "!"} {
		if auth.CheckPassword(bad, "correct-horse-battery") {
			t.Errorf("malformed hash %q accepted", bad)
		}
	}
}

// TestPasswordParams: hashes carry their parameters, so changing the
// service's never breaks stored passwords; the zero value is production's.
func TestPasswordParams(t *testing.T) {
	if d := auth.DefaultArgon2(); d != (auth.Argon2{Time: 1, MemoryKiB: 64 << 10, Threads: 2}) {
		t.Fatalf("default parameters %+v", d)
	}
	cheap, err := auth.Argon2{Time: 2, MemoryKiB: 512, Threads: 1}.Hash("pw-made-cheaply")
	if err != nil || !strings.Contains(cheap, "$m=512,t=2,p=1$") {
		t.Fatalf("custom parameters: %q, %v", cheap, err)
	}
	if !auth.CheckPassword(cheap, "pw-made-cheaply") {
		t.Fatal("a hash made with other parameters is refused")
	}
	if testing.Short() {
		return
	}
	def, err := auth.Argon2{}.Hash("pw-made-dearly")
	if err != nil || !strings.Contains(def, "$m=65536,t=1,p=2$") || !auth.CheckPassword(def, "pw-made-dearly") {
		t.Fatalf("zero parameters: %q, %v", def, err)
	}
}

func TestValidatePassword(t *testing.T) {
	for pw, want := range map[string]string{
		"short":                  "err.password_short",
		strings.Repeat("长", 129): "err.password_long",
		"Password1234":           "err.password_common",
		"my-name-is-wangfang-ok": "err.password_has_username",
		"a-good-long-passphrase": "",
		strings.Repeat("长", 12):  "",
	} {
		err := auth.ValidatePassword(pw, "WangFang")
		var e *errs.Error
		got := ""
		if errors.As(err, &e) {
			got = e.Fields["password"]
		} else if err != nil {
			got = err.Error()
		}
		if got != want {
			t.Errorf("%q: %v, want %q", pw, err, want)
		}
	}
	if a, b := auth.RandomPassword(), auth.RandomPassword(); a == b || len(a) != 16 || auth.ValidatePassword(a, "") != nil {
		t.Errorf("random passwords %q %q", a, b)
	}
}
