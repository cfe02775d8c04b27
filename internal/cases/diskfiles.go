package cases

import (
	"context"
	"log/slog"

	"shiliu/internal/files"
)

// MoveDiskFiles moves the attachments earlier versions kept under the data
// directory into the file store, each checked against the SHA-256 its
// record kept, and returns how many it moved (files.Store.MoveTable). The
// start-up of internal/app calls it after the migrations.
func (s *Service) MoveDiskFiles(ctx context.Context, log *slog.Logger) (int, error) {
	return s.Files.MoveTable(ctx, s.DataDir, files.DiskColumns{Table: "case_attachments", ID: "id", Path: "path", Name: "name",
		User: "user_id", File: "file_id", SHA: "sha256", What: "attachment"}, log)
}
