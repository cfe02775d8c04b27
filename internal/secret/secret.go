// Package secret protects sensitive fields at rest (CR-2, PI-7): ID numbers
// and phone numbers are stored encrypted with an authenticated cipher
// (AES-256-GCM, or SM4-GCM for the national algorithms) and found by exact
// value through a keyed hash, the blind index (HMAC-SHA256, or HMAC-SM3 when
// the instance was created with SM4).
//
// # Keys
//
// [LoadOrCreate] reads the instance's key file, dataDir/shiliu.key (mode
// 0600, JSON, see below), creating it with fresh random keys on first
// start; or takes the keys from the environment variable SHILIU_KEY and then
// writes no file. The key file must be backed up apart from the database:
// without it the sealed fields cannot be read, and with it next to a dump
// they can. Store [Keys.Fingerprint] with the data and refuse to start when
// it differs, so that a lost or swapped key file is noticed before anything
// is written with the wrong keys.
//
// The key file:
//
//	{
//	  "note": "Shiliu instance keys. …",
//	  "version": 1,
//	  "algorithm": "sm4-gcm",            // algorithm of the current key
//	  "current": 2,                      // id of the key Seal uses
//	  "index_algorithm": "hmac-sm3",     // fixed for the life of the data
//	  "index_key": "<base64, 32 bytes>",
//	  "keys": [
//	    {"id": 1, "algorithm": "sm4-gcm", "key": "<base64, 16 bytes>", "created": "2026-03-01T09:00:00+08:00"},
//	    {"id": 2, "algorithm": "sm4-gcm", "key": "<base64, 16 bytes>", "created": "2027-03-01T09:00:00+08:00"}
//	  ]
//	}
//
// AES-256-GCM keys are 32 bytes, SM4-GCM keys 16 bytes, the index key 32
// bytes; base64 is standard with padding. [Keys.Rotate] adds a key and makes
// it current; old keys stay so that old values still open.
//
// SHILIU_KEY holds either the base64 (standard or URL alphabet, padded or
// not) of 64 random bytes — the first 32 are the encryption key (SM4 uses
// the first 16 of them), the last 32 the index key; the key id is 1 and the
// algorithm is the one LoadOrCreate is given — or a whole key-file JSON
// document (when it starts with "{"), which allows several keys. Keys from
// the environment cannot be rotated by Shiliu.
//
// # Ciphertext
//
// [Keys.Seal] returns
//
//	version (1 byte, 0x01) ‖ key id (4 bytes, big-endian) ‖ nonce (12 bytes) ‖ GCM ciphertext ‖ tag (16 bytes)
//
// that is 33 bytes more than the plaintext. The nonce is random; the
// associated data is the first 5 bytes (version and key id) followed by the
// caller's ad string, which names the column ("persons.id_number"), so a
// value moved to another column, or to another key id, does not open.
// Random 96-bit nonces allow about 2^32 seals per key: rotate well before.
//
// # Blind index
//
// [Keys.Index] is HMAC(index key, len(purpose) as 2 bytes big-endian ‖
// purpose ‖ value), truncated to 128 bits and hex-encoded: always
// [IndexLen] lowercase characters. The value is hashed byte for byte;
// callers normalise first (an ID number as 18 characters with an upper-case
// X, a phone as its digits). The index key never rotates with [Keys.Rotate]:
// changing it means recomputing every stored index.
//
// Nothing in this package logs, and no error it returns contains key
// material or plaintext. A *Keys prints only its source, algorithm and key
// ids.
package secret

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"sync"
	"sync/atomic"

	"github.com/emmansun/gmsm/sm3"
	"github.com/emmansun/gmsm/sm4"
)

// Algorithm names, as written in the key file and accepted by
// [LoadOrCreate] and [Keys.RotateTo].
const (
	AES = "aes-256-gcm" // AES-256 in GCM mode, the default
	SM4 = "sm4-gcm"     // SM4 (GB/T 32907) in GCM mode, RFC 8998
)

// Blind-index algorithm names, as written in the key file. A key file
// created for [SM4] uses IndexSM3, one created for [AES] IndexSHA256.
const (
	IndexSHA256 = "hmac-sha256"
	IndexSM3    = "hmac-sm3" // GB/T 32905
)

// IndexLen is the length of every [Keys.Index] result: 32 hex characters
// (128 bits). Size database columns with it.
const IndexLen = 2 * indexBytes

// Overhead is how many bytes [Keys.Seal] adds to the plaintext.
const Overhead = headerLen + nonceLen + tagLen

const (
	formatV1    = 0x01
	headerLen   = 1 + 4 // version, key id
	nonceLen    = 12
	tagLen      = 16
	indexBytes  = 16
	indexKeyLen = 32
)

// Errors from [Keys.Open]; test with errors.Is. None carries plaintext.
var (
	// ErrFormat: the value is not a ciphertext of a known format version
	// (too short, or an unknown version byte).
	ErrFormat = errors.New("secret: not a sealed value")
	// ErrUnknownKey: the value names a key id this instance does not have
	// (a key file from another instance, or a key removed from the file).
	ErrUnknownKey = errors.New("secret: sealed with a key that is not loaded")
	// ErrDecrypt: authentication failed: wrong key, wrong associated data
	// (another column), or the stored bytes were changed.
	ErrDecrypt = errors.New("secret: value does not authenticate (wrong key, wrong column or altered data)")
	// ErrEnvKeys: keys given by SHILIU_KEY cannot be rotated by Shiliu.
	ErrEnvKeys = errors.New("secret: keys come from " + EnvVar + " and are rotated outside Shiliu")
)

// encKey is one encryption key with its ready AEAD (safe for concurrent use).
type encKey struct {
	id      uint32
	alg     string
	raw     []byte
	created string
	aead    cipher.AEAD
}

// keySet is an immutable snapshot of the encryption keys; Rotate swaps in a
// new one.
type keySet struct {
	current *encKey
	keys    []*encKey // in file order; few, so a linear scan is fastest
}

func (s *keySet) byID(id uint32) *encKey {
	for _, k := range s.keys {
		if k.id == id {
			return k
		}
	}
	return nil
}

// Keys is the instance's key material: one or more encryption keys with
// ids (for rotation; the current one seals, all of them open) and a
// separate key for the blind index. Get one from [LoadOrCreate]; a Keys is
// safe for concurrent use, including Rotate while others seal and open.
type Keys struct {
	mu   sync.Mutex // serialises Rotate
	set  atomic.Pointer[keySet]
	path string // the key file, or "" when the keys come from SHILIU_KEY
	idx  *indexer
}

// indexer holds the blind-index key, behind a pointer so that even a copy
// of a Keys printed with fmt shows no key bytes.
type indexer struct {
	alg  string
	key  []byte
	macs sync.Pool // of *mac
}

// mac is a keyed HMAC with its buffers, reused through a pool.
type mac struct {
	h   hash.Hash
	msg []byte
	sum []byte
}

func newAEAD(alg string, key []byte) (cipher.AEAD, error) {
	var (
		b   cipher.Block
		err error
	)
	switch alg {
	case AES:
		if len(key) != 32 {
			return nil, fmt.Errorf("%s key must be 32 bytes, not %d", alg, len(key))
		}
		b, err = aes.NewCipher(key)
	case SM4:
		if len(key) != 16 {
			return nil, fmt.Errorf("%s key must be 16 bytes, not %d", alg, len(key))
		}
		b, err = sm4.NewCipher(key)
	default:
		return nil, fmt.Errorf("unknown algorithm %q (want %s or %s)", alg, AES, SM4)
	}
	if err != nil {
		return nil, err
	}
	return cipher.NewGCM(b)
}

func keyLen(alg string) int {
	if alg == SM4 {
		return 16
	}
	return 32
}

func indexAlgFor(alg string) string {
	if alg == SM4 {
		return IndexSM3
	}
	return IndexSHA256
}

func newKeys(path, indexAlg string, indexKey []byte, set *keySet) (*Keys, error) {
	var h func() hash.Hash
	switch indexAlg {
	case IndexSHA256:
		h = sha256.New
	case IndexSM3:
		h = sm3.New
	default:
		return nil, fmt.Errorf("unknown index algorithm %q (want %s or %s)", indexAlg, IndexSHA256, IndexSM3)
	}
	if len(indexKey) != indexKeyLen {
		return nil, fmt.Errorf("index key must be %d bytes, not %d", indexKeyLen, len(indexKey))
	}
	ix := &indexer{alg: indexAlg, key: indexKey}
	ix.macs.New = func() any {
		return &mac{h: hmac.New(h, ix.key), msg: make([]byte, 0, 64), sum: make([]byte, 0, 32)}
	}
	k := &Keys{path: path, idx: ix}
	k.set.Store(set)
	return k, nil
}

// Seal encrypts plaintext with the current key. The output embeds a 1-byte
// format version, the key id and the nonce, so that [Keys.Open] picks the
// right key (values sealed before a rotation still open). ad, the
// associated data, binds the ciphertext to its column (for example
// "persons.id_number"): Open must be given the same string. The output is
// [Overhead] bytes longer than plaintext and differs on every call.
func (k *Keys) Seal(plaintext []byte, ad string) []byte {
	cur := k.set.Load().current
	out := make([]byte, headerLen+nonceLen, headerLen+nonceLen+len(plaintext)+tagLen)
	out[0] = formatV1
	binary.BigEndian.PutUint32(out[1:headerLen], cur.id)
	rand.Read(out[headerLen:]) // never fails (crypto/rand, Go ≥ 1.24)
	return cur.aead.Seal(out, out[headerLen:], plaintext, associated(out[:headerLen], ad))
}

// associated is the AEAD's associated data: the header, then the caller's
// column name.
func associated(header []byte, ad string) []byte {
	b := make([]byte, 0, len(header)+len(ad))
	return append(append(b, header...), ad...)
}

// Open decrypts a value made by [Keys.Seal] with the same ad. It fails
// with [ErrFormat], [ErrUnknownKey] or [ErrDecrypt] (test with errors.Is).
func (k *Keys) Open(ciphertext []byte, ad string) ([]byte, error) {
	if len(ciphertext) < Overhead {
		return nil, ErrFormat
	}
	if ciphertext[0] != formatV1 {
		return nil, fmt.Errorf("%w (format version %d)", ErrFormat, ciphertext[0])
	}
	id := binary.BigEndian.Uint32(ciphertext[1:headerLen])
	ek := k.set.Load().byID(id)
	if ek == nil {
		return nil, fmt.Errorf("%w (key id %d)", ErrUnknownKey, id)
	}
	nonce := ciphertext[headerLen : headerLen+nonceLen]
	pt, err := ek.aead.Open(nil, nonce, ciphertext[headerLen+nonceLen:], associated(ciphertext[:headerLen], ad))
	if err != nil {
		return nil, ErrDecrypt
	}
	return pt, nil
}

// KeyID returns the id of the key a sealed value names, without opening
// it; a re-encryption job after [Keys.Rotate] compares it with
// [Keys.CurrentID].
func KeyID(ciphertext []byte) (uint32, error) {
	if len(ciphertext) < Overhead || ciphertext[0] != formatV1 {
		return 0, ErrFormat
	}
	return binary.BigEndian.Uint32(ciphertext[1:headerLen]), nil
}

// Index returns the blind index of value for a purpose ("id", "phone", …):
// HMAC-SHA256, or HMAC-SM3 when the key file was created for SM4, keyed
// with the index key over the purpose (length-prefixed, so purposes never
// collide) and the value, truncated to 128 bits, as [IndexLen] lowercase
// hex characters. The same value gives the same index across restarts and
// rotations, and a different one for each purpose. value is used byte for
// byte: normalise it first. An empty purpose is a programming error and
// panics.
func (k *Keys) Index(purpose string, value string) string {
	if purpose == "" || len(purpose) > 0xffff {
		panic("secret: Index needs a purpose of 1 to 65535 bytes")
	}
	m := k.idx.macs.Get().(*mac)
	m.msg = binary.BigEndian.AppendUint16(m.msg[:0], uint16(len(purpose)))
	m.msg = append(append(m.msg, purpose...), value...)
	m.h.Reset()
	m.h.Write(m.msg)
	m.sum = m.h.Sum(m.sum[:0])
	var dst [IndexLen]byte
	hex.Encode(dst[:], m.sum[:indexBytes])
	if cap(m.msg) <= 1024 { // keep pooled buffers small
		k.idx.macs.Put(m)
	}
	return string(dst[:])
}

// Fingerprint identifies the index key and its algorithm without
// revealing them: 16 hex characters that change when, and only when, the
// index key or the index algorithm changes (not on Rotate). Store it with
// the data on first start and refuse to run when it differs: a lost, swapped
// or regenerated key file would otherwise go unnoticed until lookups fail.
func (k *Keys) Fingerprint() string {
	return k.Index("\x00shiliu/fingerprint", k.idx.alg)[:16]
}

// Algorithm returns the algorithm of the current key, [AES] or [SM4].
func (k *Keys) Algorithm() string { return k.set.Load().current.alg }

// IndexAlgorithm returns the blind-index algorithm, [IndexSHA256] or
// [IndexSM3].
func (k *Keys) IndexAlgorithm() string { return k.idx.alg }

// CurrentID returns the id of the key [Keys.Seal] uses.
func (k *Keys) CurrentID() uint32 { return k.set.Load().current.id }

// KeyInfo describes one encryption key for an inventory (CR-4): never the
// key itself.
type KeyInfo struct {
	ID        uint32
	Algorithm string
	Created   string // RFC 3339, empty for a key from SHILIU_KEY's short form
	Current   bool
}

// Inventory lists the encryption keys, oldest first.
func (k *Keys) Inventory() []KeyInfo {
	s := k.set.Load()
	out := make([]KeyInfo, len(s.keys))
	for i, e := range s.keys {
		out[i] = KeyInfo{ID: e.id, Algorithm: e.alg, Created: e.created, Current: e == s.current}
	}
	return out
}

// Source says where the keys came from: the key file's path, or
// "env SHILIU_KEY". Safe to log.
func (k *Keys) Source() string {
	if k.path == "" {
		return "env " + EnvVar
	}
	return k.path
}

// String describes the keys without their material. Safe to log.
func (k *Keys) String() string {
	s := k.set.Load()
	ids := make([]uint32, len(s.keys))
	for i, e := range s.keys {
		ids[i] = e.id
	}
	return fmt.Sprintf("secret.Keys{source: %s, algorithm: %s, current: %d, keys: %v, index: %s}",
		k.Source(), s.current.alg, s.current.id, ids, k.idx.alg)
}

// Format prints [Keys.String] for every verb, so that no fmt or slog call
// can print the key material.
func (k *Keys) Format(f fmt.State, verb rune) { fmt.Fprint(f, k.String()) }
