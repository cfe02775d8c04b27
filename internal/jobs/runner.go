// Package jobs runs background work (roster imports now; reports and
// scheduled work later) with a lifecycle the app owns: jobs are rows of
// the jobs table, so every instance on the database sees them; an
// instance claims a job with one conditional UPDATE, so a job starts once
// however many instances poll and however often a user clicks; a running
// job writes its progress and a heartbeat to its row; Close cancels the
// running jobs and waits for them; and a job whose instance died (its
// heartbeat stale) is queued again when its kind can safely run twice, or
// failed with a message saying so.
//
// A job runs as the user who asked for it: the runner keeps the user's id
// and rebuilds the actor from the database (Actors) when the job starts,
// so the job sees what that user may see then — never everything.
package jobs

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"shiliu/internal/auth"
	"shiliu/internal/db"
	"shiliu/internal/files"
)

// Status is where a job is in its life.
type Status string

// The statuses: queued → running → done, failed or cancelled.
const (
	Queued    Status = "queued"
	Running   Status = "running"
	Done      Status = "done"
	Failed    Status = "failed"
	Cancelled Status = "cancelled"
)

// Finished reports whether the job has ended, well or not.
func (s Status) Finished() bool { return s == Done || s == Failed || s == Cancelled }

// Job is a row of the jobs table.
type Job struct {
	ID     int64
	Kind   string
	Status Status
	// UserID is the user the job runs as.
	UserID       int64
	FileID       int64
	OutputFileID int64
	Params       json.RawMessage
	OnceKey      string
	// Done and Total measure progress in the handler's unit (bytes of a
	// roster); Items counts what was handled (rows).
	Done, Total, Items int64
	Result             json.RawMessage
	// Error is shown to the job's user.
	Error                            string
	ClaimedBy, HeartbeatAt           string
	CreatedAt, StartedAt, FinishedAt string
}

// Spec asks for a job.
type Spec struct {
	Kind   string
	UserID int64
	// FileID is the job's input in the file store. The job takes over the
	// caller's count of it (from Put) unless ShareFile is set, in which
	// case it counts one more holder (a file another job holds too).
	FileID    int64
	ShareFile bool
	// Params is marshalled to JSON.
	Params any
	// OnceKey, when set, makes the job exist once: Enqueue with a key
	// already used returns that job.
	OnceKey string
}

// Handler runs the jobs of one kind.
type Handler struct {
	// Run does the work as t.Actor. Its context is cancelled when the
	// runner closes; an error's text is shown to the job's user, so
	// return one worded for them.
	Run func(ctx context.Context, t *Task) (result any, err error)
	// Resumable kinds (a dry run) are queued again when their instance
	// dies or closes, since running them twice is harmless; the others
	// are failed or cancelled.
	Resumable bool
	// Message words the runner's own outcomes for the job's user; key is
	// "job.interrupted" (its instance died), "job.cancelled" (it closed)
	// or "job.account_disabled". Nil keeps the key.
	Message func(j *Job, key string) string
}

func (h Handler) message(j *Job, key string) string {
	if h.Message == nil {
		return key
	}
	return h.Message(j, key)
}

// Task is a running job as its handler sees it.
type Task struct {
	*Job
	// Actor is the job's user, rebuilt from the database when it started.
	Actor *auth.Actor

	runner             *Runner
	mu                 sync.Mutex
	done, total, items int64
	output             int64
	// committed: Commit recorded the job as done in the work's own
	// transaction.
	committed bool
}

// Commit records the job as done, with its result, inside tx — the
// transaction of the work itself — so that the row commits with the work
// or not at all: an instance that dies after the work's commit cannot
// leave the row saying the work was not done. The runner's end-of-job
// update later fills in the rest (progress, output) and keeps the row
// done whatever the handler returns after.
func (t *Task) Commit(ctx context.Context, tx *db.Tx, res any) error {
	result, err := json.Marshal(res)
	if err != nil {
		return err
	}
	now := db.FormatTime(t.runner.Now())
	r, err := tx.Exec(ctx, `UPDATE jobs SET status = 'done', result = ?, error = '', heartbeat_at = ?, finished_at = ? WHERE id = ? AND claimed_by = ? AND status = 'running'`,
		string(result), now, now, t.ID, t.runner.Instance)
	if err != nil {
		return fmt.Errorf("record job %d done: %w", t.ID, err)
	}
	if n, _ := r.RowsAffected(); n != 1 {
		return fmt.Errorf("job %d is no longer running on this instance", t.ID)
	}
	t.mu.Lock()
	t.committed = true
	t.mu.Unlock()
	return nil
}

// Progress records how far the job has come; the runner writes it to the
// job's row with the heartbeat.
func (t *Task) Progress(done, total, items int64) {
	t.mu.Lock()
	t.done, t.total, t.items = done, total, items
	t.mu.Unlock()
}

// SetOutput names the job's output in the file store; the job holds its
// count (from Put) until the job is purged.
func (t *Task) SetOutput(fileID int64) {
	t.mu.Lock()
	t.output = fileID
	t.mu.Unlock()
}

func (t *Task) snapshot() (done, total, items, output int64) {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.done, t.total, t.items, t.output
}

// Runner claims and runs jobs. Set its fields before Start.
type Runner struct {
	DB    *db.DB
	Files *files.Store
	// Actors rebuilds a user's actor (auth.Service.ActorByID).
	Actors func(ctx context.Context, userID int64) (*auth.Actor, error)
	Log    *slog.Logger
	// Instance names this runner in claimed_by; New makes a random one.
	Instance string
	// Workers is how many jobs run at once on this instance.
	Workers int
	// Poll is how often the queue is read (a job enqueued here starts at
	// once); Heartbeat how often running jobs' rows are touched; a running
	// job whose heartbeat is older than StaleAfter is taken for dead.
	Poll, Heartbeat, StaleAfter time.Duration
	Now                         func() time.Time

	handlers map[string]Handler
	wake     chan struct{}
	mu       sync.Mutex
	running  map[int64]*Task
	ctx      context.Context
	cancel   context.CancelFunc
	wg       sync.WaitGroup
}

// New returns a runner with the default timings: two workers, the queue
// read every second, a heartbeat every five seconds, stale after a minute.
func New(d *db.DB, fs *files.Store, actors func(context.Context, int64) (*auth.Actor, error), log *slog.Logger) *Runner {
	b := make([]byte, 6)
	rand.Read(b)
	return &Runner{DB: d, Files: fs, Actors: actors, Log: log, Instance: hex.EncodeToString(b), Workers: 2,
		Poll: time.Second, Heartbeat: 5 * time.Second, StaleAfter: time.Minute, Now: time.Now,
		handlers: map[string]Handler{}, wake: make(chan struct{}, 1), running: map[int64]*Task{}}
}

// Handle registers the handler of a kind, before Start.
func (r *Runner) Handle(kind string, h Handler) { r.handlers[kind] = h }

// Start begins claiming jobs in the background until Close.
func (r *Runner) Start() {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.ctx != nil {
		return
	}
	r.ctx, r.cancel = context.WithCancel(context.Background())
	r.wg.Add(2)
	go r.loop()
	go r.beat()
}

// Close cancels the running jobs and waits until they have stopped and
// their rows say so. The database must stay open until it returns.
func (r *Runner) Close() error {
	r.mu.Lock()
	cancel := r.cancel
	r.mu.Unlock()
	if cancel == nil {
		return nil
	}
	cancel()
	r.wg.Wait()
	return nil
}

// poke wakes the loop, so a job enqueued on this instance starts at once.
func (r *Runner) poke() {
	select {
	case r.wake <- struct{}{}:
	default:
	}
}

func (r *Runner) loop() {
	defer r.wg.Done()
	t := time.NewTicker(r.Poll)
	defer t.Stop()
	for {
		r.claimSome()
		select {
		case <-r.ctx.Done():
			return
		case <-r.wake:
		case <-t.C:
		}
	}
}

// claimSome claims queued jobs of the registered kinds while this
// instance has free workers.
func (r *Runner) claimSome() {
	r.mu.Lock()
	free := r.Workers - len(r.running)
	r.mu.Unlock()
	if free <= 0 || len(r.handlers) == 0 {
		return
	}
	kinds := make([]any, 0, len(r.handlers))
	for k := range r.handlers {
		kinds = append(kinds, k)
	}
	rows, err := r.DB.Query(r.ctx, `SELECT id FROM jobs WHERE status = 'queued' AND kind IN (`+db.Placeholders(len(kinds))+`) ORDER BY id LIMIT ?`,
		append(kinds, free*2)...)
	if err != nil {
		r.warn("read the job queue", err)
		return
	}
	var ids []int64
	for rows.Next() {
		var id int64
		if rows.Scan(&id) == nil {
			ids = append(ids, id)
		}
	}
	rows.Close()
	for _, id := range ids {
		if free == 0 || r.ctx.Err() != nil {
			return
		}
		t, err := r.claim(id)
		if err != nil {
			r.warn("claim a job", err)
			continue
		}
		if t == nil {
			continue // another instance (or loop) was first
		}
		free--
		r.wg.Add(1)
		go r.run(t)
	}
}

// claim takes job id if it is still queued: the UPDATE's condition is the
// lock. On PostgreSQL a second UPDATE of the row waits for the first to
// commit and then finds the status changed; on SQLite writes are serial.
// Either way exactly one claimer affects the row.
func (r *Runner) claim(id int64) (*Task, error) {
	now := db.FormatTime(r.Now())
	res, err := r.DB.Exec(r.ctx, `UPDATE jobs SET status = 'running', claimed_by = ?, heartbeat_at = ?, started_at = ? WHERE id = ? AND status = 'queued'`,
		r.Instance, now, now, id)
	if err != nil {
		return nil, err
	}
	if n, err := res.RowsAffected(); err != nil || n != 1 {
		return nil, err
	}
	j, err := r.Get(r.ctx, id)
	if err != nil {
		return nil, err
	}
	t := &Task{Job: j, runner: r}
	t.done, t.total, t.items = j.Done, j.Total, j.Items
	r.mu.Lock()
	r.running[id] = t
	r.mu.Unlock()
	return t, nil
}

// run runs a claimed job and records how it ended.
func (r *Runner) run(t *Task) {
	defer r.wg.Done()
	defer func() {
		r.mu.Lock()
		delete(r.running, t.ID)
		r.mu.Unlock()
		r.poke()
	}()
	h := r.handlers[t.Kind]
	var res any
	var err error
	if t.UserID != 0 && r.Actors != nil {
		t.Actor, err = r.Actors(r.ctx, t.UserID)
		if err != nil {
			r.finish(t, Failed, nil, h.message(t.Job, "job.account_disabled"))
			return
		}
	}
	func() {
		defer func() {
			if p := recover(); p != nil {
				err = fmt.Errorf("job %d panicked: %v", t.ID, p)
				r.Log.Error("job panicked", "job", t.ID, "kind", t.Kind, "panic", p)
			}
		}()
		res, err = h.Run(r.ctx, t)
	}()
	switch {
	case err == nil:
		r.finish(t, Done, res, "")
	case r.ctx.Err() != nil && h.Resumable:
		r.requeue(t)
	case r.ctx.Err() != nil:
		r.finish(t, Cancelled, nil, h.message(t.Job, "job.cancelled"))
	default:
		r.finish(t, Failed, nil, err.Error())
	}
}

// finish writes a job's end to its row, on a context of its own: the
// runner's may be cancelled already (Close), and the row must still say so.
func (r *Runner) finish(t *Task, st Status, res any, errText string) {
	var result []byte
	if res != nil {
		var err error
		if result, err = json.Marshal(res); err != nil {
			st, errText = Failed, err.Error()
		}
	}
	done, total, items, output := t.snapshot()
	t.mu.Lock()
	committed := t.committed
	t.mu.Unlock()
	ctx, cancel := context.WithTimeout(context.WithoutCancel(r.ctx), 30*time.Second)
	defer cancel()
	set := `progress_done = ?, progress_total = ?, progress_items = ?, output_file_id = ?, heartbeat_at = ?, finished_at = ?`
	args := []any{done, total, items, db.NullID(output), db.FormatTime(r.Now()), db.FormatTime(r.Now())}
	if committed {
		// Commit recorded the job done in its work's transaction: if that
		// committed, the row says done and stays so, whatever the handler
		// returned after (with its result, when it returned one).
		q, qargs := `UPDATE jobs SET `+set, args
		if res != nil {
			q, qargs = q+`, result = ?`, append(qargs, string(result))
		}
		out, err := r.DB.Exec(ctx, q+` WHERE id = ? AND claimed_by = ? AND status = 'done'`, append(qargs, t.ID, r.Instance)...)
		if err == nil {
			if n, _ := out.RowsAffected(); n == 1 {
				return
			}
		}
		// The work's transaction rolled back: the job ends as usual.
	}
	_, err := r.DB.Exec(ctx, `UPDATE jobs SET status = ?, result = ?, error = ?, `+set+` WHERE id = ? AND claimed_by = ? AND status = 'running'`,
		append(append([]any{string(st), string(result), errText}, args...), t.ID, r.Instance)...)
	if err != nil {
		r.Log.Error("record the end of a job", "job", t.ID, "status", st, "err", err)
	}
}

// requeue gives a resumable job back to the queue (its output, if any, is
// released by the next run's).
func (r *Runner) requeue(t *Task) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(r.ctx), 30*time.Second)
	defer cancel()
	if _, err := r.DB.Exec(ctx, `UPDATE jobs SET status = 'queued', claimed_by = '', heartbeat_at = '', started_at = '' WHERE id = ? AND claimed_by = ? AND status = 'running'`,
		t.ID, r.Instance); err != nil {
		r.Log.Error("queue a job again", "job", t.ID, "err", err)
	}
}

func (r *Runner) warn(what string, err error) {
	if r.ctx.Err() == nil {
		r.Log.Warn(what, "err", err)
	}
}
