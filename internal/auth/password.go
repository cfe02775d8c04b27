package auth

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"fmt"
	"strings"
	"unicode/utf8"

	"golang.org/x/crypto/argon2"

	"shiliu/internal/errs"
)

// Argon2 holds the argon2id parameters new password hashes are made with.
// Stored hashes carry their own, so changing these never breaks existing
// passwords. The zero value means DefaultArgon2.
type Argon2 struct {
	Time      uint32
	MemoryKiB uint32
	Threads   uint8
}

// DefaultArgon2 returns production's parameters: t=1, 64 MiB, p=2, about
// 0.1 s a hash on a 2-core machine.
func DefaultArgon2() Argon2 { return Argon2{Time: 1, MemoryKiB: 64 << 10, Threads: 2} }

// TestArgon2 returns parameters for tests: 1 MiB instead of 64, so that
// the hundreds of accounts a suite creates hash in milliseconds. Never for
// real accounts.
func TestArgon2() Argon2 { return Argon2{Time: 1, MemoryKiB: 1 << 10, Threads: 2} }

// orDefault is p, or DefaultArgon2 for the zero value.
func (p Argon2) orDefault() Argon2 {
	if p == (Argon2{}) {
		return DefaultArgon2()
	}
	return p
}

// Hash returns an encoded argon2id hash of pw made with p.
func (p Argon2) Hash(pw string) (string, error) {
	p = p.orDefault()
	salt := make([]byte, 16)
	if _, err := rand.Read(salt); err != nil {
		return "", err
	}
	key := argon2.IDKey([]byte(pw), salt, p.Time, p.MemoryKiB, p.Threads, 32)
	enc := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=19$m=%d,t=%d,p=%d$%s$%s", p.MemoryKiB, p.Time, p.Threads, enc.EncodeToString(salt), enc.EncodeToString(key)), nil
}

// CheckPassword reports whether pw matches the encoded hash.
func CheckPassword(encoded, pw string) bool {
	parts := strings.Split(encoded, "$")
	if len(parts) != 6 || parts[1] != "argon2id" {
		return false
	}
	var m, t uint32
	var p uint8
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &m, &t, &p); err != nil {
		return false
	}
	enc := base64.RawStdEncoding
	salt, err := enc.DecodeString(parts[4])
	if err != nil {
		return false
	}
	want, err := enc.DecodeString(parts[5])
	if err != nil {
		return false
	}
	got := argon2.IDKey([]byte(pw), salt, t, m, p, uint32(len(want)))
	return subtle.ConstantTimeCompare(got, want) == 1
}

// commonPasswords are refused whatever their length (a short list of the
// passwords people pick most; length does the rest).
var commonPasswords = map[string]bool{
	"123456789012": true, "1234567890123": true, "password1234": true, "qwertyuiop12": true,
	"aaaaaaaaaaaa": true, "111111111111": true, "000000000000": true, "abc123456789": true,
	"passw0rd1234": true, "admin1234567": true, "shiliu123456": true, "1qaz2wsx3edc": true,
	"qwer1234qwer": true, "woaini123456": true, "zxcvbnm12345": true, "a12345678910": true,
}

// MinPasswordLen and MaxPasswordLen bound passwords, in characters.
const (
	MinPasswordLen = 12
	MaxPasswordLen = 128
)

// ValidatePassword checks a new password against the policy.
func ValidatePassword(pw, username string) error {
	n := utf8.RuneCountInString(pw)
	switch {
	case n < MinPasswordLen:
		return errs.InvalidFields(map[string]string{"password": "err.password_short"})
	case n > MaxPasswordLen:
		return errs.InvalidFields(map[string]string{"password": "err.password_long"})
	case commonPasswords[strings.ToLower(pw)]:
		return errs.InvalidFields(map[string]string{"password": "err.password_common"})
	case username != "" && strings.Contains(strings.ToLower(pw), strings.ToLower(username)):
		return errs.InvalidFields(map[string]string{"password": "err.password_has_username"})
	}
	return nil
}

// RandomPassword returns a password for printing once (demo accounts, reset).
func RandomPassword() string {
	const alphabet = "abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	for i := range b {
		b[i] = alphabet[int(b[i])%len(alphabet)]
	}
	return string(b)
}
