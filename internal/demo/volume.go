package demo

import (
	"context"
	"fmt"
	"time"

	"shiliu/internal/cases"
	"shiliu/internal/db"
	"shiliu/internal/ref"
)

// VolumeStats is what the volume step wrote.
type VolumeStats struct {
	Cases, Activities, Attendance int
}

// The columns the volume step writes.
var (
	volumeCaseColumns = []string{"id", "code", "org_id", "routed_by", "channel", "kind", "urgency", "status", "person_id", "summary",
		"respond_due", "resolve_due", "responded_at", "closed_at", "resolution", "result", "satisfaction", "followed_up_at", "created_at", "updated_at"}
	volumeActivityColumns   = []string{"id", "org_id", "kind_id", "title", "starts_at", "ends_at", "place", "status", "others_count", "others_minority", "created_at", "updated_at"}
	volumeAttendanceColumns = []string{"activity_id", "person_id", "role", "present", "marked_at"}
)

// volumeActivityTitles name the volume step's activities.
var volumeActivityTitles = []string{"民族团结进步宣讲", "各族居民议事会", "民族手工艺课堂", "邻里互助日", "民族团结主题观影", "普法进楼组", "各族邻里健步走"}

// genVolume writes Options.Cases cases and Options.Activities activities
// with attendance straight into the tables, spread over the year before
// Today across the committees, each with residents of its committee: the
// volume a city's benchmarks ask for (200,000 cases, 50,000 activities),
// which the workflow steps above would take hours to make one call at a
// time. Cases older than a month are mostly closed (a few still open past
// their deadline), the newest open; activities in the past are done with
// a roll call of 5–15 residents, those ahead planned.
func genVolume(ctx context.Context, g *Gen) error {
	if (g.Opt.Cases <= 0 && g.Opt.Activities <= 0) || g.Opt.Persons <= 0 || len(g.Res.Committees) == 0 {
		return nil
	}
	// Residents by committee: a sample of each, enough to draw from.
	byOrg := map[int64][]int64{}
	rows, err := g.DB.Query(ctx, `SELECT id, org_id FROM persons WHERE status = 'active' ORDER BY id`)
	if err != nil {
		return err
	}
	for rows.Next() {
		var id, org int64
		if err := rows.Scan(&id, &org); err != nil {
			rows.Close()
			return err
		}
		if len(byOrg[org]) < 2000 {
			byOrg[org] = append(byOrg[org], id)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	var orgs []int64
	for _, c := range g.Res.Committees {
		if len(byOrg[c.ID]) >= 15 {
			orgs = append(orgs, c.ID)
		}
	}
	if len(orgs) == 0 {
		return nil
	}
	today := g.Opt.Today.In(ref.China)
	st := &g.Res.Volume
	if err := volumeCases(ctx, g, orgs, byOrg, today, st); err != nil {
		return fmt.Errorf("cases: %w", err)
	}
	if err := volumeActivities(ctx, g, orgs, byOrg, today, st); err != nil {
		return fmt.Errorf("activities: %w", err)
	}
	return settleTables(ctx, g.DB, []string{"cases", "activities"}, []string{"cases", "activities", "attendance"})
}

// volumeBatch is the number of cases in one transaction of the volume step
// (a tenth as many activities, with their roll calls).
const volumeBatch = 5000

func volumeCases(ctx context.Context, g *Gen, orgs []int64, byOrg map[int64][]int64, today time.Time, st *VolumeStats) error {
	var next int64
	if err := g.DB.QueryRow(ctx, `SELECT COALESCE(MAX(id), 0) + 1 FROM cases`).Scan(&next); err != nil {
		return err
	}
	// Case numbers go on from each year's counter, which is moved past
	// them at the end.
	seq := map[int]int{}
	cr, err := g.DB.Query(ctx, `SELECT year, seq FROM case_counters`)
	if err != nil {
		return err
	}
	for cr.Next() {
		var y, n int
		if err := cr.Scan(&y, &n); err != nil {
			cr.Close()
			return err
		}
		seq[y] = n
	}
	cr.Close()
	r := g.R
	for done := 0; done < g.Opt.Cases; {
		n := min(volumeBatch, g.Opt.Cases-done)
		err := g.DB.WithTx(ctx, func(tx *db.Tx) error {
			in, err := newInserter(ctx, tx, "cases", volumeCaseColumns)
			if err != nil {
				return err
			}
			for i := 0; i < n; i++ {
				org := orgs[r.IntN(len(orgs))]
				person := byOrg[org][r.IntN(len(byOrg[org]))]
				day := today.AddDate(0, 0, -r.IntN(365))
				at := time.Date(day.Year(), day.Month(), day.Day(), 8+r.IntN(12), r.IntN(60), 0, 0, ref.China)
				seq[at.Year()]++
				code := fmt.Sprintf("%d-%06d", at.Year(), seq[at.Year()])
				kind := caseKindsWeighted[r.IntN(len(caseKindsWeighted))]
				texts := caseTemplates[kind]
				respond, resolve := at.Add(24*time.Hour), at.AddDate(0, 0, 15)
				status, responded, closed, resolution, result, sat, followed := "intake", "", "", "", "", 0, ""
				age := today.Sub(at)
				switch {
				case age > 30*24*time.Hour && r.IntN(20) > 0, age > 10*24*time.Hour && r.IntN(3) > 0:
					c := at.Add(time.Duration(1+r.IntN(12*24)) * time.Hour)
					status, responded, closed = "closed", db.FormatTime(at.Add(2*time.Hour)), db.FormatTime(c)
					resolution, result = resolutions[r.IntN(len(resolutions))], "resolved"
					if r.IntN(2) == 0 {
						status, sat, followed = "followed_up", 3+r.IntN(3), db.FormatTime(c.Add(48*time.Hour))
					}
				case age > 2*24*time.Hour:
					status, responded = "in_progress", db.FormatTime(at.Add(3*time.Hour))
				case r.IntN(2) == 0:
					status = "assigned"
				}
				ts := db.FormatTime(at)
				if err := in.add(next, code, org, "person", string(channelsWeighted[r.IntN(len(channelsWeighted))]), string(kind), string(cases.Normal),
					status, person, texts[r.IntN(len(texts))], db.FormatTime(respond), db.FormatTime(resolve), responded, closed, resolution, result,
					sat, followed, ts, ts); err != nil {
					return err
				}
				next++
			}
			return in.close()
		})
		if err != nil {
			return err
		}
		done += n
		st.Cases += n
	}
	for y, n := range seq {
		if _, err := g.DB.Exec(ctx, `INSERT INTO case_counters (year, seq) VALUES (?, ?) ON CONFLICT (year) DO UPDATE SET seq = excluded.seq`, y, n); err != nil {
			return err
		}
	}
	return nil
}

func volumeActivities(ctx context.Context, g *Gen, orgs []int64, byOrg map[int64][]int64, today time.Time, st *VolumeStats) error {
	var next, kind int64
	if err := g.DB.QueryRow(ctx, `SELECT COALESCE(MAX(id), 0) + 1 FROM activities`).Scan(&next); err != nil {
		return err
	}
	if err := g.DB.QueryRow(ctx, `SELECT id FROM activity_kinds WHERE active = 1 ORDER BY sort, id LIMIT 1`).Scan(&kind); err != nil {
		return fmt.Errorf("an activity kind: %w", err)
	}
	r := g.R
	for done := 0; done < g.Opt.Activities; {
		n := min(volumeBatch/10, g.Opt.Activities-done)
		err := g.DB.WithTx(ctx, func(tx *db.Tx) error {
			acts, err := newInserter(ctx, tx, "activities", volumeActivityColumns)
			if err != nil {
				return err
			}
			// The roll calls go in after their activities.
			type mark struct {
				activity, person int64
				at               string
			}
			var marks []mark
			for i := 0; i < n; i++ {
				org := orgs[r.IntN(len(orgs))]
				day := today.AddDate(0, 0, 14-r.IntN(380))
				start := time.Date(day.Year(), day.Month(), day.Day(), 9+r.IntN(9), 0, 0, 0, ref.China)
				status := "done"
				if !start.Before(today) {
					status = "planned"
				}
				if err := acts.add(next, org, kind, volumeActivityTitles[r.IntN(len(volumeActivityTitles))], start.Format("2006-01-02T15:04"),
					start.Add(2*time.Hour).Format("2006-01-02T15:04"), "社区活动室", status, r.IntN(6), r.IntN(3),
					db.FormatTime(start.AddDate(0, 0, -7)), db.FormatTime(start)); err != nil {
					return err
				}
				if status == "done" {
					pool := byOrg[org]
					k := 5 + r.IntN(11)
					off := r.IntN(len(pool))
					for j := 0; j < k && j < len(pool); j++ {
						marks = append(marks, mark{next, pool[(off+j)%len(pool)], db.FormatTime(start)})
					}
				}
				next++
			}
			if err := acts.close(); err != nil {
				return err
			}
			att, err := newInserter(ctx, tx, "attendance", volumeAttendanceColumns)
			if err != nil {
				return err
			}
			for _, m := range marks {
				if err := att.add(m.activity, m.person, "participant", 1, m.at); err != nil {
					return err
				}
			}
			st.Attendance += len(marks)
			return att.close()
		})
		if err != nil {
			return err
		}
		done += n
		st.Activities += n
	}
	return nil
}
