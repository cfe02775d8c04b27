package activity

import (
	"context"
	"database/sql"
	"errors"
	"strconv"
	"strings"

	"shiliu/internal/audit"
	"shiliu/internal/auth"
	"shiliu/internal/db"
	"shiliu/internal/errs"
	"shiliu/internal/ref"
)

// Team is a volunteer team (a knitting team for children in care homes, a
// choir that performs in care homes).
type Team struct {
	ID      int64
	OrgID   int64
	OrgName string
	OrgPath string
	Name    string
	Purpose string
	Active  bool
	Version int
	// Members (Team) of the actor's registry scope; Size counts them all.
	Members []TeamMember
	Size    int
}

// TeamMember is a volunteer of a team.
type TeamMember struct {
	PersonID int64
	Name     string
	OrgName  string
	JoinedAt string
}

// TeamInput is what a form gives for a team.
type TeamInput struct {
	OrgID   int64
	Name    string
	Purpose string
}

// CreateTeam creates a volunteer team of a unit in the actor's subtree.
func (s *Service) CreateTeam(ctx context.Context, a *auth.Actor, in TeamInput) (int64, error) {
	if err := a.Require(auth.HoursApprove); err != nil {
		return 0, err
	}
	f := map[string]string{}
	in.Name, in.Purpose = strings.TrimSpace(in.Name), strings.TrimSpace(in.Purpose)
	switch {
	case in.Name == "":
		f["name"] = "err.required"
	case ref.TooLong(in.Name, 50):
		f["name"] = "err.too_long"
	}
	if ref.TooLong(in.Purpose, 500) {
		f["purpose"] = "err.too_long"
	}
	if in.OrgID == 0 {
		in.OrgID = a.OrgID
	}
	var id int64
	err := s.DB.WithTx(ctx, func(tx *db.Tx) error {
		var path string
		err := tx.QueryRow(ctx, `SELECT path FROM org_units WHERE id = ? AND archived = 0`, in.OrgID).Scan(&path)
		if errors.Is(err, sql.ErrNoRows) || err == nil && (!a.Scope().Contains(path) || a.Scope().IsLiaison()) {
			f["org_id"] = "err.org_unknown"
		} else if err != nil {
			return err
		}
		if len(f) > 0 {
			return errs.InvalidFields(f)
		}
		now := db.FormatTime(s.Now())
		id, err = tx.InsertID(ctx, `INSERT INTO volunteer_teams (org_id, name, purpose, created_at, updated_at) VALUES (?, ?, ?, ?, ?)`,
			in.OrgID, in.Name, in.Purpose, now, now)
		if err != nil {
			return err
		}
		return audit.Write(ctx, tx, audit.Entry{Who: a.Who(), Action: audit.ActionCreate, Entity: "volunteer_team", EntityID: strconv.FormatInt(id, 10),
			Detail: map[string]any{"name": in.Name, "org_id": in.OrgID}})
	})
	return id, err
}

// Teams lists the volunteer teams of the actor's scope (and above it).
func (s *Service) Teams(ctx context.Context, a *auth.Actor) ([]*Team, error) {
	if err := a.Require(auth.CommunityView); err != nil {
		return nil, err
	}
	cond, args := readable(a, "t")
	rows, err := s.DB.Query(ctx, `SELECT t.id, t.org_id, o.name, o.path, t.name, t.purpose, t.active, t.version,
		(SELECT COUNT(*) FROM volunteer_team_members m WHERE m.team_id = t.id)
		FROM volunteer_teams t JOIN org_units o ON o.id = t.org_id WHERE `+cond+` ORDER BY o.path, t.name`, args...)
	return db.Collect(rows, err, scanTeam)
}

func scanTeam(sc db.Scanner) (*Team, error) {
	var t Team
	var active int
	err := sc.Scan(&t.ID, &t.OrgID, &t.OrgName, &t.OrgPath, &t.Name, &t.Purpose, &active, &t.Version, &t.Size)
	t.Active = active == 1
	return &t, err
}

// Team returns a team with the members the actor may see.
func (s *Service) Team(ctx context.Context, a *auth.Actor, id int64) (*Team, error) {
	if err := a.Require(auth.CommunityView); err != nil {
		return nil, err
	}
	t, err := s.team(ctx, s.DB, a, id)
	if err != nil {
		return nil, err
	}
	cond, args := a.Scope().Persons("p")
	rows, err := s.DB.Query(ctx, `SELECT p.id, p.name, o.name, m.joined_at FROM volunteer_team_members m JOIN persons p ON p.id = m.person_id
		JOIN org_units o ON o.id = p.org_id WHERE m.team_id = ? AND `+cond+` ORDER BY p.pinyin, p.id`, append([]any{id}, args...)...)
	t.Members, err = db.Collect(rows, err, func(sc db.Scanner) (TeamMember, error) {
		var m TeamMember
		return m, sc.Scan(&m.PersonID, &m.Name, &m.OrgName, &m.JoinedAt)
	})
	return t, err
}

func (s *Service) team(ctx context.Context, q db.Querier, a *auth.Actor, id int64) (*Team, error) {
	t, err := scanTeam(q.QueryRow(ctx, `SELECT t.id, t.org_id, o.name, o.path, t.name, t.purpose, t.active, t.version,
		(SELECT COUNT(*) FROM volunteer_team_members m WHERE m.team_id = t.id) FROM volunteer_teams t JOIN org_units o ON o.id = t.org_id WHERE t.id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, errs.ErrNotFound
	}
	if err != nil {
		return nil, err
	}
	cond, args := readable(a, "t")
	var n int
	if err := q.QueryRow(ctx, `SELECT COUNT(*) FROM volunteer_teams t WHERE t.id = ? AND `+cond, append([]any{id}, args...)...).Scan(&n); err != nil {
		return nil, err
	}
	if n == 0 {
		return nil, errs.ErrOutOfScope
	}
	return t, nil
}

// SetTeamMember adds a volunteer of the actor's scope to a team, or takes
// them off it.
func (s *Service) SetTeamMember(ctx context.Context, a *auth.Actor, teamID, personID int64, member bool) error {
	if err := a.Require(auth.HoursApprove); err != nil {
		return err
	}
	return s.DB.WithTx(ctx, func(tx *db.Tx) error {
		t, err := s.team(ctx, tx, a, teamID)
		if err != nil {
			return err
		}
		// a team of the units above is read, not changed
		if !a.Scope().Contains(t.OrgPath) {
			return errs.ErrOutOfScope
		}
		if err := checkPerson(ctx, tx, a, personID); err != nil {
			return err
		}
		var res sql.Result
		action := audit.ActionCreate
		if member {
			res, err = tx.Exec(ctx, `INSERT INTO volunteer_team_members (team_id, person_id, joined_at) VALUES (?, ?, ?) ON CONFLICT (team_id, person_id) DO NOTHING`,
				teamID, personID, s.Today())
		} else {
			action = audit.ActionArchive
			res, err = tx.Exec(ctx, `DELETE FROM volunteer_team_members WHERE team_id = ? AND person_id = ?`, teamID, personID)
		}
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return nil
		}
		return audit.Write(ctx, tx, audit.Entry{Who: a.Who(), Action: action, Entity: "volunteer_team_member", EntityID: strconv.FormatInt(teamID, 10),
			Detail: map[string]any{"person_id": personID}})
	})
}
