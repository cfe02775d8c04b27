package pairing

import (
	"context"
	"fmt"
	"log/slog"

	"shiliu/internal/db"
	"shiliu/internal/files"
)

// MoveDiskFiles moves the visit photos earlier versions kept under the
// data directory into the file store and returns how many it moved. The
// visits kept no hash, so the bytes are checked only by reading them
// whole; one that cannot be moved (missing, unreadable) is logged and left
// as it is, never deleted. The start-up of internal/app calls it after the
// migrations; it is safe on several instances at once.
func (s *Service) MoveDiskFiles(ctx context.Context, log *slog.Logger) (int, error) {
	type pending struct {
		id, userID int64
		path, name string
	}
	rows, err := s.DB.Query(ctx, `SELECT id, photo_path, photo_name, COALESCE(created_by, 0) FROM pairing_visits WHERE photo_file_id IS NULL AND photo_path <> '' ORDER BY id`)
	todo, err := db.Collect(rows, err, func(sc db.Scanner) (pending, error) {
		var p pending
		err := sc.Scan(&p.id, &p.path, &p.name, &p.userID)
		return p, err
	})
	if err != nil {
		return 0, fmt.Errorf("visit photos on disk: %w", err)
	}
	n := 0
	for _, p := range todo {
		err := s.Files.MoveIn(ctx, s.DataDir, p.path, p.name, "", p.userID, func(tx *db.Tx, f *files.File) error {
			res, err := tx.Exec(ctx, `UPDATE pairing_visits SET photo_file_id = ?, photo_path = '' WHERE id = ? AND photo_file_id IS NULL`, f.ID, p.id)
			if err != nil {
				return err
			}
			if k, _ := res.RowsAffected(); k != 1 {
				return fmt.Errorf("visit %d was moved meanwhile", p.id)
			}
			return nil
		})
		if err != nil {
			log.Error("visit photo not moved into the file store; left as it is", "visit", p.id, "path", p.path, "err", err)
			continue
		}
		n++
	}
	return n, nil
}
