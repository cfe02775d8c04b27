package cases

import (
	"context"
	"fmt"
	"log/slog"

	"shiliu/internal/db"
	"shiliu/internal/files"
)

// MoveDiskFiles moves the attachments earlier versions kept under the data
// directory into the file store, each checked against the SHA-256 its
// record kept, and returns how many it moved. One that cannot be moved
// (missing, or not the bytes recorded) is logged and left as it is, never
// deleted; the rest are moved. The start-up of internal/app calls it after
// the migrations; it is safe on several instances at once (a record is
// pointed at its file only while it still has none).
func (s *Service) MoveDiskFiles(ctx context.Context, log *slog.Logger) (int, error) {
	type pending struct {
		id              int64
		path, name, sha string
		userID          int64
	}
	rows, err := s.DB.Query(ctx, `SELECT id, path, name, sha256, COALESCE(user_id, 0) FROM case_attachments WHERE file_id IS NULL AND path <> '' ORDER BY id`)
	todo, err := db.Collect(rows, err, func(sc db.Scanner) (pending, error) {
		var p pending
		err := sc.Scan(&p.id, &p.path, &p.name, &p.sha, &p.userID)
		return p, err
	})
	if err != nil {
		return 0, fmt.Errorf("attachments on disk: %w", err)
	}
	n := 0
	for _, p := range todo {
		err := s.Files.MoveIn(ctx, s.DataDir, p.path, p.name, p.sha, p.userID, func(tx *db.Tx, f *files.File) error {
			res, err := tx.Exec(ctx, `UPDATE case_attachments SET file_id = ?, path = '' WHERE id = ? AND file_id IS NULL`, f.ID, p.id)
			if err != nil {
				return err
			}
			if k, _ := res.RowsAffected(); k != 1 {
				return fmt.Errorf("attachment %d was moved meanwhile", p.id)
			}
			return nil
		})
		if err != nil {
			log.Error("attachment not moved into the file store; left as it is", "attachment", p.id, "path", p.path, "err", err)
			continue
		}
		n++
	}
	return n, nil
}
