// Package files is the one store of uploaded and generated files: case
// attachments, visit photos, rosters waiting for an import, the errors
// workbook of an import. The bytes are kept in the database (tables files
// and file_chunks), in chunks of ChunkSize, so that every instance on the
// same database and every backup of it has them, and so that no file is
// ever held in memory whole. Content is addressed by its SHA-256: the same
// bytes are stored once and counted (refcount), one count for each record
// that holds the file.
//
// The store checks what a file is (by its content, against the purpose's
// Kind) and how large; it does not know who may see a file. The service
// that owns the record holding a file (a case, a visit, a job) checks the
// actor's scope before it opens the file.
package files

import (
	"bufio"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"time"

	"shiliu/internal/db"
	"shiliu/internal/errs"
)

// ChunkSize is the size of the chunks a file is stored in: small enough to
// be one row and one read, large enough that a 60 MB roster is a few
// hundred rows.
const ChunkSize = 256 << 10

// Store keeps files in the database.
type Store struct {
	DB *db.DB
	// Now is the clock; tests replace it.
	Now func() time.Time
}

// New returns a store on d.
func New(d *db.DB) *Store { return &Store{DB: d, Now: time.Now} }

// File is a stored file's description.
type File struct {
	ID     int64
	SHA256 string
	Size   int64
	// MIME is the type sniffed from the content.
	MIME string
	// Name is the name it was first uploaded with (owners keep their own).
	Name      string
	Refcount  int
	CreatedBy int64
	CreatedAt string
	chunk     int64
}

// Put stores the content of r as a file of kind k in its own transaction
// and returns it (with a new count if the same content was stored
// before). See PutTx.
func (s *Store) Put(ctx context.Context, k Kind, name string, r io.Reader, by int64) (*File, error) {
	var f *File
	err := s.DB.WithTx(ctx, func(tx *db.Tx) error {
		var err error
		f, err = s.PutTx(ctx, tx, k, name, r, by)
		return err
	})
	return f, err
}

// PutTx stores the content of r in tx, so that the record that holds the
// file is written with it or not at all. The first bytes must be of a type
// k accepts and the name must not claim another kind of file; the content
// must not be longer than k.MaxBytes. A refusal is an Invalid error naming
// k.Field, and nothing is kept. r is read once, a chunk at a time.
func (s *Store) PutTx(ctx context.Context, tx *db.Tx, k Kind, name string, r io.Reader, by int64) (*File, error) {
	br := bufio.NewReaderSize(r, 512)
	head, err := br.Peek(512)
	if err != nil && !errors.Is(err, io.EOF) && !errors.Is(err, bufio.ErrBufferFull) {
		return nil, fmt.Errorf("read %s: %w", k.Name, err)
	}
	ct, err := k.Check(head, name)
	if err != nil {
		return nil, err
	}
	pending := make([]byte, 16)
	if _, err := rand.Read(pending); err != nil {
		return nil, err
	}
	f := &File{MIME: ct, Name: CleanName(name), CreatedBy: by, CreatedAt: db.FormatTime(s.Now()), Refcount: 1, chunk: ChunkSize}
	f.ID, err = tx.InsertID(ctx, `INSERT INTO files (sha256, size, mime, name, chunk_size, refcount, created_by, created_at) VALUES (?, 0, ?, ?, ?, 1, ?, ?)`,
		"pending:"+hex.EncodeToString(pending), f.MIME, f.Name, ChunkSize, db.NullID(by), f.CreatedAt)
	if err != nil {
		return nil, fmt.Errorf("insert file: %w", err)
	}
	h := sha256.New()
	buf := make([]byte, ChunkSize)
	for seq := 0; ; seq++ {
		n, rerr := io.ReadFull(br, buf)
		if n > 0 {
			f.Size += int64(n)
			if k.MaxBytes > 0 && f.Size > k.MaxBytes {
				return nil, k.refuse("too_large")
			}
			h.Write(buf[:n])
			if _, err := tx.Exec(ctx, `INSERT INTO file_chunks (file_id, seq, data) VALUES (?, ?, ?)`, f.ID, seq, buf[:n]); err != nil {
				return nil, fmt.Errorf("insert file chunk: %w", err)
			}
		}
		if errors.Is(rerr, io.EOF) || errors.Is(rerr, io.ErrUnexpectedEOF) {
			break
		}
		if rerr != nil {
			return nil, fmt.Errorf("read %s: %w", k.Name, rerr)
		}
	}
	sum := h.Sum(nil)
	f.SHA256 = hex.EncodeToString(sum)
	if tx.Dialect() == db.Postgres {
		// Two uploads of the same content at once: the second waits here
		// for the first to commit, then finds it.
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(?)`, int64(binary.BigEndian.Uint64(sum))); err != nil {
			return nil, fmt.Errorf("lock file hash: %w", err)
		}
	}
	var old File
	err = tx.QueryRow(ctx, `SELECT `+fileCols+` FROM files WHERE sha256 = ?`, f.SHA256).Scan(old.dest()...)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		if _, err := tx.Exec(ctx, `UPDATE files SET sha256 = ?, size = ? WHERE id = ?`, f.SHA256, f.Size, f.ID); err != nil {
			return nil, fmt.Errorf("record file hash: %w", err)
		}
		return f, nil
	case err != nil:
		return nil, fmt.Errorf("find file by hash: %w", err)
	}
	// Stored before: keep that one, counted once more, and drop the copy.
	if err := s.drop(ctx, tx, f.ID); err != nil {
		return nil, err
	}
	if _, err := tx.Exec(ctx, `UPDATE files SET refcount = refcount + 1 WHERE id = ?`, old.ID); err != nil {
		return nil, fmt.Errorf("count file: %w", err)
	}
	old.Refcount++
	return &old, nil
}

const fileCols = `id, sha256, size, mime, name, chunk_size, refcount, COALESCE(created_by, 0), created_at`

func (f *File) dest() []any {
	return []any{&f.ID, &f.SHA256, &f.Size, &f.MIME, &f.Name, &f.chunk, &f.Refcount, &f.CreatedBy, &f.CreatedAt}
}

// Stat describes file id; a file that does not exist (or was removed) is
// errs.ErrNotFound.
func (s *Store) Stat(ctx context.Context, id int64) (*File, error) {
	var f File
	err := s.DB.QueryRow(ctx, `SELECT `+fileCols+` FROM files WHERE id = ? AND refcount > 0`, id).Scan(f.dest()...)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, errs.ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("stat file %d: %w", id, err)
	}
	return &f, nil
}

// Retain counts one more holder of file id, in tx (a second record that
// holds the same file, such as the import job that applies a checked
// roster).
func (s *Store) Retain(ctx context.Context, tx *db.Tx, id int64) error {
	res, err := tx.Exec(ctx, `UPDATE files SET refcount = refcount + 1 WHERE id = ? AND refcount > 0`, id)
	if err != nil {
		return fmt.Errorf("retain file %d: %w", id, err)
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return errs.ErrNotFound
	}
	return nil
}

// Remove counts one holder of file id less, in tx; the last one's removal
// deletes the bytes.
func (s *Store) Remove(ctx context.Context, tx *db.Tx, id int64) error {
	var left int
	if err := tx.QueryRow(ctx, `UPDATE files SET refcount = refcount - 1 WHERE id = ? AND refcount > 0 RETURNING refcount`, id).Scan(&left); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return errs.ErrNotFound
		}
		return fmt.Errorf("remove file %d: %w", id, err)
	}
	if left > 0 {
		return nil
	}
	return s.drop(ctx, tx, id)
}

// drop deletes a file's chunks and row.
func (s *Store) drop(ctx context.Context, tx *db.Tx, id int64) error {
	if _, err := tx.Exec(ctx, `DELETE FROM file_chunks WHERE file_id = ?`, id); err != nil {
		return fmt.Errorf("delete file chunks: %w", err)
	}
	if _, err := tx.Exec(ctx, `DELETE FROM files WHERE id = ?`, id); err != nil {
		return fmt.Errorf("delete file: %w", err)
	}
	return nil
}

// RemoveNow is Remove in its own transaction.
func (s *Store) RemoveNow(ctx context.Context, id int64) error {
	return s.DB.WithTx(ctx, func(tx *db.Tx) error { return s.Remove(ctx, tx, id) })
}
