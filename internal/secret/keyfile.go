package secret

import (
	"bytes"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"time"
)

// FileName is the key file's name inside the data directory.
const FileName = "shiliu.key"

// EnvVar is the environment variable that, when set, gives the keys
// instead of the key file (see the package documentation for its forms).
const EnvVar = "SHILIU_KEY"

const (
	fileVersion = 1
	fileNote    = "Shiliu instance keys. Back this file up apart from the database and keep it mode 0600: without it the encrypted fields cannot be read. Never commit or share it."
	maxFileSize = 1 << 20
)

// keyFile is the JSON document of the key file and of SHILIU_KEY's long
// form.
type keyFile struct {
	Note           string     `json:"note,omitempty"`
	Version        int        `json:"version"`
	Algorithm      string     `json:"algorithm"`
	Current        uint32     `json:"current"`
	IndexAlgorithm string     `json:"index_algorithm"`
	IndexKey       string     `json:"index_key"`
	Keys           []keyEntry `json:"keys"`
}

type keyEntry struct {
	ID        uint32 `json:"id"`
	Algorithm string `json:"algorithm"`
	Key       string `json:"key"`
	Created   string `json:"created,omitempty"`
}

// LoadOrCreate returns the instance's keys.
//
// When the environment variable SHILIU_KEY is set, the keys come from it
// (base64 of 64 random bytes, or a key-file JSON document; see the package
// documentation) and no file is read or written; set but empty is an error,
// not a fallback. Otherwise it reads dataDir/shiliu.key, or creates it
// (and dataDir, mode 0700) with fresh random keys, mode 0600, when it does
// not exist. An existing key file readable or writable by group or others
// is refused.
//
// algorithm is [AES], [SM4] or "": "" means whatever the existing file
// says, and AES for a new file or the short SHILIU_KEY form. A file (or
// JSON SHILIU_KEY) whose current key uses another algorithm than the one
// asked for is an error: switch with [Keys.RotateTo]. The blind-index
// algorithm is chosen when the file is created (HMAC-SM3 for SM4,
// HMAC-SHA256 for AES) and stays.
func LoadOrCreate(dataDir string, algorithm string) (*Keys, error) {
	if algorithm != "" && algorithm != AES && algorithm != SM4 {
		return nil, fmt.Errorf("secret: unknown algorithm %q (want %s or %s)", algorithm, AES, SM4)
	}
	if v, ok := os.LookupEnv(EnvVar); ok {
		k, err := fromEnv(v, algorithm)
		if err != nil {
			return nil, fmt.Errorf("secret: %s: %w", EnvVar, err)
		}
		return k, nil
	}
	if dataDir == "" {
		return nil, errors.New("secret: no data directory for the key file")
	}
	path := filepath.Join(dataDir, FileName)
	k, err := loadFile(path, algorithm)
	if err == nil || !errors.Is(err, fs.ErrNotExist) {
		return k, err
	}
	k, err = createFile(path, algorithm)
	if errors.Is(err, fs.ErrExist) { // another process created it first
		return loadFile(path, algorithm)
	}
	return k, err
}

// fromEnv parses SHILIU_KEY. Errors never quote the value.
func fromEnv(v, algorithm string) (*Keys, error) {
	v = strings.TrimSpace(v)
	if v == "" {
		return nil, errors.New("set but empty (unset it to use the key file)")
	}
	if strings.HasPrefix(v, "{") {
		doc, err := decodeDoc([]byte(v))
		if err != nil {
			return nil, err
		}
		return fromDoc(doc, "", algorithm)
	}
	raw, err := decodeAnyBase64(v)
	if err != nil || len(raw) != 64 {
		return nil, errors.New("must be the base64 of 64 random bytes (32 encryption key, 32 index key) or a key-file JSON document")
	}
	alg := algorithm
	if alg == "" {
		alg = AES
	}
	ek := &encKey{id: 1, alg: alg, raw: raw[:keyLen(alg)]}
	if ek.aead, err = newAEAD(alg, ek.raw); err != nil {
		return nil, err
	}
	return newKeys("", indexAlgFor(alg), raw[32:], &keySet{current: ek, keys: []*encKey{ek}})
}

func decodeAnyBase64(s string) ([]byte, error) {
	var err error
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		var b []byte
		if b, err = enc.DecodeString(s); err == nil {
			return b, nil
		}
	}
	return nil, err
}

// loadFile reads and checks the key file. A missing file gives an error
// matching fs.ErrNotExist.
func loadFile(path, algorithm string) (*Keys, error) {
	doc, err := readDoc(path)
	if err != nil {
		return nil, err
	}
	k, err := fromDoc(doc, path, algorithm)
	if err != nil {
		return nil, fmt.Errorf("secret: key file %s: %w", path, err)
	}
	return k, nil
}

func readDoc(path string) (*keyFile, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("secret: key file: %w", err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("secret: key file: %w", err)
	}
	if !fi.Mode().IsRegular() {
		return nil, fmt.Errorf("secret: key file %s is not a regular file", path)
	}
	if runtime.GOOS != "windows" && fi.Mode().Perm()&0o077 != 0 {
		return nil, fmt.Errorf("secret: key file %s has mode %04o: it must be readable by its owner only (chmod 600)", path, fi.Mode().Perm())
	}
	data, err := io.ReadAll(io.LimitReader(f, maxFileSize+1))
	if err != nil {
		return nil, fmt.Errorf("secret: key file: %w", err)
	}
	if len(data) > maxFileSize {
		return nil, fmt.Errorf("secret: key file %s is too large", path)
	}
	doc, err := decodeDoc(data)
	if err != nil {
		return nil, fmt.Errorf("secret: key file %s: %w", path, err)
	}
	return doc, nil
}

// decodeDoc parses the JSON document. Its errors name a position or a
// field, never a piece of the input (which holds keys).
func decodeDoc(data []byte) (*keyFile, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var doc keyFile
	if err := dec.Decode(&doc); err != nil {
		var se *json.SyntaxError
		var te *json.UnmarshalTypeError
		switch {
		case errors.As(err, &se):
			return nil, fmt.Errorf("not valid JSON (at byte %d)", se.Offset)
		case errors.As(err, &te):
			return nil, fmt.Errorf("field %q has the wrong type", te.Field)
		case strings.HasPrefix(err.Error(), "json: unknown field "):
			name := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
			if !plainName(name) { // never echo something that might be a key
				name = "…"
			}
			return nil, fmt.Errorf("unknown field %q", name)
		default:
			return nil, errors.New("not a valid key document")
		}
	}
	if dec.More() {
		return nil, errors.New("not a valid key document (data after the JSON object)")
	}
	return &doc, nil
}

// fromDoc checks a document and builds the keys. Errors name fields and
// key ids, never key bytes.
func fromDoc(doc *keyFile, path, algorithm string) (*Keys, error) {
	if doc.Version != fileVersion {
		return nil, fmt.Errorf("version %d is not supported (want %d)", doc.Version, fileVersion)
	}
	if len(doc.Keys) == 0 {
		return nil, errors.New("no keys")
	}
	set := &keySet{}
	for i, e := range doc.Keys {
		if e.ID == 0 {
			return nil, fmt.Errorf("keys[%d]: id must be 1 or more", i)
		}
		if set.byID(e.ID) != nil {
			return nil, fmt.Errorf("keys[%d]: id %d appears twice", i, e.ID)
		}
		raw, err := base64.StdEncoding.DecodeString(e.Key)
		if err != nil {
			return nil, fmt.Errorf("key %d: not standard base64", e.ID)
		}
		ek := &encKey{id: e.ID, alg: e.Algorithm, raw: raw, created: e.Created}
		if ek.aead, err = newAEAD(e.Algorithm, raw); err != nil {
			return nil, fmt.Errorf("key %d: %w", e.ID, err)
		}
		set.keys = append(set.keys, ek)
	}
	if set.current = set.byID(doc.Current); set.current == nil {
		return nil, fmt.Errorf("current key %d is not among the keys", doc.Current)
	}
	if doc.Algorithm != set.current.alg {
		return nil, fmt.Errorf("algorithm %q differs from that of current key %d (%q)", doc.Algorithm, doc.Current, set.current.alg)
	}
	if algorithm != "" && algorithm != set.current.alg {
		return nil, fmt.Errorf("the current key uses %s, not the %s asked for: switch algorithms with a key rotation", set.current.alg, algorithm)
	}
	ik, err := base64.StdEncoding.DecodeString(doc.IndexKey)
	if err != nil {
		return nil, errors.New("index_key: not standard base64")
	}
	return newKeys(path, doc.IndexAlgorithm, ik, set)
}

// doc renders the keys as the key-file document.
func (k *Keys) doc() *keyFile {
	s := k.set.Load()
	d := &keyFile{
		Note:           fileNote,
		Version:        fileVersion,
		Algorithm:      s.current.alg,
		Current:        s.current.id,
		IndexAlgorithm: k.idx.alg,
		IndexKey:       base64.StdEncoding.EncodeToString(k.idx.key),
	}
	for _, e := range s.keys {
		d.Keys = append(d.Keys, keyEntry{ID: e.id, Algorithm: e.alg, Key: base64.StdEncoding.EncodeToString(e.raw), Created: e.created})
	}
	return d
}

func randomKey(n int) []byte {
	b := make([]byte, n)
	rand.Read(b) // never fails (crypto/rand, Go ≥ 1.24)
	return b
}

func now() string { return time.Now().Format(time.RFC3339) }

// createFile makes a new key file with fresh keys. It never replaces an
// existing file: if one appears meanwhile, the error matches fs.ErrExist.
func createFile(path, algorithm string) (*Keys, error) {
	alg := algorithm
	if alg == "" {
		alg = AES
	}
	ek := &encKey{id: 1, alg: alg, raw: randomKey(keyLen(alg)), created: now()}
	var err error
	if ek.aead, err = newAEAD(alg, ek.raw); err != nil {
		return nil, err
	}
	k, err := newKeys(path, indexAlgFor(alg), randomKey(indexKeyLen), &keySet{current: ek, keys: []*encKey{ek}})
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("secret: data directory: %w", err)
	}
	if err := writeFile(path, k.doc(), false); err != nil {
		return nil, err
	}
	return k, nil
}

// writeFile writes the document to a temporary file (mode 0600), syncs it,
// and then either links it into place only if path does not exist
// (replace false), or renames it over path (replace true). Readers never
// see a partial file.
func writeFile(path string, doc *keyFile, replace bool) error {
	data, err := json.MarshalIndent(doc, "", "  ")
	if err != nil {
		return fmt.Errorf("secret: key file: encoding failed")
	}
	data = append(data, '\n')
	dir := filepath.Dir(path)
	tmp, err := os.CreateTemp(dir, "."+FileName+".tmp-*") // mode 0600
	if err != nil {
		return fmt.Errorf("secret: key file: %w", err)
	}
	name := tmp.Name()
	defer os.Remove(name)
	if err := tmp.Chmod(0o600); err != nil && runtime.GOOS != "windows" {
		tmp.Close()
		return fmt.Errorf("secret: key file: %w", err)
	}
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return fmt.Errorf("secret: key file: %w", err)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return fmt.Errorf("secret: key file: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("secret: key file: %w", err)
	}
	if replace {
		err = os.Rename(name, path)
	} else {
		err = os.Link(name, path) // fails with fs.ErrExist rather than replacing
	}
	if err != nil {
		return fmt.Errorf("secret: key file: %w", err)
	}
	if d, err := os.Open(dir); err == nil { // make the new name durable
		d.Sync()
		d.Close()
	}
	return nil
}

// Rotate adds a new encryption key with the current algorithm, makes it
// current and saves the key file; values sealed with older keys still
// open. The blind index is unchanged. Keys from SHILIU_KEY give
// [ErrEnvKeys].
//
// The file is re-read first, and keys another process (for example a
// command-line rotation while the server runs) has added are kept; a
// process that loaded the keys before such a rotation opens the values
// sealed with the newer key only after it loads the keys again.
func (k *Keys) Rotate() error { return k.RotateTo("") }

// RotateTo is [Keys.Rotate] with a new key of the given algorithm ([AES],
// [SM4], or "" for the current one): the way to switch algorithms. The
// blind-index algorithm does not change.
func (k *Keys) RotateTo(algorithm string) error {
	if k.path == "" {
		return ErrEnvKeys
	}
	if algorithm != "" && algorithm != AES && algorithm != SM4 {
		return fmt.Errorf("secret: unknown algorithm %q (want %s or %s)", algorithm, AES, SM4)
	}
	k.mu.Lock()
	defer k.mu.Unlock()

	// Start from the file as it is now, which must still hold every key
	// this process has.
	doc, err := readDoc(k.path)
	if err != nil {
		return fmt.Errorf("secret: rotate: %w", err)
	}
	disk, err := fromDoc(doc, k.path, "")
	if err != nil {
		return fmt.Errorf("secret: rotate: key file %s: %w", k.path, err)
	}
	if disk.idx.alg != k.idx.alg || !bytes.Equal(disk.idx.key, k.idx.key) {
		return fmt.Errorf("secret: rotate: key file %s now holds another index key; not changing it", k.path)
	}
	ds := disk.set.Load()
	for _, e := range k.set.Load().keys {
		if d := ds.byID(e.id); d == nil || d.alg != e.alg || !bytes.Equal(d.raw, e.raw) {
			return fmt.Errorf("secret: rotate: key file %s no longer holds key %d as loaded; not changing it", k.path, e.id)
		}
	}

	alg := algorithm
	if alg == "" {
		alg = ds.current.alg
	}
	var maxID uint32
	for _, e := range ds.keys {
		maxID = max(maxID, e.id)
	}
	if maxID == ^uint32(0) {
		return errors.New("secret: rotate: no key ids left")
	}
	ek := &encKey{id: maxID + 1, alg: alg, raw: randomKey(keyLen(alg)), created: now()}
	if ek.aead, err = newAEAD(alg, ek.raw); err != nil {
		return fmt.Errorf("secret: rotate: %w", err)
	}
	next := &keySet{current: ek, keys: append(append([]*encKey(nil), ds.keys...), ek)}
	disk.set.Store(next)
	// Replace the file a symlink points to, not the symlink.
	target, err := filepath.EvalSymlinks(k.path)
	if err != nil {
		return fmt.Errorf("secret: rotate: %w", err)
	}
	if err := writeFile(target, disk.doc(), true); err != nil {
		return fmt.Errorf("secret: rotate: %w", err)
	}
	k.set.Store(next)
	return nil
}

// plainName reports whether s looks like a field name (lowercase letters
// and underscores, short), safe to repeat in an error.
func plainName(s string) bool {
	if s == "" || len(s) > 24 {
		return false
	}
	for _, c := range s {
		if (c < 'a' || c > 'z') && c != '_' {
			return false
		}
	}
	return true
}
