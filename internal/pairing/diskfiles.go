package pairing

import (
	"context"
	"log/slog"

	"shiliu/internal/files"
)

// MoveDiskFiles moves the visit photos earlier versions kept under the
// data directory into the file store and returns how many it moved
// (files.Store.MoveTable). The visits kept no hash, so the bytes are
// checked only by reading them whole. The start-up of internal/app calls it
// after the migrations.
func (s *Service) MoveDiskFiles(ctx context.Context, log *slog.Logger) (int, error) {
	return s.Files.MoveTable(ctx, s.DataDir, files.DiskColumns{Table: "pairing_visits", ID: "id", Path: "photo_path", Name: "photo_name",
		User: "created_by", File: "photo_file_id", What: "visit photo"}, log)
}
