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

// Argon2id parameters (t=1, 64 MiB, p=2: about 0.1 s a hash on a 2-core
// machine). Tests may lower Memory to run faster; stored hashes carry their
// own parameters, so changing these never breaks existing passwords.
var (
	ArgonTime    uint32 = 1
	ArgonMemory  uint32 = 64 * 1024
	ArgonThreads uint8  = 2
)

// HashPassword returns an encoded argon2id hash of pw.
func HashPassword(pw string) (string, error) {
	salt := make([]byte, 16)
	if _, err := rand.Read(salt); err != nil {
		return "", err
	}
	key := argon2.IDKey([]byte(pw), salt, ArgonTime, ArgonMemory, ArgonThreads, 32)
	enc := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=19$m=%d,t=%d,p=%d$%s$%s", ArgonMemory, ArgonTime, ArgonThreads, enc.EncodeToString(salt), enc.EncodeToString(key)), nil
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

// dummyHash is checked against when the user does not exist, so that a
// login for an unknown name takes as long as one with a wrong password.
var dummyHash, _ = HashPassword("shiliu-no-such-user")

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
