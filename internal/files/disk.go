package files

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"shiliu/internal/db"
)

// moved is the kind of a file moved in from the data directory: it was
// checked when it was uploaded, under the rules of its day, so it is taken
// as it is rather than refused now and lost.
var moved = Kind{Name: "file moved in from the data directory"}

// MoveIn moves the file at rel (relative to dataDir, as the records of
// earlier versions held it) into the store: in one transaction it stores
// the bytes, checks them against wantSHA (the hex SHA-256 the record
// kept; "" when it kept none) and lets record point the record at the new
// file; only after that commits is the file on disk removed. A missing
// file, a path leaving dataDir or a hash that does not match is an error
// and changes nothing, so no file is ever lost by a move.
func (s *Store) MoveIn(ctx context.Context, dataDir, rel, name, wantSHA string, by int64, record func(tx *db.Tx, f *File) error) error {
	if dataDir == "" || rel == "" || strings.Contains(rel, "..") || filepath.IsAbs(rel) {
		return fmt.Errorf("move %q into the file store: not a path under the data directory", rel)
	}
	full := filepath.Join(dataDir, filepath.FromSlash(rel))
	fh, err := os.Open(full)
	if err != nil {
		return fmt.Errorf("move into the file store: %w", err)
	}
	err = s.DB.WithTx(ctx, func(tx *db.Tx) error {
		f, err := s.PutTx(ctx, tx, moved, name, fh, by)
		if err != nil {
			return err
		}
		if wantSHA != "" && !strings.EqualFold(f.SHA256, wantSHA) {
			return fmt.Errorf("move %s into the file store: its SHA-256 is %s, the record says %s", rel, f.SHA256, wantSHA)
		}
		return record(tx, f)
	})
	fh.Close()
	if err != nil {
		return err
	}
	if err := os.Remove(full); err != nil {
		return fmt.Errorf("moved %s into the file store, but: %w", rel, err)
	}
	return nil
}
