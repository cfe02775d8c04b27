package activity

import (
	"context"
	"database/sql"
	"errors"
	"io"
	"strconv"
	"strings"

	"shiliu/internal/audit"
	"shiliu/internal/auth"
	"shiliu/internal/db"
	"shiliu/internal/errs"
	"shiliu/internal/files"
)

// Roles of a person at an activity.
const (
	RoleParticipant = "participant"
	// RoleHelper: a volunteer helping; their hours count.
	RoleHelper = "helper"
)

// Attendee is a person on an occurrence's list: signed up, on the class's
// roster, or marked at the roll call.
type Attendee struct {
	PersonID  int64
	Name      string
	OrgName   string
	Ethnicity string
	Role      string
	// OnRoster: a member of the series' roster.
	OnRoster bool
	// Listed: a row of the occurrence's own (signed up or marked).
	Listed  bool
	Present bool
}

// Minority reports whether the attendee is of a non-Han group.
func (t Attendee) Minority() bool { return t.Ethnicity != "" && t.Ethnicity != "01" }

// checkPerson checks that personID is an active person of the actor's
// registry scope (for a liaison, assigned to them).
func checkPerson(ctx context.Context, tx *db.Tx, a *auth.Actor, personID int64) error {
	cond, args := a.Scope().Persons("p")
	var n int
	err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM persons p WHERE p.id = ? AND p.status = 'active' AND p.archived = 0 AND `+cond,
		append([]any{personID}, args...)...).Scan(&n)
	if err != nil {
		return err
	}
	if n == 0 {
		return errs.InvalidFields(map[string]string{"person_id": "err.person_unknown"})
	}
	return nil
}

func checkRole(role string) (string, error) {
	switch role {
	case "", RoleParticipant:
		return RoleParticipant, nil
	case RoleHelper:
		return RoleHelper, nil
	}
	return "", errs.InvalidFields(map[string]string{"role": "err.required"})
}

// SignUp puts registered persons of the actor's scope on an occurrence's
// list (not yet present). Persons already on it keep their row.
func (s *Service) SignUp(ctx context.Context, a *auth.Actor, id int64, personID int64, role string) error {
	if err := a.Require(auth.ActivityEdit); err != nil {
		return err
	}
	role, err := checkRole(role)
	if err != nil {
		return err
	}
	return s.DB.WithTx(ctx, func(tx *db.Tx) error {
		x, err := s.writable(ctx, tx, a, id)
		if err != nil {
			return err
		}
		if x.Cancelled() {
			return errs.E(errs.Conflict, "err.activity_cancelled")
		}
		if err := checkPerson(ctx, tx, a, personID); err != nil {
			return err
		}
		res, err := tx.Exec(ctx, `INSERT INTO attendance (activity_id, person_id, role) VALUES (?, ?, ?) ON CONFLICT (activity_id, person_id) DO NOTHING`,
			id, personID, role)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return nil
		}
		return audit.Write(ctx, tx, audit.Entry{Who: a.Who(), Action: audit.ActionCreate, Entity: "attendance", EntityID: strconv.FormatInt(id, 10),
			Detail: map[string]any{"person_id": personID, "role": role}})
	})
}

// Mark records at the roll call whether a person came. It is one row per
// person and occurrence (the table's primary key), so a double tap or two
// phones calling the same roll never count anyone twice. A roll call is
// taken on the day or after it, never for a cancelled occurrence.
func (s *Service) Mark(ctx context.Context, a *auth.Actor, id, personID int64, present bool, role string) error {
	if err := a.Require(auth.ActivityAttend); err != nil {
		return err
	}
	role, err := checkRole(role)
	if err != nil {
		return err
	}
	return s.DB.WithTx(ctx, func(tx *db.Tx) error {
		x, err := s.get(ctx, tx, a, id)
		if err != nil {
			return err
		}
		switch {
		case x.Cancelled():
			return errs.E(errs.Conflict, "err.activity_cancelled")
		case x.Date() > s.Today():
			return errs.E(errs.Invalid, "err.rollcall_future")
		}
		if err := checkPerson(ctx, tx, a, personID); err != nil {
			return err
		}
		now := db.FormatTime(s.Now())
		_, err = tx.Exec(ctx, `INSERT INTO attendance (activity_id, person_id, role, present, marked_by, marked_at) VALUES (?, ?, ?, ?, ?, ?)
			ON CONFLICT (activity_id, person_id) DO UPDATE SET present = excluded.present, marked_by = excluded.marked_by, marked_at = excluded.marked_at`,
			id, personID, role, boolInt(present), db.NullID(a.UserID), now)
		if err != nil {
			return err
		}
		if present && x.Status == Planned {
			if _, err := tx.Exec(ctx, `UPDATE activities SET status = 'done', updated_at = ? WHERE id = ?`, now, id); err != nil {
				return err
			}
		}
		return audit.Write(ctx, tx, audit.Entry{Who: a.Who(), Action: "roll_call", Entity: "attendance", EntityID: strconv.FormatInt(id, 10),
			Detail: map[string]any{"person_id": personID, "present": present}})
	})
}

// Unlist takes a person off an occurrence's list (a sign-up made by
// mistake).
func (s *Service) Unlist(ctx context.Context, a *auth.Actor, id, personID int64) error {
	if err := a.Require(auth.ActivityEdit); err != nil {
		return err
	}
	return s.DB.WithTx(ctx, func(tx *db.Tx) error {
		if _, err := s.writable(ctx, tx, a, id); err != nil {
			return err
		}
		if err := checkPerson(ctx, tx, a, personID); err != nil {
			return err
		}
		res, err := tx.Exec(ctx, `DELETE FROM attendance WHERE activity_id = ? AND person_id = ?`, id, personID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return nil
		}
		return audit.Write(ctx, tx, audit.Entry{Who: a.Who(), Action: audit.ActionArchive, Entity: "attendance", EntityID: strconv.FormatInt(id, 10),
			Detail: map[string]any{"person_id": personID}})
	})
}

// SetOthers records how many others, not registered, took part.
func (s *Service) SetOthers(ctx context.Context, a *auth.Actor, id int64, count, minority int) error {
	if err := a.Require(auth.ActivityAttend); err != nil {
		return err
	}
	return s.DB.WithTx(ctx, func(tx *db.Tx) error {
		x, err := s.get(ctx, tx, a, id)
		if err != nil {
			return err
		}
		if x.Cancelled() {
			return errs.E(errs.Conflict, "err.activity_cancelled")
		}
		f := map[string]string{}
		if count < 0 || count > 100000 {
			f["others_count"] = "err.number_invalid"
		}
		if minority < 0 || minority > count {
			f["others_minority"] = "err.others_minority"
		}
		if len(f) > 0 {
			return errs.InvalidFields(f)
		}
		if _, err := tx.Exec(ctx, `UPDATE activities SET others_count = ?, others_minority = ?, version = version + 1, updated_at = ? WHERE id = ?`,
			count, minority, db.FormatTime(s.Now()), id); err != nil {
			return err
		}
		return audit.Write(ctx, tx, audit.Entry{Who: a.Who(), Action: audit.ActionUpdate, Entity: "activity", EntityID: strconv.FormatInt(id, 10),
			Detail: audit.Changes(map[string]any{"others_count": x.OthersCount, "others_minority": x.OthersMinority},
				map[string]any{"others_count": count, "others_minority": minority})})
	})
}

// Attendees is an occurrence's list for the roll call: the series' roster
// and the persons signed up or marked, of the actor's registry scope.
func (s *Service) Attendees(ctx context.Context, a *auth.Actor, id int64) ([]Attendee, error) {
	if err := a.Require(auth.CommunityView); err != nil {
		return nil, err
	}
	x, err := s.get(ctx, s.DB, a, id)
	if err != nil {
		return nil, err
	}
	cond, args := a.Scope().Persons("p")
	rows, err := s.DB.Query(ctx, `SELECT p.id, p.name, o.name, p.ethnicity, COALESCE(t.role, m.role), m.person_id IS NOT NULL, t.person_id IS NOT NULL,
		COALESCE(t.present, 0)
		FROM persons p JOIN org_units o ON o.id = p.org_id
		LEFT JOIN attendance t ON t.activity_id = ? AND t.person_id = p.id
		LEFT JOIN series_members m ON m.series_id = ? AND m.person_id = p.id
		WHERE (t.person_id IS NOT NULL OR m.person_id IS NOT NULL) AND `+cond+` ORDER BY p.pinyin, p.id`,
		append([]any{id, x.SeriesID}, args...)...)
	return db.Collect(rows, err, func(sc db.Scanner) (Attendee, error) {
		var t Attendee
		var present int
		err := sc.Scan(&t.PersonID, &t.Name, &t.OrgName, &t.Ethnicity, &t.Role, &t.OnRoster, &t.Listed, &present)
		t.Present = present == 1
		return t, err
	})
}

// AddMember puts a person on a series' roster (an interest class's
// members); the roll call of each occurrence starts from it.
func (s *Service) AddMember(ctx context.Context, a *auth.Actor, activityID, personID int64, role string) error {
	return s.member(ctx, a, activityID, personID, role, true)
}

// RemoveMember takes a person off a series' roster.
func (s *Service) RemoveMember(ctx context.Context, a *auth.Actor, activityID, personID int64) error {
	return s.member(ctx, a, activityID, personID, "", false)
}

func (s *Service) member(ctx context.Context, a *auth.Actor, activityID, personID int64, role string, add bool) error {
	if err := a.Require(auth.ActivityEdit); err != nil {
		return err
	}
	role, err := checkRole(role)
	if err != nil {
		return err
	}
	return s.DB.WithTx(ctx, func(tx *db.Tx) error {
		x, err := s.writable(ctx, tx, a, activityID)
		if err != nil {
			return err
		}
		if x.SeriesID == 0 {
			return errs.E(errs.Invalid, "err.not_series")
		}
		if err := checkPerson(ctx, tx, a, personID); err != nil {
			return err
		}
		var res sql.Result
		if add {
			res, err = tx.Exec(ctx, `INSERT INTO series_members (series_id, person_id, role, added_at) VALUES (?, ?, ?, ?) ON CONFLICT (series_id, person_id) DO NOTHING`,
				x.SeriesID, personID, role, db.FormatTime(s.Now()))
		} else {
			res, err = tx.Exec(ctx, `DELETE FROM series_members WHERE series_id = ? AND person_id = ?`, x.SeriesID, personID)
		}
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return nil
		}
		action := audit.ActionCreate
		if !add {
			action = audit.ActionArchive
		}
		return audit.Write(ctx, tx, audit.Entry{Who: a.Who(), Action: action, Entity: "series_member", EntityID: strconv.FormatInt(x.SeriesID, 10),
			Detail: map[string]any{"person_id": personID, "role": role}})
	})
}

// MaxPhotoBytes caps an activity's photo or document: 10 MB.
const MaxPhotoBytes = 10 << 20

// PhotoKind is what an activity keeps: photos, and scans or documents as
// PDF, by their content.
var PhotoKind = files.Kind{Name: "activity photo", Field: "photo", MaxBytes: MaxPhotoBytes,
	Types: []string{files.JPEG, files.PNG, files.WebP, files.GIF, files.PDF},
	Keys:  files.Keys{Empty: "err.attachment_type", Type: "err.attachment_type", Mismatch: "err.attachment_mismatch", TooLarge: "err.attachment_too_large"}}

// AddPhoto stores a photo of an activity, in the transaction that links it.
func (s *Service) AddPhoto(ctx context.Context, a *auth.Actor, id int64, name string, r io.Reader, caption string) error {
	if err := a.RequireAny(auth.ActivityEdit, auth.ActivityAttend); err != nil {
		return err
	}
	caption = strings.TrimSpace(caption)
	return s.DB.WithTx(ctx, func(tx *db.Tx) error {
		if _, err := s.get(ctx, tx, a, id); err != nil {
			return err
		}
		if len([]rune(caption)) > 200 {
			return errs.InvalidFields(map[string]string{"caption": "err.too_long"})
		}
		f, err := s.Files.PutTx(ctx, tx, PhotoKind, name, r, a.UserID)
		if err != nil {
			return err
		}
		pid, err := tx.InsertID(ctx, `INSERT INTO activity_files (activity_id, file_id, caption, created_by, created_at) VALUES (?, ?, ?, ?, ?)`,
			id, f.ID, caption, db.NullID(a.UserID), db.FormatTime(s.Now()))
		if err != nil {
			return err
		}
		return audit.Write(ctx, tx, audit.Entry{Who: a.Who(), Action: audit.ActionCreate, Entity: "activity_file", EntityID: strconv.FormatInt(pid, 10),
			Detail: map[string]any{"activity_id": id, "file_id": f.ID, "size": f.Size, "mime": f.MIME}})
	})
}

// OpenPhoto opens a photo of an activity the actor may open.
func (s *Service) OpenPhoto(ctx context.Context, a *auth.Actor, photoID int64) (*files.Reader, error) {
	if err := a.Require(auth.CommunityView); err != nil {
		return nil, err
	}
	var activityID, fileID int64
	err := s.DB.QueryRow(ctx, `SELECT activity_id, file_id FROM activity_files WHERE id = ?`, photoID).Scan(&activityID, &fileID)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, errs.ErrNotFound
	}
	if err != nil {
		return nil, err
	}
	if _, err := s.get(ctx, s.DB, a, activityID); err != nil {
		return nil, err
	}
	return s.Files.Open(ctx, fileID)
}

// RemovePhoto removes a photo from an activity.
func (s *Service) RemovePhoto(ctx context.Context, a *auth.Actor, photoID int64) error {
	if err := a.Require(auth.ActivityEdit); err != nil {
		return err
	}
	return s.DB.WithTx(ctx, func(tx *db.Tx) error {
		var activityID, fileID int64
		err := tx.QueryRow(ctx, `SELECT activity_id, file_id FROM activity_files WHERE id = ?`, photoID).Scan(&activityID, &fileID)
		if errors.Is(err, sql.ErrNoRows) {
			return errs.ErrNotFound
		}
		if err != nil {
			return err
		}
		if _, err := s.writable(ctx, tx, a, activityID); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `DELETE FROM activity_files WHERE id = ?`, photoID); err != nil {
			return err
		}
		if err := s.Files.Remove(ctx, tx, fileID); err != nil {
			return err
		}
		return audit.Write(ctx, tx, audit.Entry{Who: a.Who(), Action: audit.ActionArchive, Entity: "activity_file", EntityID: strconv.FormatInt(photoID, 10),
			Detail: map[string]any{"activity_id": activityID}})
	})
}
