package files

import (
	"context"
	"errors"
	"fmt"
	"io"
)

// Reader reads a stored file a chunk at a time: it is an io.ReadSeeker
// (for http.ServeContent) and an io.ReaderAt (for a workbook's ZIP
// directory), and holds at most one chunk in memory.
type Reader struct {
	*File
	s   *Store
	ctx context.Context
	off int64
	// the chunk last read
	seq  int64
	data []byte
}

// Open opens file id for reading. Reads run on the database's readers
// with ctx, so the file can be read while a long transaction (an import)
// holds the writer.
func (s *Store) Open(ctx context.Context, id int64) (*Reader, error) {
	f, err := s.Stat(ctx, id)
	if err != nil {
		return nil, err
	}
	return &Reader{File: f, s: s, ctx: ctx, seq: -1}, nil
}

// chunkAt loads the chunk holding byte off.
func (r *Reader) chunkAt(off int64) ([]byte, int64, error) {
	seq := off / r.chunk
	if seq != r.seq {
		var data []byte
		if err := r.s.DB.QueryRow(r.ctx, `SELECT data FROM file_chunks WHERE file_id = ? AND seq = ?`, r.ID, seq).Scan(&data); err != nil {
			return nil, 0, fmt.Errorf("read file %d chunk %d: %w", r.ID, seq, err)
		}
		r.seq, r.data = seq, data
	}
	return r.data, seq * r.chunk, nil
}

// ReadAt reads len(p) bytes from off, as io.ReaderAt says.
func (r *Reader) ReadAt(p []byte, off int64) (int, error) {
	if off < 0 {
		return 0, errors.New("files: negative offset")
	}
	n := 0
	for n < len(p) {
		if off >= r.Size {
			return n, io.EOF
		}
		data, start, err := r.chunkAt(off)
		if err != nil {
			return n, err
		}
		c := copy(p[n:], data[off-start:])
		if c == 0 {
			return n, fmt.Errorf("read file %d: chunk %d is short", r.ID, r.seq)
		}
		n += c
		off += int64(c)
	}
	return n, nil
}

// Read reads from the current offset.
func (r *Reader) Read(p []byte) (int, error) {
	if r.off >= r.Size {
		return 0, io.EOF
	}
	if rest := r.Size - r.off; int64(len(p)) > rest {
		p = p[:rest]
	}
	n, err := r.ReadAt(p, r.off)
	r.off += int64(n)
	if errors.Is(err, io.EOF) && n > 0 {
		err = nil
	}
	return n, err
}

// Seek sets the offset of the next Read.
func (r *Reader) Seek(offset int64, whence int) (int64, error) {
	switch whence {
	case io.SeekStart:
	case io.SeekCurrent:
		offset += r.off
	case io.SeekEnd:
		offset += r.Size
	default:
		return 0, errors.New("files: bad whence")
	}
	if offset < 0 {
		return 0, errors.New("files: negative position")
	}
	r.off = offset
	return offset, nil
}

// Close releases the chunk held.
func (r *Reader) Close() error {
	r.data = nil
	return nil
}
