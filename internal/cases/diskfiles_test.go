package cases_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"testing"

	"shiliu/internal/db"
	"shiliu/internal/dbtest"
)

// TestMoveDiskFiles: attachments an earlier version kept under the data
// directory are moved into the file store at start-up, checked against
// their recorded SHA-256, and removed from disk; one whose bytes do not
// match, or whose file is missing, is left as it was.
func TestMoveDiskFiles(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		f := newFix(t, d)
		c := f.inA(t, "旧附件")
		put := func(rel string, data []byte, sha string) int64 {
			t.Helper()
			if data != nil {
				full := filepath.Join(f.s.DataDir, filepath.FromSlash(rel))
				os.MkdirAll(filepath.Dir(full), 0o700)
				if err := os.WriteFile(full, data, 0o600); err != nil {
					t.Fatal(err)
				}
			}
			var id int64
			err := d.WithTx(f.ctx, func(tx *db.Tx) error {
				var err error
				id, err = tx.InsertID(f.ctx, `INSERT INTO case_attachments (case_id, name, content_type, size, sha256, path, username, created_at)
					VALUES (?, 'old.png', 'image/png', ?, ?, ?, 'staffa', '2025-01-02T03:04:05.000Z')`, c.ID, len(data), sha, rel)
				return err
			})
			if err != nil {
				t.Fatal(err)
			}
			return id
		}
		pic := pngBytes(t)
		sum := sha256.Sum256(pic)
		good := put("attachments/2025/aaaa", pic, hex.EncodeToString(sum[:]))
		bad := put("attachments/2025/bbbb", []byte("%PDF-1.4 changed on disk"), hex.EncodeToString(sum[:]))
		missing := put("attachments/2025/cccc", nil, "00")

		n, err := f.s.MoveDiskFiles(f.ctx, slog.New(slog.NewTextHandler(io.Discard, nil)))
		if err != nil || n != 1 {
			t.Fatalf("moved %d, %v; want 1", n, err)
		}
		_, file, err := f.s.OpenAttachment(f.ctx, f.admin, c.ID, good)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(file)
		file.Close()
		if !bytes.Equal(b, pic) {
			t.Errorf("moved attachment reads %d bytes, want %d", len(b), len(pic))
		}
		if _, err := os.Stat(filepath.Join(f.s.DataDir, "attachments", "2025", "aaaa")); !os.IsNotExist(err) {
			t.Errorf("the moved file is still on disk: %v", err)
		}
		if _, err := os.Stat(filepath.Join(f.s.DataDir, "attachments", "2025", "bbbb")); err != nil {
			t.Errorf("the mismatched file was removed: %v", err)
		}
		if k := f.count(t, `SELECT COUNT(*) FROM case_attachments WHERE id IN (?, ?) AND file_id IS NULL AND path <> ''`, bad, missing); k != 2 {
			t.Errorf("%d of the unmovable attachments kept their path, want 2", k)
		}
		// Again: nothing more to move, nothing broken.
		if n, err := f.s.MoveDiskFiles(f.ctx, slog.New(slog.NewTextHandler(io.Discard, nil))); err != nil || n != 0 {
			t.Errorf("second run moved %d, %v", n, err)
		}
	})
}
