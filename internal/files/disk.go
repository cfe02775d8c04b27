package files

import (
	"context"
	"fmt"
	"log/slog"
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

// DiskColumns names where a table of an earlier version kept its files on
// disk, and the column that now points at the store. The names are the
// caller's constants, never user input.
type DiskColumns struct {
	// Table and the columns of the record's id, path (relative to the data
	// directory), file name, creator, and the store's file id.
	Table, ID, Path, Name, User, File string
	// SHA is the column of the SHA-256 the record kept, or "" when none.
	SHA string
	// What names the files in the log ("attachment", "visit photo").
	What string
}

// MoveTable moves every file of c's table still on disk into the store
// (MoveIn, one record at a time) and returns how many it moved. A file
// that cannot be moved (missing, or not the bytes recorded) is logged and
// left as it is, never deleted. It is safe on several instances at once: a
// record is pointed at its file only while it still has none.
func (s *Store) MoveTable(ctx context.Context, dataDir string, c DiskColumns, log *slog.Logger) (int, error) {
	type pending struct {
		id, userID          int64
		path, name, wantSHA string
	}
	sha := "''"
	if c.SHA != "" {
		sha = c.SHA
	}
	rows, err := s.DB.Query(ctx, `SELECT `+c.ID+`, `+c.Path+`, `+c.Name+`, `+sha+`, COALESCE(`+c.User+`, 0) FROM `+c.Table+
		` WHERE `+c.File+` IS NULL AND `+c.Path+` <> '' ORDER BY `+c.ID)
	todo, err := db.Collect(rows, err, func(sc db.Scanner) (pending, error) {
		var p pending
		err := sc.Scan(&p.id, &p.path, &p.name, &p.wantSHA, &p.userID)
		return p, err
	})
	if err != nil {
		return 0, fmt.Errorf("%s files on disk: %w", c.What, err)
	}
	n := 0
	for _, p := range todo {
		err := s.MoveIn(ctx, dataDir, p.path, p.name, p.wantSHA, p.userID, func(tx *db.Tx, f *File) error {
			res, err := tx.Exec(ctx, `UPDATE `+c.Table+` SET `+c.File+` = ?, `+c.Path+` = '' WHERE `+c.ID+` = ? AND `+c.File+` IS NULL`, f.ID, p.id)
			if err != nil {
				return err
			}
			if k, _ := res.RowsAffected(); k != 1 {
				return fmt.Errorf("%s %d was moved meanwhile", c.What, p.id)
			}
			return nil
		})
		if err != nil {
			log.Error(c.What+" not moved into the file store; left as it is", "id", p.id, "path", p.path, "err", err)
			continue
		}
		n++
	}
	return n, nil
}
