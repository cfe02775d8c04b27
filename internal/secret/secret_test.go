package secret

import (
	"bytes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/rand"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/emmansun/gmsm/sm3"
	"github.com/emmansun/gmsm/sm4"
)

var algorithms = []string{AES, SM4}

func unhex(t testing.TB, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// newKeys gives fresh file-backed keys in a temporary data directory.
func newTestKeys(t testing.TB, alg string) (*Keys, string) {
	t.Helper()
	dir := t.TempDir()
	k, err := LoadOrCreate(dir, alg)
	if err != nil {
		t.Fatal(err)
	}
	return k, dir
}

// TestSM4GCMKnownAnswer checks SM4-GCM, as this package builds it (gmsm's
// sm4 block in crypto/cipher's GCM), against RFC 8998 Appendix A.1, in
// both directions.
func TestSM4GCMKnownAnswer(t *testing.T) {
	key := unhex(t, "0123456789ABCDEFFEDCBA9876543210")
	iv := unhex(t, "00001234567800000000ABCD")
	aad := unhex(t, "FEEDFACEDEADBEEFFEEDFACEDEADBEEFABADDAD2")
	pt := unhex(t, "AAAAAAAAAAAAAAAABBBBBBBBBBBBBBBBCCCCCCCCCCCCCCCCDDDDDDDDDDDDDDDDEEEEEEEEEEEEEEEEFFFFFFFFFFFFFFFFEEEEEEEEEEEEEEEEAAAAAAAAAAAAAAAA")
	want := unhex(t, "17F399F08C67D5EE19D0DC9969C4BB7D5FD46FD3756489069157B282BB200735D82710CA5C22F0CCFA7CBF93D496AC15A56834CBCF98C397B4024A2691233B8D"+
		"83DE3541E4C2B58177E065A9BF7B62EC")

	aeads := map[string]cipher.AEAD{}
	a, err := newAEAD(SM4, key)
	if err != nil {
		t.Fatal(err)
	}
	aeads["newAEAD"] = a
	// The generic GCM over the bare block, bypassing gmsm's own GCM code,
	// must agree too.
	b, err := sm4.NewCipher(key)
	if err != nil {
		t.Fatal(err)
	}
	g, err := cipher.NewGCM(struct{ cipher.Block }{b})
	if err != nil {
		t.Fatal(err)
	}
	aeads["generic"] = g

	for name, a := range aeads {
		got := a.Seal(nil, iv, pt, aad)
		if !bytes.Equal(got, want) {
			t.Errorf("%s: Seal =\n%X\nwant\n%X", name, got, want)
		}
		back, err := a.Open(nil, iv, want, aad)
		if err != nil || !bytes.Equal(back, pt) {
			t.Errorf("%s: Open of the RFC ciphertext = %X, %v", name, back, err)
		}
		bad := bytes.Clone(want)
		bad[len(bad)-1] ^= 1
		if _, err := a.Open(nil, iv, bad, aad); err == nil {
			t.Errorf("%s: Open accepted a wrong tag", name)
		}
	}
}

// TestSM3KnownAnswer checks SM3 against GB/T 32905 Appendix A.1 ("abc"),
// and that the HMAC-SM3 blind index is what crypto/hmac computes.
func TestSM3KnownAnswer(t *testing.T) {
	sum := sm3.Sum([]byte("abc"))
	if got, want := hex.EncodeToString(sum[:]), "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0"; got != want {
		t.Fatalf("SM3(abc) = %s, want %s", got, want)
	}
	k, _ := newTestKeys(t, SM4)
	if k.IndexAlgorithm() != IndexSM3 {
		t.Fatalf("index algorithm %s", k.IndexAlgorithm())
	}
	m := hmac.New(sm3.New, k.idx.key)
	m.Write([]byte{0, 2})
	m.Write([]byte("id"))
	m.Write([]byte("110105199003071234"))
	want := hex.EncodeToString(m.Sum(nil)[:16])
	if got := k.Index("id", "110105199003071234"); got != want {
		t.Fatalf("Index = %s, want %s", got, want)
	}
}

func TestRoundTrip(t *testing.T) {
	for _, alg := range algorithms {
		t.Run(alg, func(t *testing.T) {
			k, _ := newTestKeys(t, alg)
			if k.Algorithm() != alg {
				t.Fatalf("Algorithm() = %s", k.Algorithm())
			}
			for _, pt := range []string{"", "1", "110105199003071234", "13812345678", strings.Repeat("长", 1000)} {
				c1 := k.Seal([]byte(pt), "persons.id_number")
				c2 := k.Seal([]byte(pt), "persons.id_number")
				if len(c1) != len(pt)+Overhead {
					t.Errorf("len = %d, want %d", len(c1), len(pt)+Overhead)
				}
				if bytes.Equal(c1, c2) {
					t.Errorf("two seals of %q are equal", pt)
				}
				if len(pt) >= 4 && bytes.Contains(c1, []byte(pt)) {
					t.Errorf("ciphertext contains the plaintext")
				}
				for _, c := range [][]byte{c1, c2} {
					got, err := k.Open(c, "persons.id_number")
					if err != nil || string(got) != pt {
						t.Errorf("Open = %q, %v; want %q", got, err, pt)
					}
				}
				if id, err := KeyID(c1); err != nil || id != 1 {
					t.Errorf("KeyID = %d, %v", id, err)
				}
			}
		})
	}
}

func TestTamperingDetected(t *testing.T) {
	for _, alg := range algorithms {
		t.Run(alg, func(t *testing.T) {
			k, _ := newTestKeys(t, alg)
			ct := k.Seal([]byte("110105199003071234"), "persons.id_number")
			for i := range len(ct) * 8 {
				bad := bytes.Clone(ct)
				bad[i/8] ^= 1 << (i % 8)
				pt, err := k.Open(bad, "persons.id_number")
				if err == nil {
					t.Fatalf("bit %d flipped: Open succeeded with %q", i, pt)
				}
				var want error
				switch {
				case i < 8:
					want = ErrFormat
				case i < headerLen*8:
					want = ErrUnknownKey
				default:
					want = ErrDecrypt
				}
				if !errors.Is(err, want) {
					t.Fatalf("bit %d flipped: error %v, want %v", i, err, want)
				}
			}
			for _, short := range [][]byte{nil, {}, ct[:Overhead-1], {formatV1}} {
				if _, err := k.Open(short, "persons.id_number"); !errors.Is(err, ErrFormat) {
					t.Errorf("Open of %d bytes: %v", len(short), err)
				}
			}
			if _, err := k.Open(append(bytes.Clone(ct), 0), "persons.id_number"); !errors.Is(err, ErrDecrypt) {
				t.Errorf("appended byte: %v", err)
			}
			if _, err := k.Open(ct[:len(ct)-1], "persons.id_number"); !errors.Is(err, ErrDecrypt) {
				t.Errorf("truncated: %v", err)
			}
		})
	}
}

func TestWrongAssociatedData(t *testing.T) {
	for _, alg := range algorithms {
		t.Run(alg, func(t *testing.T) {
			k, _ := newTestKeys(t, alg)
			ct := k.Seal([]byte("13812345678"), "persons.phone")
			for _, ad := range []string{"persons.id_number", "", "persons.phone ", "Persons.phone"} {
				if _, err := k.Open(ct, ad); !errors.Is(err, ErrDecrypt) {
					t.Errorf("ad %q: %v, want ErrDecrypt", ad, err)
				}
			}
		})
	}
}

func TestWrongKey(t *testing.T) {
	for _, alg := range algorithms {
		t.Run(alg, func(t *testing.T) {
			k1, _ := newTestKeys(t, alg)
			k2, _ := newTestKeys(t, alg) // another instance: also key id 1
			ct := k1.Seal([]byte("110105199003071234"), "persons.id_number")
			if _, err := k2.Open(ct, "persons.id_number"); !errors.Is(err, ErrDecrypt) {
				t.Fatalf("other instance's key: %v, want ErrDecrypt", err)
			}
			if k1.Index("id", "x") == k2.Index("id", "x") {
				t.Error("two instances give the same index")
			}
			if k1.Fingerprint() == k2.Fingerprint() {
				t.Error("two instances have the same fingerprint")
			}
			k1.Rotate()
			ct2 := k1.Seal([]byte("x"), "a")
			if _, err := k2.Open(ct2, "a"); !errors.Is(err, ErrUnknownKey) {
				t.Fatalf("unknown key id: %v, want ErrUnknownKey", err)
			}
		})
	}
}

func TestKeyFileCreatedAndReused(t *testing.T) {
	for _, alg := range []string{"", AES, SM4} {
		t.Run("alg="+alg, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "data") // does not exist yet
			k1, err := LoadOrCreate(dir, alg)
			if err != nil {
				t.Fatal(err)
			}
			path := filepath.Join(dir, FileName)
			if k1.Source() != path {
				t.Errorf("Source() = %s", k1.Source())
			}
			ct := k1.Seal([]byte("13812345678"), "persons.phone")
			idx := k1.Index("phone", "13812345678")

			k2, err := LoadOrCreate(dir, "")
			if err != nil {
				t.Fatal(err)
			}
			if got := k2.Index("phone", "13812345678"); got != idx {
				t.Errorf("index after reload %s, want %s", got, idx)
			}
			if k2.Fingerprint() != k1.Fingerprint() {
				t.Error("fingerprint changed on reload")
			}
			if pt, err := k2.Open(ct, "persons.phone"); err != nil || string(pt) != "13812345678" {
				t.Errorf("Open after reload: %q, %v", pt, err)
			}
			want := alg
			if want == "" {
				want = AES
			}
			if k2.Algorithm() != want || k2.IndexAlgorithm() != indexAlgFor(want) {
				t.Errorf("reloaded as %s/%s, want %s", k2.Algorithm(), k2.IndexAlgorithm(), want)
			}

			// The file is the documented JSON.
			data, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			var doc map[string]any
			if err := json.Unmarshal(data, &doc); err != nil {
				t.Fatal(err)
			}
			for _, f := range []string{"version", "algorithm", "current", "index_algorithm", "index_key", "keys"} {
				if _, ok := doc[f]; !ok {
					t.Errorf("key file lacks %q", f)
				}
			}
			if doc["version"] != 1.0 || doc["algorithm"] != want || doc["current"] != 1.0 {
				t.Errorf("key file: %v %v %v", doc["version"], doc["algorithm"], doc["current"])
			}
			ents, _ := os.ReadDir(dir)
			if len(ents) != 1 {
				t.Errorf("data dir holds %d entries, want only the key file", len(ents))
			}
		})
	}
}

func TestAlgorithmMismatch(t *testing.T) {
	_, dir := newTestKeys(t, AES)
	if _, err := LoadOrCreate(dir, SM4); err == nil || !strings.Contains(err.Error(), "rotation") {
		t.Fatalf("SM4 asked of an AES file: %v", err)
	}
	if _, err := LoadOrCreate(dir, AES); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadOrCreate(dir, "des"); err == nil {
		t.Fatal("unknown algorithm accepted")
	}
}

func TestRotate(t *testing.T) {
	for _, alg := range algorithms {
		t.Run(alg, func(t *testing.T) {
			k, dir := newTestKeys(t, alg)
			idx := k.Index("id", "110105199003071234")
			fp := k.Fingerprint()
			old := k.Seal([]byte("110105199003071234"), "persons.id_number")
			if err := k.Rotate(); err != nil {
				t.Fatal(err)
			}
			if k.CurrentID() != 2 || k.Algorithm() != alg {
				t.Fatalf("after Rotate: current %d %s", k.CurrentID(), k.Algorithm())
			}
			fresh := k.Seal([]byte("110105199003071234"), "persons.id_number")
			if id, _ := KeyID(fresh); id != 2 {
				t.Fatalf("new value sealed with key %d", id)
			}
			if k.Index("id", "110105199003071234") != idx || k.Fingerprint() != fp {
				t.Fatal("Rotate changed the blind index")
			}
			// Persisted: a fresh load opens both and seals with key 2.
			k2, err := LoadOrCreate(dir, "")
			if err != nil {
				t.Fatal(err)
			}
			for _, c := range [][]byte{old, fresh} {
				if pt, err := k2.Open(c, "persons.id_number"); err != nil || string(pt) != "110105199003071234" {
					t.Errorf("reloaded Open: %q, %v", pt, err)
				}
			}
			if k2.CurrentID() != 2 || len(k2.Inventory()) != 2 || !k2.Inventory()[1].Current || k2.Inventory()[1].Created == "" {
				t.Errorf("reloaded inventory %+v", k2.Inventory())
			}
			ents, _ := os.ReadDir(dir)
			if len(ents) != 1 {
				t.Errorf("rotation left %d entries in the data dir", len(ents))
			}
		})
	}
}

// TestRotateToSM4 switches an AES instance to SM4: old values still open,
// the index stays HMAC-SHA256, and the file then answers to SM4.
func TestRotateToSM4(t *testing.T) {
	k, dir := newTestKeys(t, AES)
	old := k.Seal([]byte("13812345678"), "persons.phone")
	idx := k.Index("phone", "13812345678")
	if err := k.RotateTo(SM4); err != nil {
		t.Fatal(err)
	}
	if k.Algorithm() != SM4 || k.IndexAlgorithm() != IndexSHA256 || k.Index("phone", "13812345678") != idx {
		t.Fatalf("after RotateTo(SM4): %s %s", k.Algorithm(), k.IndexAlgorithm())
	}
	fresh := k.Seal([]byte("13812345678"), "persons.phone")
	if len(fresh) != len(old) {
		t.Error("SM4 and AES ciphertexts differ in length")
	}
	k2, err := LoadOrCreate(dir, SM4)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range [][]byte{old, fresh} {
		if pt, err := k2.Open(c, "persons.phone"); err != nil || string(pt) != "13812345678" {
			t.Errorf("Open: %q, %v", pt, err)
		}
	}
	if _, err := LoadOrCreate(dir, AES); err == nil {
		t.Error("AES asked of a file whose current key is SM4")
	}
	if err := k.RotateTo("rot13"); err == nil {
		t.Error("RotateTo accepted an unknown algorithm")
	}
}

// TestRotateKeepsOtherProcessKeys: two holders of the same file rotate in
// turn; no key is lost, and each new key id is fresh.
func TestRotateKeepsOtherProcessKeys(t *testing.T) {
	a, dir := newTestKeys(t, SM4)
	b, err := LoadOrCreate(dir, "")
	if err != nil {
		t.Fatal(err)
	}
	if err := a.Rotate(); err != nil { // file: 1, 2
		t.Fatal(err)
	}
	fromA := a.Seal([]byte("a"), "t")
	if err := b.Rotate(); err != nil { // file: 1, 2, 3
		t.Fatal(err)
	}
	if b.CurrentID() != 3 {
		t.Fatalf("b's new key is %d, want 3", b.CurrentID())
	}
	if pt, err := b.Open(fromA, "t"); err != nil || string(pt) != "a" {
		t.Fatalf("b opens a's key 2: %q, %v", pt, err)
	}
	c, err := LoadOrCreate(dir, "")
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Inventory()) != 3 {
		t.Fatalf("file holds %d keys, want 3", len(c.Inventory()))
	}

	// A file replaced by another instance's is not overwritten.
	os.Remove(filepath.Join(dir, FileName))
	if _, err := LoadOrCreate(dir, ""); err != nil {
		t.Fatal(err)
	}
	if err := a.Rotate(); err == nil {
		t.Fatal("Rotate overwrote a key file with another index key")
	}
}

func TestConcurrentFirstStart(t *testing.T) {
	dir := t.TempDir()
	const n = 8
	fps := make([]string, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			k, err := LoadOrCreate(dir, SM4)
			errs[i] = err
			if err == nil {
				fps[i] = k.Fingerprint()
			}
		})
	}
	wg.Wait()
	for i := range n {
		if errs[i] != nil {
			t.Fatal(errs[i])
		}
		if fps[i] != fps[0] {
			t.Fatal("concurrent first starts made different keys")
		}
	}
	ents, _ := os.ReadDir(dir)
	if len(ents) != 1 {
		t.Fatalf("%d entries in the data dir, want 1", len(ents))
	}
}

// TestConcurrentUse seals, opens and indexes from many goroutines while
// the keys rotate (run with -race).
func TestConcurrentUse(t *testing.T) {
	k, _ := newTestKeys(t, SM4)
	want := k.Index("id", "110105199003071234")
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			for range 500 {
				c := k.Seal([]byte("110105199003071234"), "persons.id_number")
				if pt, err := k.Open(c, "persons.id_number"); err != nil || string(pt) != "110105199003071234" {
					t.Errorf("Open: %q, %v", pt, err)
					return
				}
				if k.Index("id", "110105199003071234") != want {
					t.Error("index changed")
					return
				}
			}
		})
	}
	wg.Go(func() {
		for range 3 {
			if err := k.Rotate(); err != nil {
				t.Error(err)
			}
		}
	})
	wg.Wait()
	if k.CurrentID() != 4 {
		t.Errorf("current key %d, want 4", k.CurrentID())
	}
}

func TestIndex(t *testing.T) {
	for _, alg := range algorithms {
		t.Run(alg, func(t *testing.T) {
			k, _ := newTestKeys(t, alg)
			id := k.Index("id", "110105199003071234")
			if len(id) != IndexLen {
				t.Fatalf("len %d", len(id))
			}
			if _, err := hex.DecodeString(id); err != nil || strings.ToLower(id) != id {
				t.Fatalf("not lowercase hex: %s", id)
			}
			if k.Index("id", "110105199003071234") != id {
				t.Error("not deterministic")
			}
			seen := map[string]string{id: "id/110105199003071234"}
			for _, c := range [][2]string{
				{"phone", "110105199003071234"}, // other purpose
				{"id", "11010519900307123X"},    // other value
				{"id", ""},
				{"i", "d110105199003071234"}, // boundary shift
				{"id1", "10105199003071234"},
				{"id_last4", "1234"},
			} {
				got := k.Index(c[0], c[1])
				if len(got) != IndexLen {
					t.Errorf("len %d", len(got))
				}
				if prev, dup := seen[got]; dup {
					t.Errorf("%s/%s collides with %s", c[0], c[1], prev)
				}
				seen[got] = c[0] + "/" + c[1]
			}
			if strings.Contains(id, "1234") && strings.Contains(id, "110105") {
				t.Error("index looks like the value")
			}
			if fp := k.Fingerprint(); len(fp) != 16 {
				t.Errorf("fingerprint %q", fp)
			}
			defer func() {
				if recover() == nil {
					t.Error("empty purpose did not panic")
				}
			}()
			k.Index("", "x")
		})
	}
}

func TestField(t *testing.T) {
	k, _ := newTestKeys(t, SM4)
	f := SealField(k, "id", "persons.id_number", "110105199003071234")
	if f.IsZero() || len(f.Index) != IndexLen || f.Index != k.Index("id", "110105199003071234") {
		t.Fatalf("SealField = %+v", f)
	}
	if v, err := OpenField(k, "persons.id_number", f.Enc); err != nil || v != "110105199003071234" {
		t.Fatalf("OpenField = %q, %v", v, err)
	}
	if _, err := OpenField(k, "persons.phone", f.Enc); !errors.Is(err, ErrDecrypt) {
		t.Fatalf("OpenField, wrong column: %v", err)
	}
	z := SealField(k, "phone", "persons.phone", "")
	if !z.IsZero() || z.Enc != nil || z.Index != "" {
		t.Fatalf("empty value gave %+v", z)
	}
	if v, err := OpenField(k, "persons.phone", nil); v != "" || err != nil {
		t.Fatalf("OpenField(nil) = %q, %v", v, err)
	}
	// What a dump would hold: neither the value nor its digits in a row.
	dump := fmt.Sprintf("%x %s %q", f.Enc, f.Index, f.Enc)
	if strings.Contains(dump, "110105199003071234") || strings.Contains(dump, "19900307") {
		t.Fatal("sealed field shows the value")
	}
}

func envKey() (raw []byte, b64 string) {
	raw = make([]byte, 64)
	rand.Read(raw)
	return raw, base64.StdEncoding.EncodeToString(raw)
}

func TestEnvKey(t *testing.T) {
	for _, alg := range []string{"", AES, SM4} {
		t.Run("alg="+alg, func(t *testing.T) {
			raw, b64 := envKey()
			for _, form := range []string{b64, base64.RawURLEncoding.EncodeToString(raw), " " + b64 + "\n"} {
				t.Setenv(EnvVar, form)
				dir := t.TempDir()
				k, err := LoadOrCreate(dir, alg)
				if err != nil {
					t.Fatal(err)
				}
				if ents, _ := os.ReadDir(dir); len(ents) != 0 {
					t.Fatalf("env keys wrote %d files", len(ents))
				}
				if k.Source() != "env "+EnvVar || k.CurrentID() != 1 {
					t.Errorf("Source %q, current %d", k.Source(), k.CurrentID())
				}
				want := alg
				if want == "" {
					want = AES
				}
				if k.Algorithm() != want || k.IndexAlgorithm() != indexAlgFor(want) {
					t.Errorf("%s/%s", k.Algorithm(), k.IndexAlgorithm())
				}
				if !bytes.Equal(k.idx.key, raw[32:]) || !bytes.Equal(k.set.Load().current.raw, raw[:keyLen(want)]) {
					t.Error("key bytes not taken as documented")
				}
				ct := k.Seal([]byte("13812345678"), "persons.phone")
				k2, err := LoadOrCreate(t.TempDir(), alg)
				if err != nil {
					t.Fatal(err)
				}
				if pt, err := k2.Open(ct, "persons.phone"); err != nil || string(pt) != "13812345678" {
					t.Errorf("second load: %q, %v", pt, err)
				}
				if k2.Index("phone", "13812345678") != k.Index("phone", "13812345678") {
					t.Error("index differs between loads")
				}
				if err := k.Rotate(); !errors.Is(err, ErrEnvKeys) {
					t.Errorf("Rotate of env keys: %v", err)
				}
				if ents, _ := os.ReadDir(dir); len(ents) != 0 {
					t.Fatalf("env keys wrote %d files", len(ents))
				}
			}
		})
	}
}

// TestEnvKeyOverridesFile: with SHILIU_KEY set an existing key file is
// neither read nor changed.
func TestEnvKeyOverridesFile(t *testing.T) {
	fk, dir := newTestKeys(t, AES)
	before, _ := os.ReadFile(filepath.Join(dir, FileName))
	_, b64 := envKey()
	t.Setenv(EnvVar, b64)
	k, err := LoadOrCreate(dir, SM4) // the file says AES: not consulted
	if err != nil {
		t.Fatal(err)
	}
	if k.Fingerprint() == fk.Fingerprint() {
		t.Fatal("env keys not used")
	}
	after, _ := os.ReadFile(filepath.Join(dir, FileName))
	if !bytes.Equal(before, after) {
		t.Fatal("key file changed")
	}
}

// TestEnvKeyJSON: SHILIU_KEY may hold a whole key-file document, e.g.
// from a secret store, with several keys.
func TestEnvKeyJSON(t *testing.T) {
	fk, dir := newTestKeys(t, SM4)
	old := fk.Seal([]byte("x"), "t")
	if err := fk.Rotate(); err != nil {
		t.Fatal(err)
	}
	doc, _ := os.ReadFile(filepath.Join(dir, FileName))
	t.Setenv(EnvVar, string(doc))
	k, err := LoadOrCreate(t.TempDir(), "")
	if err != nil {
		t.Fatal(err)
	}
	if k.CurrentID() != 2 || k.Algorithm() != SM4 || k.Fingerprint() != fk.Fingerprint() {
		t.Fatalf("JSON env: %v", k)
	}
	if pt, err := k.Open(old, "t"); err != nil || string(pt) != "x" {
		t.Fatalf("Open: %q %v", pt, err)
	}
	if _, err := LoadOrCreate(t.TempDir(), AES); err == nil {
		t.Fatal("AES asked of an SM4 document")
	}
}

func TestEnvKeyInvalid(t *testing.T) {
	raw, b64 := envKey()
	secretish := base64.StdEncoding.EncodeToString(raw[:40])
	for name, v := range map[string]string{
		"empty":      "",
		"blank":      "  ",
		"short":      secretish,
		"long":       b64 + b64,
		"not base64": "this-is-not*base64!" + secretish,
		"bad json":   `{"version":1,"index_key":"` + secretish + `",`,
		"json key":   `{"version":1,"algorithm":"aes-256-gcm","current":1,"index_algorithm":"hmac-sha256","index_key":"` + secretish + `","keys":[{"id":1,"algorithm":"aes-256-gcm","key":"` + secretish + `"}]}`,
		"json field": `{"` + strings.ReplaceAll(secretish, "/", "") + `":1}`,
	} {
		t.Run(name, func(t *testing.T) {
			t.Setenv(EnvVar, v)
			dir := t.TempDir()
			_, err := LoadOrCreate(dir, "")
			if err == nil {
				t.Fatal("accepted")
			}
			if !strings.Contains(err.Error(), EnvVar) {
				t.Errorf("error does not name %s: %v", EnvVar, err)
			}
			if v != "" && strings.TrimSpace(v) != "" && strings.Contains(err.Error(), secretish[:12]) {
				t.Errorf("error quotes the key: %v", err)
			}
			if ents, _ := os.ReadDir(dir); len(ents) != 0 {
				t.Error("a key file was created")
			}
		})
	}
}

// TestBadKeyFile: corrupt or inconsistent files are errors that quote no
// key material, and are never replaced by fresh keys.
func TestBadKeyFile(t *testing.T) {
	raw := make([]byte, 32)
	rand.Read(raw)
	key := base64.StdEncoding.EncodeToString(raw)
	good := func() map[string]any {
		return map[string]any{
			"version": 1, "algorithm": AES, "current": 1, "index_algorithm": IndexSHA256, "index_key": key,
			"keys": []any{map[string]any{"id": 1, "algorithm": AES, "key": key}},
		}
	}
	cases := map[string]func(m map[string]any){
		"ok":                func(m map[string]any) {},
		"version":           func(m map[string]any) { m["version"] = 2 },
		"no keys":           func(m map[string]any) { m["keys"] = []any{} },
		"current missing":   func(m map[string]any) { m["current"] = 7 },
		"algorithm differs": func(m map[string]any) { m["algorithm"] = SM4 },
		"short key": func(m map[string]any) {
			m["keys"] = []any{map[string]any{"id": 1, "algorithm": AES, "key": key[:20] + "=="}}
		},
		"sm4 key of 32 bytes": func(m map[string]any) {
			m["algorithm"] = SM4
			m["keys"] = []any{map[string]any{"id": 1, "algorithm": SM4, "key": key}}
		},
		"duplicate id": func(m map[string]any) {
			m["keys"] = []any{map[string]any{"id": 1, "algorithm": AES, "key": key}, map[string]any{"id": 1, "algorithm": AES, "key": key}}
		},
		"id zero":         func(m map[string]any) { m["current"] = 0; m["keys"].([]any)[0].(map[string]any)["id"] = 0 },
		"index algorithm": func(m map[string]any) { m["index_algorithm"] = "md5" },
		"index key":       func(m map[string]any) { m["index_key"] = key[:10] },
		"unknown field":   func(m map[string]any) { m["extra"] = key },
		"wrong type":      func(m map[string]any) { m["current"] = key },
	}
	for name, mutate := range cases {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			m := good()
			mutate(m)
			data, _ := json.Marshal(m)
			path := filepath.Join(dir, FileName)
			os.WriteFile(path, data, 0o600)
			_, err := LoadOrCreate(dir, "")
			if name == "ok" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if err == nil {
				t.Fatal("accepted")
			}
			if strings.Contains(err.Error(), key[:12]) {
				t.Errorf("error quotes key material: %v", err)
			}
			if after, _ := os.ReadFile(path); !bytes.Equal(after, data) {
				t.Error("the bad key file was replaced")
			}
		})
	}
	t.Run("not json", func(t *testing.T) {
		dir := t.TempDir()
		os.WriteFile(filepath.Join(dir, FileName), []byte(key+"\n"), 0o600)
		_, err := LoadOrCreate(dir, "")
		if err == nil || strings.Contains(err.Error(), key[:12]) {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("empty", func(t *testing.T) {
		dir := t.TempDir()
		os.WriteFile(filepath.Join(dir, FileName), nil, 0o600)
		if _, err := LoadOrCreate(dir, ""); err == nil {
			t.Fatal("empty key file accepted")
		}
	})
	t.Run("directory", func(t *testing.T) {
		dir := t.TempDir()
		os.Mkdir(filepath.Join(dir, FileName), 0o700)
		if _, err := LoadOrCreate(dir, ""); err == nil {
			t.Fatal("a directory as key file accepted")
		}
	})
}

// TestNoKeyMaterialInOutput: printing Keys in any way shows no key bytes.
func TestNoKeyMaterialInOutput(t *testing.T) {
	k, _ := newTestKeys(t, SM4)
	k.Rotate()
	var secrets []string
	for _, e := range k.set.Load().keys {
		secrets = append(secrets, string(e.raw), hex.EncodeToString(e.raw), base64.StdEncoding.EncodeToString(e.raw), fmt.Sprint(e.raw))
	}
	secrets = append(secrets, string(k.idx.key), hex.EncodeToString(k.idx.key), base64.StdEncoding.EncodeToString(k.idx.key), fmt.Sprint(k.idx.key))
	var out []string
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%x", "%X", "%d", "%q"} {
		out = append(out, fmt.Sprintf(verb, k), fmt.Sprintf(verb, []any{k}), fmt.Sprintf(verb, struct{ K *Keys }{k}))
	}
	j, _ := json.Marshal(k)
	out = append(out, string(j), fmt.Sprint(k.Inventory()))
	for _, o := range out {
		for _, s := range secrets {
			if strings.Contains(o, s) {
				t.Fatalf("output %q contains key material", o)
			}
		}
	}
	if s := k.String(); !strings.Contains(s, SM4) || !strings.Contains(s, "current: 2") {
		t.Errorf("String() = %s", s)
	}
}

func TestKeyID(t *testing.T) {
	if _, err := KeyID([]byte{1, 2, 3}); !errors.Is(err, ErrFormat) {
		t.Fatal(err)
	}
	c := make([]byte, Overhead)
	c[0] = formatV1
	binary.BigEndian.PutUint32(c[1:], 77)
	if id, err := KeyID(c); err != nil || id != 77 {
		t.Fatal(id, err)
	}
}
