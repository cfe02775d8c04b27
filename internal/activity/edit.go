package activity

import (
	"context"
	"strconv"

	"shiliu/internal/audit"
	"shiliu/internal/auth"
	"shiliu/internal/db"
	"shiliu/internal/errs"
)

// Update changes an activity. For an occurrence of a series, edit says
// whether the change is to this one only (it is then detached: later
// changes to the series leave it alone) or to this and the following ones:
// the series is split at this occurrence (the earlier part ends the day
// before) and the occurrences from here on follow the new rule in order —
// Input.Repeat, or the series' rule with the sessions left when empty —
// keeping their sign-ups and roll calls. Occurrences edited by themselves
// or cancelled are left as they are. version is the occurrence's.
func (s *Service) Update(ctx context.Context, a *auth.Actor, id int64, version int, in Input, edit Edit) (*Activity, error) {
	if err := a.Require(auth.ActivityEdit); err != nil {
		return nil, err
	}
	err := s.DB.WithTx(ctx, func(tx *db.Tx) error {
		x, err := s.writable(ctx, tx, a, id)
		if err != nil {
			return err
		}
		if x.Version != version {
			return errs.E(errs.Conflict, "err.version_conflict")
		}
		if x.Cancelled() {
			return errs.E(errs.Conflict, "err.activity_cancelled")
		}
		if x.SeriesID == 0 || edit != ThisAndLater {
			in.Repeat = ""
			return s.updateOne(ctx, tx, a, x, in)
		}
		return s.updateFollowing(ctx, tx, a, x, in)
	})
	if err != nil {
		return nil, err
	}
	return s.Get(ctx, a, id)
}

func (s *Service) updateOne(ctx context.Context, tx *db.Tx, a *auth.Actor, x *Activity, in Input) error {
	f := map[string]string{}
	c, err := s.check(ctx, tx, a, in, f)
	if err != nil {
		return err
	}
	if len(f) > 0 {
		return errs.InvalidFields(f)
	}
	starts, ends := c.Date+"T"+c.start, c.Date+"T"+c.end
	_, err = tx.Exec(ctx, `UPDATE activities SET org_id = ?, kind_id = ?, title = ?, starts_at = ?, ends_at = ?, place = ?, festival = ?, others_count = ?,
		others_minority = ?, summary = ?, detached = ?, version = version + 1, updated_at = ? WHERE id = ?`,
		c.OrgID, c.KindID, c.Title, starts, ends, c.Place, c.Festival, c.OthersCount, c.OthersMinority, c.Summary, boolInt(x.SeriesID != 0),
		db.FormatTime(s.Now()), x.ID)
	if err != nil {
		return err
	}
	if err := s.writeLinks(ctx, tx, x.ID, c); err != nil {
		return err
	}
	if err := s.rebook(ctx, tx, a, c, x.ID, starts != x.StartsAt || ends != x.EndsAt); err != nil {
		return err
	}
	return audit.Write(ctx, tx, audit.Entry{Who: a.Who(), Action: audit.ActionUpdate, Entity: "activity", EntityID: strconv.FormatInt(x.ID, 10),
		Detail: audit.Changes(
			map[string]any{"org_id": x.OrgID, "kind_id": x.KindID, "title": x.Title, "starts_at": x.StartsAt, "ends_at": x.EndsAt, "place": x.Place,
				"others_count": x.OthersCount, "others_minority": x.OthersMinority, "summary": x.Summary != ""},
			map[string]any{"org_id": c.OrgID, "kind_id": c.KindID, "title": c.Title, "starts_at": starts, "ends_at": ends, "place": c.Place,
				"others_count": c.OthersCount, "others_minority": c.OthersMinority, "summary": c.Summary != ""})})
}

func (s *Service) updateFollowing(ctx context.Context, tx *db.Tx, a *auth.Actor, x *Activity, in Input) error {
	sr, err := loadSeries(ctx, tx, x.SeriesID)
	if err != nil {
		return err
	}
	if in.Repeat == "" {
		in.Repeat = RemainingRule(sr, x.Seq).String()
	}
	f := map[string]string{}
	c, err := s.check(ctx, tx, a, in, f)
	if err != nil {
		return err
	}
	if len(f) > 0 {
		return errs.InvalidFields(f)
	}
	// the occurrences that follow the new rule: this one and the later ones
	// not edited by themselves nor cancelled, in order
	rows, err := tx.Query(ctx, `SELECT id FROM activities WHERE series_id = ? AND starts_at >= ? AND (detached = 0 OR id = ?)
		AND status <> 'cancelled' ORDER BY starts_at, id`, sr.ID, x.StartsAt, x.ID)
	old, err := db.Collect(rows, err, db.ScanID)
	if err != nil {
		return err
	}
	now := db.FormatTime(s.Now())
	seriesID := sr.ID
	var earlier int
	if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM activities WHERE series_id = ? AND starts_at < ?`, sr.ID, x.StartsAt).Scan(&earlier); err != nil {
		return err
	}
	until := s.through(*c.rule, c.Date)
	status := "active"
	if !c.rule.Open() {
		status = "ended"
	}
	if earlier == 0 {
		// nothing before: the series itself changes
		_, err = tx.Exec(ctx, `UPDATE activity_series SET org_id = ?, kind_id = ?, title = ?, rule = ?, first_date = ?, start_time = ?, end_time = ?,
			generated_until = ?, place = ?, status = ?, version = version + 1, updated_at = ? WHERE id = ?`,
			c.OrgID, c.KindID, c.Title, c.rule.String(), c.Date, c.start, c.end, until, c.Place, status, now, sr.ID)
	} else {
		// the earlier part ends the day before; the rest is a new series
		before := sr.Rule
		before.Until = dayBefore(x.Date())
		if before.Count > 0 {
			before.Count = 0
		}
		if _, err = tx.Exec(ctx, `UPDATE activity_series SET rule = ?, status = 'ended', version = version + 1, updated_at = ? WHERE id = ?`,
			before.String(), now, sr.ID); err != nil {
			return err
		}
		seriesID, err = tx.InsertID(ctx, `INSERT INTO activity_series (org_id, kind_id, title, rule, first_date, start_time, end_time, generated_until,
			place, status, created_by, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			c.OrgID, c.KindID, c.Title, c.rule.String(), c.Date, c.start, c.end, until, c.Place, status, db.NullID(a.UserID), now, now)
	}
	if err != nil {
		return err
	}
	dates := c.rule.Dates(c.Date, until)
	moved, added, dropped := 0, 0, 0
	for i, d := range dates {
		if i < len(old) {
			_, err = tx.Exec(ctx, `UPDATE activities SET series_id = ?, seq = ?, org_id = ?, kind_id = ?, title = ?, starts_at = ?, ends_at = ?, place = ?,
				festival = ?, detached = 0, version = version + 1, updated_at = ? WHERE id = ?`,
				seriesID, i+1, c.OrgID, c.KindID, c.Title, d+"T"+c.start, d+"T"+c.end, c.Place, c.Festival, now, old[i])
			if err == nil {
				err = s.rebook(ctx, tx, a, c, old[i], true)
			}
			moved++
		} else {
			var nid int64
			if nid, err = s.insert(ctx, tx, a, c, d, seriesID, i+1); err == nil {
				err = s.book(ctx, tx, a, c, nid)
			}
			added++
		}
		if err != nil {
			return err
		}
	}
	// occurrences the new rule no longer has: removed when nothing was
	// recorded on them, else kept as cancelled
	for _, id := range old[min(len(dates), len(old)):] {
		var n int
		if err := tx.QueryRow(ctx, `SELECT (SELECT COUNT(*) FROM attendance WHERE activity_id = ?) + (SELECT COUNT(*) FROM activity_files WHERE activity_id = ?)
			+ (SELECT COUNT(*) FROM bookings WHERE activity_id = ?)`, id, id, id).Scan(&n); err != nil {
			return err
		}
		if err := s.release(ctx, tx, a, id, "日程调整"); err != nil {
			return err
		}
		if n == 0 {
			for _, q := range []string{`DELETE FROM activity_households WHERE activity_id = ?`, `DELETE FROM activity_partners WHERE activity_id = ?`,
				`DELETE FROM activities WHERE id = ?`} {
				if _, err := tx.Exec(ctx, q, id); err != nil {
					return err
				}
			}
		} else if _, err := tx.Exec(ctx, `UPDATE activities SET status = 'cancelled', cancel_reason = ?, version = version + 1, updated_at = ? WHERE id = ?`,
			"日程调整", now, id); err != nil {
			return err
		}
		dropped++
	}
	return audit.Write(ctx, tx, audit.Entry{Who: a.Who(), Action: audit.ActionUpdate, Entity: "activity_series", EntityID: strconv.FormatInt(seriesID, 10),
		Detail: map[string]any{"from_activity": x.ID, "split_from": sr.ID, "rule": c.rule.String(), "title": c.Title, "first_date": c.Date,
			"start_time": c.start, "end_time": c.end, "moved": moved, "added": added, "dropped": dropped}})
}

// rebook keeps an occurrence's venue with it: when its time moved or
// another venue is asked for, its bookings are released and the venue
// (the one asked for, else the one it had) booked for the new time.
func (s *Service) rebook(ctx context.Context, tx *db.Tx, a *auth.Actor, c *checked, id int64, moved bool) error {
	if s.Venues == nil || (!moved && c.VenueID == 0) {
		return nil
	}
	venueID := c.VenueID
	if venueID == 0 {
		if err := tx.QueryRow(ctx, `SELECT COALESCE(MAX(venue_id), 0) FROM bookings WHERE activity_id = ? AND status <> 'cancelled'`, id).Scan(&venueID); err != nil {
			return err
		}
		if venueID == 0 {
			return nil
		}
	}
	if err := s.release(ctx, tx, a, id, "活动改期"); err != nil {
		return err
	}
	cc := *c
	cc.VenueID = venueID
	return s.book(ctx, tx, a, &cc, id)
}

// Cancel cancels an activity, or an occurrence and the following ones (the
// series then ends the day before). A cancelled activity stays visible with
// its reason and counts nowhere.
func (s *Service) Cancel(ctx context.Context, a *auth.Actor, id int64, edit Edit, reason string) error {
	if err := a.Require(auth.ActivityEdit); err != nil {
		return err
	}
	return s.DB.WithTx(ctx, func(tx *db.Tx) error {
		x, err := s.writable(ctx, tx, a, id)
		if err != nil {
			return err
		}
		if len([]rune(reason)) > 200 {
			return errs.InvalidFields(map[string]string{"reason": "err.too_long"})
		}
		now := db.FormatTime(s.Now())
		if x.SeriesID == 0 || edit != ThisAndLater {
			if x.Cancelled() {
				return nil
			}
			if _, err := tx.Exec(ctx, `UPDATE activities SET status = 'cancelled', cancel_reason = ?, version = version + 1, updated_at = ? WHERE id = ?`,
				reason, now, id); err != nil {
				return err
			}
			if err := s.release(ctx, tx, a, id, cmpOr(reason, "活动取消")); err != nil {
				return err
			}
			return audit.Write(ctx, tx, audit.Entry{Who: a.Who(), Action: "cancel", Entity: "activity", EntityID: strconv.FormatInt(id, 10),
				Detail: map[string]any{"reason": reason}})
		}
		sr, err := loadSeries(ctx, tx, x.SeriesID)
		if err != nil {
			return err
		}
		rows, err := tx.Query(ctx, `SELECT id FROM activities WHERE series_id = ? AND starts_at >= ? AND status <> 'cancelled'`, sr.ID, x.StartsAt)
		going, err := db.Collect(rows, err, db.ScanID)
		if err != nil {
			return err
		}
		for _, gid := range going {
			if err := s.release(ctx, tx, a, gid, cmpOr(reason, "活动取消")); err != nil {
				return err
			}
		}
		res, err := tx.Exec(ctx, `UPDATE activities SET status = 'cancelled', cancel_reason = ?, version = version + 1, updated_at = ?
			WHERE series_id = ? AND starts_at >= ? AND status <> 'cancelled'`, reason, now, sr.ID, x.StartsAt)
		if err != nil {
			return err
		}
		n, _ := res.RowsAffected()
		r := sr.Rule
		r.Until, r.Count = dayBefore(x.Date()), 0
		if _, err := tx.Exec(ctx, `UPDATE activity_series SET rule = ?, status = 'ended', version = version + 1, updated_at = ? WHERE id = ?`,
			r.String(), now, sr.ID); err != nil {
			return err
		}
		return audit.Write(ctx, tx, audit.Entry{Who: a.Who(), Action: "cancel", Entity: "activity_series", EntityID: strconv.FormatInt(sr.ID, 10),
			Detail: map[string]any{"from_activity": id, "cancelled": n, "reason": reason}})
	})
}
