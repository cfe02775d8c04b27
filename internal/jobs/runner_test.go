package jobs_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"shiliu/internal/auth"
	"shiliu/internal/db"
	"shiliu/internal/dbtest"
	"shiliu/internal/files"
	"shiliu/internal/jobs"
)

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

// fixture: one unit and two users, one of them disabled.
func users(t *testing.T, d *db.DB) (active, disabled int64) {
	t.Helper()
	ctx := context.Background()
	err := d.WithTx(ctx, func(tx *db.Tx) error {
		now := db.Now()
		org, err := tx.InsertID(ctx, `INSERT INTO org_units (code, name, kind, path, depth, created_at, updated_at) VALUES ('S', '和平街道', 'subdistrict', '/1/', 0, ?, ?)`, now, now)
		if err != nil {
			return err
		}
		if active, err = tx.InsertID(ctx, `INSERT INTO users (username, password_hash, role, org_id, created_at, updated_at) VALUES ('admin', 'x', ?, ?, ?, ?)`,
			string(auth.StreetAdmin), org, now, now); err != nil {
			return err
		}
		disabled, err = tx.InsertID(ctx, `INSERT INTO users (username, password_hash, role, org_id, disabled, created_at, updated_at) VALUES ('gone', 'x', ?, ?, 1, ?, ?)`,
			string(auth.StreetAdmin), org, now, now)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return active, disabled
}

func newRunner(d *db.DB, instance string) *jobs.Runner {
	r := jobs.New(d, files.New(d), auth.NewService(d).ActorByID, quiet)
	// StaleAfter well above any pause a loaded machine under -race makes:
	// the crash tests age their heartbeats by an hour, and a live job must
	// never be taken for dead.
	r.Instance, r.Poll, r.Heartbeat, r.StaleAfter = instance, 10*time.Millisecond, 20*time.Millisecond, 10*time.Second
	return r
}

func wait(t *testing.T, r *jobs.Runner, id int64) *jobs.Job {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	j, err := r.Wait(ctx, id)
	if err != nil {
		t.Fatalf("wait for job %d: %v", id, err)
	}
	return j
}

// TestClaimOnce: two runners racing for the same queue run every job once,
// as its user, and record its result and progress.
func TestClaimOnce(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		uid, _ := users(t, d)
		var mu sync.Mutex
		runs := map[int64]int{}
		handler := jobs.Handler{Run: func(ctx context.Context, tk *jobs.Task) (any, error) {
			if tk.Actor == nil || tk.Actor.UserID != uid || tk.Actor.Role != auth.StreetAdmin {
				return nil, errors.New("not run as its user")
			}
			mu.Lock()
			runs[tk.ID]++
			mu.Unlock()
			tk.Progress(7, 7, 3)
			time.Sleep(5 * time.Millisecond)
			return map[string]int64{"job": tk.ID}, nil
		}}
		r1, r2 := newRunner(d, "one"), newRunner(d, "two")
		r1.Handle("count", handler)
		r2.Handle("count", handler)
		var ids []int64
		for i := 0; i < 16; i++ {
			j, created, err := r1.Enqueue(context.Background(), jobs.Spec{Kind: "count", UserID: uid})
			if err != nil || !created || j.Status != jobs.Queued {
				t.Fatalf("enqueue: %+v %v %v", j, created, err)
			}
			ids = append(ids, j.ID)
		}
		r1.Start()
		r2.Start()
		defer r1.Close()
		defer r2.Close()
		by := map[string]int{}
		for _, id := range ids {
			j := wait(t, r1, id)
			if j.Status != jobs.Done || j.Error != "" || !strings.Contains(string(j.Result), "job") || j.Done != 7 || j.Items != 3 || j.FinishedAt == "" {
				t.Errorf("job %d: %+v", id, j)
			}
			by[j.ClaimedBy]++
		}
		mu.Lock()
		defer mu.Unlock()
		for _, id := range ids {
			if runs[id] != 1 {
				t.Errorf("job %d ran %d times", id, runs[id])
			}
		}
		t.Logf("claimed: %v", by)
	})
}

// TestOnceKey: enqueueing a key twice at once (two clicks, two instances)
// gives one job.
func TestOnceKey(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		uid, _ := users(t, d)
		r1, r2 := newRunner(d, "one"), newRunner(d, "two")
		var wg sync.WaitGroup
		got := make([]*jobs.Job, 8)
		var made atomic.Int32
		for i := range got {
			wg.Add(1)
			go func() {
				defer wg.Done()
				r := r1
				if i%2 == 1 {
					r = r2
				}
				j, created, err := r.Enqueue(context.Background(), jobs.Spec{Kind: "apply", UserID: uid, OnceKey: "apply:42"})
				if err != nil {
					t.Error(err)
					return
				}
				if created {
					made.Add(1)
				}
				got[i] = j
			}()
		}
		wg.Wait()
		for _, j := range got {
			if j == nil || j.ID != got[0].ID {
				t.Fatalf("jobs %+v", got)
			}
		}
		if made.Load() != 1 {
			t.Errorf("%d jobs created", made.Load())
		}
	})
}

// TestCloseCancels: Close cancels a running job and waits for it; the job
// is cancelled with its kind's message, or queued again when resumable.
func TestCloseCancels(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		uid, _ := users(t, d)
		r := newRunner(d, "one")
		started := make(chan struct{}, 2)
		var stopped atomic.Int32
		block := func(ctx context.Context, tk *jobs.Task) (any, error) {
			started <- struct{}{}
			<-ctx.Done()
			time.Sleep(50 * time.Millisecond) // Close must wait for this
			stopped.Add(1)
			return nil, ctx.Err()
		}
		msg := func(j *jobs.Job, key string) string { return "text of " + key }
		r.Handle("apply", jobs.Handler{Run: block, Message: msg})
		r.Handle("check", jobs.Handler{Run: block, Message: msg, Resumable: true})
		apply, _, _ := r.Enqueue(context.Background(), jobs.Spec{Kind: "apply", UserID: uid})
		check, _, _ := r.Enqueue(context.Background(), jobs.Spec{Kind: "check", UserID: uid})
		r.Start()
		<-started
		<-started
		r.Close()
		if stopped.Load() != 2 {
			t.Fatalf("Close returned before its jobs stopped (%d of 2)", stopped.Load())
		}
		if j, _ := r.Get(context.Background(), apply.ID); j.Status != jobs.Cancelled || j.Error != "text of job.cancelled" {
			t.Errorf("apply after Close: %+v", j)
		}
		if j, _ := r.Get(context.Background(), check.ID); j.Status != jobs.Queued || j.ClaimedBy != "" {
			t.Errorf("check after Close: %+v", j)
		}
	})
}

// TestStaleJobs: after a crash (a running job whose instance stopped
// beating), an import is failed with its kind's message and a dry run is
// run again; a job of a disabled account does not run.
func TestStaleJobs(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		uid, gone := users(t, d)
		ctx := context.Background()
		r := newRunner(d, "after-restart")
		var ran atomic.Int32
		ok := func(ctx context.Context, tk *jobs.Task) (any, error) { ran.Add(1); return "ok", nil }
		msg := func(j *jobs.Job, key string) string { return "text of " + key }
		r.Handle("apply", jobs.Handler{Run: ok, Message: msg})
		r.Handle("check", jobs.Handler{Run: ok, Message: msg, Resumable: true})
		crashed := func(kind string) int64 {
			j, _, err := r.Enqueue(ctx, jobs.Spec{Kind: kind, UserID: uid})
			if err != nil {
				t.Fatal(err)
			}
			old := db.FormatTime(time.Now().Add(-time.Hour))
			if _, err := d.Exec(ctx, `UPDATE jobs SET status = 'running', claimed_by = 'crashed', heartbeat_at = ?, started_at = ? WHERE id = ?`, old, old, j.ID); err != nil {
				t.Fatal(err)
			}
			return j.ID
		}
		apply, check := crashed("apply"), crashed("check")
		// A live job of another instance is left alone.
		live, _, _ := r.Enqueue(ctx, jobs.Spec{Kind: "apply", UserID: uid})
		d.Exec(ctx, `UPDATE jobs SET status = 'running', claimed_by = 'alive', heartbeat_at = ? WHERE id = ?`, db.FormatTime(time.Now().Add(time.Hour)), live.ID)
		disabled, _, _ := r.Enqueue(ctx, jobs.Spec{Kind: "apply", UserID: gone})
		r.Start()
		defer r.Close()
		if j := wait(t, r, apply); j.Status != jobs.Failed || j.Error != "text of job.interrupted" {
			t.Errorf("crashed import: %+v", j)
		}
		if j := wait(t, r, check); j.Status != jobs.Done || j.ClaimedBy != "after-restart" {
			t.Errorf("crashed dry run: %+v", j)
		}
		if j := wait(t, r, disabled.ID); j.Status != jobs.Failed || j.Error != "text of job.account_disabled" {
			t.Errorf("job of a disabled account: %+v", j)
		}
		if ran.Load() != 1 {
			t.Errorf("%d runs, want 1 (the resumed dry run)", ran.Load())
		}
		if j, _ := r.Get(ctx, live.ID); j.Status != jobs.Running || j.ClaimedBy != "alive" {
			t.Errorf("live job of another instance: %+v", j)
		}
	})
}

// TestPurge: finished jobs older than the cut are deleted with their files.
func TestPurge(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		uid, _ := users(t, d)
		ctx := context.Background()
		r := newRunner(d, "one")
		fs := files.New(d)
		in, err := fs.Put(ctx, files.Kind{Name: "roster", Types: []string{files.CSV}}, "a.csv", strings.NewReader("姓名\n"), uid)
		if err != nil {
			t.Fatal(err)
		}
		r.Handle("check", jobs.Handler{Run: func(ctx context.Context, tk *jobs.Task) (any, error) {
			out, err := fs.Put(ctx, files.Kind{Name: "report"}, "errors.csv", strings.NewReader("错误\n"), 0)
			if err != nil {
				return nil, err
			}
			tk.SetOutput(out.ID)
			return nil, nil
		}})
		check, _, _ := r.Enqueue(ctx, jobs.Spec{Kind: "check", UserID: uid, FileID: in.ID})
		apply, _, _ := r.Enqueue(ctx, jobs.Spec{Kind: "later", UserID: uid, FileID: in.ID, ShareFile: true})
		r.Start()
		defer r.Close()
		if j := wait(t, r, check.ID); j.Status != jobs.Done || j.OutputFileID == 0 {
			t.Fatalf("check: %+v", j)
		}
		if n, err := r.Purge(ctx, time.Now().Add(time.Minute)); err != nil || n != 1 {
			t.Fatalf("purged %d, %v", n, err)
		}
		if _, err := r.Get(ctx, check.ID); err == nil {
			t.Error("the purged job is still there")
		}
		if f, err := fs.Stat(ctx, in.ID); err != nil || f.Refcount != 1 {
			t.Errorf("the input still held by the queued job: %+v %v", f, err)
		}
		var n int
		d.QueryRow(ctx, `SELECT COUNT(*) FROM files`).Scan(&n)
		if n != 1 {
			t.Errorf("%d files left, want the input only", n)
		}
		_ = apply
	})
}

// TestCommitWithTheWork: a job that records itself done in its work's
// transaction (Task.Commit) stays done whatever its handler returns after
// the commit — an instance dying then cannot leave it saying nothing was
// written — and a rolled-back work leaves the job to fail as usual.
func TestCommitWithTheWork(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		uid, _ := users(t, d)
		r := newRunner(d, "one")
		var rollback atomic.Bool
		r.Handle("work", jobs.Handler{Run: func(ctx context.Context, tk *jobs.Task) (any, error) {
			err := d.WithTx(ctx, func(tx *db.Tx) error {
				if _, err := tx.Exec(ctx, `UPDATE users SET display_name = ? WHERE id = ?`, "已导入", uid); err != nil {
					return err
				}
				if err := tk.Commit(ctx, tx, map[string]string{"imported": "yes"}); err != nil {
					return err
				}
				if rollback.Load() {
					return errors.New("the work failed before its commit")
				}
				return nil
			})
			if err != nil {
				return nil, err
			}
			return nil, errors.New("the instance went away after the commit")
		}})
		r.Start()
		defer r.Close()
		ctx := context.Background()

		j, _, err := r.Enqueue(ctx, jobs.Spec{Kind: "work", UserID: uid})
		if err != nil {
			t.Fatal(err)
		}
		got := wait(t, r, j.ID)
		if got.Status != jobs.Done || got.Error != "" || !strings.Contains(string(got.Result), `"imported":"yes"`) {
			t.Errorf("work committed, then the handler failed: %s %q %s; want done with the committed result", got.Status, got.Error, got.Result)
		}

		rollback.Store(true)
		j, _, err = r.Enqueue(ctx, jobs.Spec{Kind: "work", UserID: uid})
		if err != nil {
			t.Fatal(err)
		}
		got = wait(t, r, j.ID)
		if got.Status != jobs.Failed || !strings.Contains(got.Error, "before its commit") || len(got.Result) != 0 {
			t.Errorf("work rolled back: %s %q %s; want failed, no result", got.Status, got.Error, got.Result)
		}
	})
}
