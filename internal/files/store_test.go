package files_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"strings"
	"testing"

	"shiliu/internal/db"
	"shiliu/internal/dbtest"
	"shiliu/internal/errs"
	"shiliu/internal/files"
)

var (
	pngHead = []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89")
	docs    = files.Kind{Name: "test document", Field: "file", Types: []string{files.JPEG, files.PNG, files.PDF}, MaxBytes: 1 << 20}
)

func count(t *testing.T, d *db.DB, q string) int {
	t.Helper()
	var n int
	if err := d.QueryRow(context.Background(), q).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func readAll(t *testing.T, s *files.Store, id int64) []byte {
	t.Helper()
	r, err := s.Open(context.Background(), id)
	if err != nil {
		t.Fatalf("open %d: %v", id, err)
	}
	defer r.Close()
	b, err := io.ReadAll(r)
	if err != nil {
		t.Fatalf("read %d: %v", id, err)
	}
	return b
}

// TestPutOpenRemove: a file is kept by its sniffed type and hash, read back
// whole, counted once more when the same bytes come again, and gone when
// its last holder removes it.
func TestPutOpenRemove(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		s := files.New(d)
		data := append([]byte("%PDF-1.7\n"), bytes.Repeat([]byte("页"), 1000)...)
		f, err := s.Put(ctx, docs, `C:\扫描\申请.pdf`, bytes.NewReader(data), 0)
		if err != nil {
			t.Fatal(err)
		}
		sum := sha256.Sum256(data)
		if f.MIME != files.PDF || f.Size != int64(len(data)) || f.SHA256 != hex.EncodeToString(sum[:]) || f.Name != "申请.pdf" || f.Refcount != 1 {
			t.Errorf("put: %+v", f)
		}
		if got := readAll(t, s, f.ID); !bytes.Equal(got, data) {
			t.Errorf("read back %d bytes, want %d", len(got), len(data))
		}
		// The same bytes under another name: one file, counted twice.
		g, err := s.Put(ctx, docs, "copy.pdf", bytes.NewReader(data), 0)
		if err != nil {
			t.Fatal(err)
		}
		if g.ID != f.ID || g.Refcount != 2 {
			t.Errorf("dedup: got file %d refcount %d, want %d and 2", g.ID, g.Refcount, f.ID)
		}
		if n := count(t, d, `SELECT COUNT(*) FROM files`); n != 1 {
			t.Errorf("%d files rows after a duplicate", n)
		}
		if err := s.RemoveNow(ctx, f.ID); err != nil {
			t.Fatal(err)
		}
		if got := readAll(t, s, f.ID); !bytes.Equal(got, data) {
			t.Error("the file is gone while a holder is left")
		}
		if err := s.RemoveNow(ctx, f.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Open(ctx, f.ID); errs.KindOf(err) != errs.NotFound {
			t.Errorf("open after the last remove: %v", err)
		}
		if n := count(t, d, `SELECT COUNT(*) FROM file_chunks`); n != 0 {
			t.Errorf("%d chunks left", n)
		}
		if err := s.RemoveNow(ctx, f.ID); errs.KindOf(err) != errs.NotFound {
			t.Errorf("remove twice: %v", err)
		}
	})
}

// TestLargeFile: a file of several chunks is stored in chunks and read
// back whole, by Read, ReadAt across a chunk boundary and Seek.
func TestLargeFile(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		s := files.New(d)
		data := make([]byte, 2*files.ChunkSize+12345)
		rand.Read(data)
		copy(data, "%PDF-1.4\n")
		big := docs
		big.MaxBytes = 0
		f, err := s.Put(ctx, big, "big.pdf", bytes.NewReader(data), 0)
		if err != nil {
			t.Fatal(err)
		}
		if n := count(t, d, `SELECT COUNT(*) FROM file_chunks`); n != 3 {
			t.Errorf("%d chunks, want 3", n)
		}
		if got := readAll(t, s, f.ID); !bytes.Equal(got, data) {
			t.Fatalf("read back %d bytes, want %d", len(got), len(data))
		}
		r, _ := s.Open(ctx, f.ID)
		defer r.Close()
		p := make([]byte, 100)
		if n, err := r.ReadAt(p, files.ChunkSize-50); n != 100 || err != nil || !bytes.Equal(p, data[files.ChunkSize-50:files.ChunkSize+50]) {
			t.Errorf("ReadAt across chunks: %d %v", n, err)
		}
		if n, err := r.ReadAt(p, int64(len(data))-10); n != 10 || err != io.EOF {
			t.Errorf("ReadAt at the end: %d %v", n, err)
		}
		if _, err := r.Seek(-20, io.SeekEnd); err != nil {
			t.Fatal(err)
		}
		tail, _ := io.ReadAll(r)
		if !bytes.Equal(tail, data[len(data)-20:]) {
			t.Errorf("seek from the end: %d bytes", len(tail))
		}
	})
}

// TestRefusals: the content decides the type; a name claiming another kind
// of file, an unaccepted type, an empty file and one over the cap are
// Invalid errors naming the field, and nothing is kept.
func TestRefusals(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		s := files.New(d)
		for _, tc := range []struct {
			name string
			data []byte
			key  string
		}{
			{"scan.pdf", pngHead, "err.file_mismatch"},
			{"roster.xlsx", []byte("姓名,民族\n"), "err.file_type"},
			{"page.png", []byte("<html><body>hi</body></html>"), "err.file_type"},
			{"empty.pdf", nil, "err.file_empty"},
			{"big.pdf", append([]byte("%PDF-1.4\n"), make([]byte, 1<<20)...), "err.file_too_large"},
		} {
			_, err := s.Put(ctx, docs, tc.name, bytes.NewReader(tc.data), 0)
			e, ok := errs.As(err)
			if !ok || e.Kind != errs.Invalid || e.Key != tc.key || e.Fields["file"] != tc.key {
				t.Errorf("%s: got %v, want Invalid %s on field file", tc.name, err, tc.key)
			}
		}
		if n := count(t, d, `SELECT COUNT(*) FROM files`) + count(t, d, `SELECT COUNT(*) FROM file_chunks`); n != 0 {
			t.Errorf("refusals kept %d rows", n)
		}
		// An image named as another image format is the image it is; a name
		// the store does not check leaves the content to decide.
		for _, name := range []string{"IMG_0001.jpg", "scan", "photo.heic"} {
			f, err := s.Put(ctx, docs, name, bytes.NewReader(pngHead), 0)
			if err != nil || f.MIME != files.PNG {
				t.Errorf("%s: %+v %v", name, f, err)
			}
		}
		// Office files and CSV are told by their name.
		sheets := files.Kind{Name: "roster", Types: []string{files.CSV, files.XLSX}}
		if f, err := s.Put(ctx, sheets, "花名册.xlsx", strings.NewReader("PK\x03\x04 not really a workbook"), 0); err != nil || f.MIME != files.XLSX {
			t.Errorf("xlsx: %+v %v", f, err)
		}
		if f, err := s.Put(ctx, sheets, "花名册.csv", strings.NewReader("\ufeff姓名,民族\n"), 0); err != nil || f.MIME != files.CSV {
			t.Errorf("csv: %+v %v", f, err)
		}
		if _, err := s.Put(ctx, sheets, "花名册.csv", strings.NewReader("PK\x03\x04 a workbook named csv"), 0); errs.KindOf(err) != errs.Invalid {
			t.Errorf("a workbook named .csv: %v", err)
		}
	})
}
