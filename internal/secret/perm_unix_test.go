//go:build unix

package secret

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// TestKeyFilePermissions: the key file is created 0600 (the data
// directory 0700) whatever the umask, stays 0600 through rotation, and a
// key file others may read or write is refused.
func TestKeyFilePermissions(t *testing.T) {
	old := syscall.Umask(0) // the most permissive umask: modes must not depend on it
	defer syscall.Umask(old)

	dir := filepath.Join(t.TempDir(), "data")
	k, err := LoadOrCreate(dir, SM4)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, FileName)
	mode := func() os.FileMode {
		fi, err := os.Stat(path)
		if err != nil {
			t.Fatal(err)
		}
		return fi.Mode()
	}
	if m := mode(); m != 0o600 {
		t.Fatalf("key file mode %v, want -rw-------", m)
	}
	if fi, err := os.Stat(dir); err != nil || fi.Mode().Perm() != 0o700 {
		t.Fatalf("data dir mode %v, %v", fi.Mode(), err)
	}
	if err := k.Rotate(); err != nil {
		t.Fatal(err)
	}
	if m := mode(); m != 0o600 {
		t.Fatalf("key file mode after rotation %v", m)
	}

	for _, perm := range []os.FileMode{0o644, 0o640, 0o604, 0o620, 0o660, 0o666} {
		os.Chmod(path, perm)
		_, err := LoadOrCreate(dir, "")
		if err == nil || !strings.Contains(err.Error(), "chmod 600") {
			t.Errorf("mode %04o: %v", perm, err)
		}
		if err := k.Rotate(); err == nil {
			t.Errorf("mode %04o: Rotate went ahead", perm)
		}
	}
	os.Chmod(path, 0o400) // read-only for the owner is fine
	if _, err := LoadOrCreate(dir, ""); err != nil {
		t.Errorf("mode 0400: %v", err)
	}
	os.Chmod(path, 0o600)
	if _, err := LoadOrCreate(dir, ""); err != nil {
		t.Errorf("mode 0600: %v", err)
	}
}

// TestKeyFileSymlink: a symlink to a regular 0600 file is followed (an
// operator may keep the key on another volume), a symlink to a directory
// is not a key file.
func TestKeyFileSymlink(t *testing.T) {
	src, _ := newTestKeys(t, AES)
	dir := t.TempDir()
	if err := os.Symlink(src.Source(), filepath.Join(dir, FileName)); err != nil {
		t.Skip(err)
	}
	k, err := LoadOrCreate(dir, "")
	if err != nil {
		t.Fatal(err)
	}
	if k.Fingerprint() != src.Fingerprint() {
		t.Fatal("symlinked key file not used")
	}
	if err := k.Rotate(); err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Lstat(filepath.Join(dir, FileName)); err != nil || fi.Mode()&os.ModeSymlink == 0 {
		t.Fatalf("Rotate replaced the symlink: %v %v", fi.Mode(), err)
	}
	again, err := LoadOrCreate(filepath.Dir(src.Source()), "")
	if err != nil || again.CurrentID() != 2 {
		t.Fatalf("the link's target was not rotated: %v", err)
	}
}
