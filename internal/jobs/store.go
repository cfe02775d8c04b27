package jobs

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"shiliu/internal/db"
	"shiliu/internal/errs"
)

const jobCols = `id, kind, status, COALESCE(user_id, 0), COALESCE(file_id, 0), COALESCE(output_file_id, 0), params, COALESCE(once_key, ''),
	progress_done, progress_total, progress_items, result, error, claimed_by, heartbeat_at, created_at, started_at, finished_at`

func scanJob(sc interface{ Scan(...any) error }) (*Job, error) {
	var j Job
	var st, params, result string
	err := sc.Scan(&j.ID, &j.Kind, &st, &j.UserID, &j.FileID, &j.OutputFileID, &params, &j.OnceKey,
		&j.Done, &j.Total, &j.Items, &result, &j.Error, &j.ClaimedBy, &j.HeartbeatAt, &j.CreatedAt, &j.StartedAt, &j.FinishedAt)
	if err != nil {
		return nil, err
	}
	j.Status, j.Params = Status(st), json.RawMessage(params)
	if result != "" {
		j.Result = json.RawMessage(result)
	}
	return &j, nil
}

// Enqueue adds a job to the queue and returns it. With a OnceKey already
// used it returns the job that has it instead (created false): two
// confirmations of one preview, on one instance or two, make one job.
func (r *Runner) Enqueue(ctx context.Context, sp Spec) (j *Job, created bool, err error) {
	params := []byte("{}")
	if sp.Params != nil {
		if params, err = json.Marshal(sp.Params); err != nil {
			return nil, false, err
		}
	}
	var id int64
	err = r.DB.WithTx(ctx, func(tx *db.Tx) error {
		if sp.OnceKey != "" {
			// On SQLite the writer is one connection, so this read and the
			// insert cannot interleave with another Enqueue; on PostgreSQL
			// the unique index catches the one that can, below.
			err := tx.QueryRow(ctx, `SELECT id FROM jobs WHERE once_key = ?`, sp.OnceKey).Scan(&id)
			if err == nil {
				return nil
			}
			if !errors.Is(err, sql.ErrNoRows) {
				return err
			}
		}
		var err error
		id, err = tx.InsertID(ctx, `INSERT INTO jobs (kind, status, user_id, file_id, params, once_key, created_at) VALUES (?, 'queued', ?, ?, ?, ?, ?)`,
			sp.Kind, db.NullID(sp.UserID), db.NullID(sp.FileID), string(params), nullString(sp.OnceKey), db.FormatTime(r.Now()))
		if err != nil {
			return err
		}
		created = true
		if sp.FileID != 0 && sp.ShareFile {
			return r.Files.Retain(ctx, tx, sp.FileID)
		}
		return nil
	})
	if err != nil && sp.OnceKey != "" && db.IsUniqueViolation(err) {
		// Another instance inserted the same key between our read and our
		// insert: theirs is the job.
		j, err = r.Find(ctx, sp.OnceKey)
		return j, false, err
	}
	if err != nil {
		return nil, false, fmt.Errorf("enqueue %s job: %w", sp.Kind, err)
	}
	if created {
		r.poke()
	}
	j, err = r.Get(ctx, id)
	return j, created, err
}

func nullString(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// Get returns job id. A job running on this instance shows its latest
// progress, which may be newer than its row (on SQLite an import holds the
// only writer, so the row is written when the import ends).
func (r *Runner) Get(ctx context.Context, id int64) (*Job, error) {
	j, err := scanJob(r.DB.QueryRow(ctx, `SELECT `+jobCols+` FROM jobs WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, errs.ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("job %d: %w", id, err)
	}
	r.mu.Lock()
	t := r.running[id]
	r.mu.Unlock()
	if t != nil && j.Status == Running {
		j.Done, j.Total, j.Items, _ = t.snapshot()
	}
	return j, nil
}

// Find returns the job of a OnceKey.
func (r *Runner) Find(ctx context.Context, onceKey string) (*Job, error) {
	var id int64
	err := r.DB.QueryRow(ctx, `SELECT id FROM jobs WHERE once_key = ?`, onceKey).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, errs.ErrNotFound
	}
	if err != nil {
		return nil, err
	}
	return r.Get(ctx, id)
}

// Wait polls job id until it has finished or ctx ends.
func (r *Runner) Wait(ctx context.Context, id int64) (*Job, error) {
	for {
		j, err := r.Get(ctx, id)
		if err != nil || j.Status.Finished() {
			return j, err
		}
		select {
		case <-ctx.Done():
			return j, ctx.Err()
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// beat touches the rows of the jobs running here (with their progress) and
// looks for jobs whose instance died, every Heartbeat.
func (r *Runner) beat() {
	defer r.wg.Done()
	r.sweep()
	t := time.NewTicker(r.Heartbeat)
	defer t.Stop()
	for {
		select {
		case <-r.ctx.Done():
			return
		case <-t.C:
		}
		r.mu.Lock()
		tasks := make([]*Task, 0, len(r.running))
		for _, t := range r.running {
			tasks = append(tasks, t)
		}
		r.mu.Unlock()
		for _, t := range tasks {
			done, total, items, _ := t.snapshot()
			// A short wait: on SQLite a running import holds the writer, and
			// this instance's own jobs are never taken for dead.
			ctx, cancel := context.WithTimeout(r.ctx, r.Heartbeat/2)
			_, err := r.DB.Exec(ctx, `UPDATE jobs SET heartbeat_at = ?, progress_done = ?, progress_total = ?, progress_items = ? WHERE id = ? AND claimed_by = ? AND status = 'running'`,
				db.FormatTime(r.Now()), done, total, items, t.ID, r.Instance)
			cancel()
			if err != nil && r.ctx.Err() == nil && !errors.Is(err, context.DeadlineExceeded) {
				r.Log.Warn("job heartbeat", "job", t.ID, "err", err)
			}
		}
		r.sweep()
	}
}

// sweep finds running jobs of other instances whose heartbeat is older
// than StaleAfter — their instance died (a crash, a kill) — and queues
// them again when their kind is resumable, else fails them with the
// kind's "job.interrupted" message. An import runs in one transaction, so
// an interrupted one wrote nothing. Each row is changed only if its
// heartbeat is still the stale one seen, so two sweeping instances agree.
func (r *Runner) sweep() {
	before := db.FormatTime(r.Now().Add(-r.StaleAfter))
	rows, err := r.DB.Query(r.ctx, `SELECT `+jobCols+` FROM jobs WHERE status = 'running' AND heartbeat_at < ? AND claimed_by <> ?`, before, r.Instance)
	if err != nil {
		r.warn("look for interrupted jobs", err)
		return
	}
	var stale []*Job
	for rows.Next() {
		if j, err := scanJob(rows); err == nil {
			stale = append(stale, j)
		}
	}
	rows.Close()
	for _, j := range stale {
		h, ok := r.handlers[j.Kind]
		var err error
		if ok && h.Resumable {
			_, err = r.DB.Exec(r.ctx, `UPDATE jobs SET status = 'queued', claimed_by = '', heartbeat_at = '', started_at = '' WHERE id = ? AND status = 'running' AND heartbeat_at = ?`,
				j.ID, j.HeartbeatAt)
			r.poke()
		} else {
			_, err = r.DB.Exec(r.ctx, `UPDATE jobs SET status = 'failed', error = ?, finished_at = ? WHERE id = ? AND status = 'running' AND heartbeat_at = ?`,
				h.message(j, "job.interrupted"), db.FormatTime(r.Now()), j.ID, j.HeartbeatAt)
		}
		if err != nil {
			r.warn("end an interrupted job", err)
			continue
		}
		r.Log.Warn("job interrupted: its instance stopped answering", "job", j.ID, "kind", j.Kind, "instance", j.ClaimedBy, "resumed", ok && h.Resumable)
	}
}

// Purge deletes the jobs that finished before a time, releasing their
// input and output files, and returns how many it deleted. The app calls
// it now and then, so rosters (which hold ID numbers) are not kept longer
// than their preview is needed.
func (r *Runner) Purge(ctx context.Context, before time.Time) (int, error) {
	rows, err := r.DB.Query(ctx, `SELECT id, COALESCE(file_id, 0), COALESCE(output_file_id, 0) FROM jobs
		WHERE status IN ('done', 'failed', 'cancelled') AND finished_at < ? ORDER BY id`, db.FormatTime(before))
	type old struct{ id, in, out int64 }
	olds, err := db.Collect(rows, err, func(sc db.Scanner) (old, error) {
		var o old
		err := sc.Scan(&o.id, &o.in, &o.out)
		return o, err
	})
	if err != nil {
		return 0, err
	}
	n := 0
	for _, o := range olds {
		err := r.DB.WithTx(ctx, func(tx *db.Tx) error {
			if _, err := tx.Exec(ctx, `DELETE FROM jobs WHERE id = ?`, o.id); err != nil {
				return err
			}
			for _, f := range []int64{o.in, o.out} {
				if f != 0 {
					if err := r.Files.Remove(ctx, tx, f); err != nil && !errors.Is(err, errs.ErrNotFound) {
						return err
					}
				}
			}
			return nil
		})
		if err != nil {
			return n, fmt.Errorf("purge job %d: %w", o.id, err)
		}
		n++
	}
	return n, nil
}
