// Package budget keeps the community's money (经费): the year's budget of
// each org unit by purpose, the spending entries with their receipts, and
// the execution of the budget (spent against budget by purpose and by
// month). Money is kept in fen as int64 and typed in as yuan text.
//
// The annual report's figures are two sums (see migration 0015):
// budget = SUM(budgets.amount_fen) of the year, spent =
// SUM(spendings.amount_fen) of the valid entries dated in the year, both
// over the org units of the report.
package budget

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"

	"shiliu/internal/access"
	"shiliu/internal/audit"
	"shiliu/internal/auth"
	"shiliu/internal/db"
	"shiliu/internal/errs"
	"shiliu/internal/files"
	"shiliu/internal/ref"
)

// Purpose is what money is for.
type Purpose string

// The purposes.
const (
	Publicity Purpose = "publicity"  // 宣传
	Hardship  Purpose = "hardship"   // 帮困
	StudyTrip Purpose = "study_trip" // 参观学习
	Activity  Purpose = "activity"   // 活动
	Other     Purpose = "other"      // 其他
)

// Purposes lists the purposes in display order.
var Purposes = []Purpose{Publicity, Hardship, StudyTrip, Activity, Other}

// Valid reports whether p is a known purpose.
func (p Purpose) Valid() bool {
	for _, x := range Purposes {
		if p == x {
			return true
		}
	}
	return false
}

// MaxFen caps one amount: 100 million yuan.
const MaxFen = 100_000_000 * 100

var (
	plainAmount   = regexp.MustCompile(`^[0-9]+(\.[0-9]{1,2})?$`)
	groupedAmount = regexp.MustCompile(`^[0-9]{1,3}(,[0-9]{3})+(\.[0-9]{1,2})?$`)
)

// ParseYuan reads an amount of yuan as typed ("1,234.5", "1234.50",
// "¥80", "80元") into fen. It returns the message key of a refusal:
// err.amount_invalid for what is not a number (or has more than two
// decimals), err.amount_negative, err.amount_zero, err.amount_too_large.
func ParseYuan(s string) (int64, string) {
	s = strings.TrimSpace(s)
	s = strings.TrimPrefix(strings.TrimPrefix(s, "¥"), "￥")
	s = strings.TrimSpace(strings.TrimSuffix(s, "元"))
	s = strings.ReplaceAll(s, "，", ",")
	switch {
	case s == "":
		return 0, "err.required"
	case strings.HasPrefix(s, "-"):
		return 0, "err.amount_negative"
	case groupedAmount.MatchString(s):
		s = strings.ReplaceAll(s, ",", "")
	case !plainAmount.MatchString(s):
		return 0, "err.amount_invalid"
	}
	whole, frac, _ := strings.Cut(s, ".")
	if len(whole) > 12 {
		return 0, "err.amount_too_large"
	}
	y, err := strconv.ParseInt(whole, 10, 64)
	if err != nil {
		return 0, "err.amount_invalid"
	}
	frac = (frac + "00")[:2]
	c, _ := strconv.ParseInt(frac, 10, 64)
	fen := y*100 + c
	switch {
	case fen == 0:
		return 0, "err.amount_zero"
	case fen > MaxFen:
		return 0, "err.amount_too_large"
	}
	return fen, ""
}

// Service is the budget and its spending.
type Service struct {
	DB    *db.DB
	Files *files.Store
	// Now is the clock (tests move it).
	Now func() time.Time
}

// New returns the service.
func New(d *db.DB) *Service { return &Service{DB: d, Files: files.New(d), Now: time.Now} }

// Today is the current date in China.
func (s *Service) Today() string { return s.Now().In(ref.China).Format(db.DateLayout) }

// readable limits a column naming an org unit to the actor's subtree: a
// unit's money is seen by it and the units above it, never by a sibling.
func readable(a *auth.Actor, col string) (string, []any) { return a.Scope().InSubtree(col) }

// unitPath returns the path of an active unit in the actor's subtree, or
// "" when there is none.
func unitPath(ctx context.Context, q db.Querier, a *auth.Actor, id int64) (string, error) {
	var path string
	var archived int
	err := q.QueryRow(ctx, `SELECT path, archived FROM org_units WHERE id = ?`, id).Scan(&path, &archived)
	if errors.Is(err, sql.ErrNoRows) || err == nil && (archived != 0 || !a.Scope().Contains(path)) {
		return "", nil
	}
	return path, err
}

// Line is one budget line: a unit's budget for a purpose in a year.
type Line struct {
	Purpose   Purpose
	AmountFen int64
	Note      string
	// Version is 0 for a line not yet set.
	Version int
}

// Lines returns a unit's own budget lines of a year, one per purpose
// (unset ones with amount 0 and version 0).
func (s *Service) Lines(ctx context.Context, a *auth.Actor, orgID int64, year int) ([]Line, error) {
	if err := a.Require(auth.CommunityView); err != nil {
		return nil, err
	}
	if p, err := unitPath(ctx, s.DB, a, orgID); err != nil {
		return nil, err
	} else if p == "" {
		return nil, errs.ErrOutOfScope
	}
	return s.lines(ctx, s.DB, orgID, year)
}

func (s *Service) lines(ctx context.Context, q db.Querier, orgID int64, year int) ([]Line, error) {
	rows, err := q.Query(ctx, `SELECT purpose, amount_fen, note, version FROM budgets WHERE org_id = ? AND year = ?`, orgID, year)
	got, err := db.Collect(rows, err, func(sc db.Scanner) (Line, error) {
		var l Line
		var p string
		err := sc.Scan(&p, &l.AmountFen, &l.Note, &l.Version)
		l.Purpose = Purpose(p)
		return l, err
	})
	if err != nil {
		return nil, fmt.Errorf("budget lines: %w", err)
	}
	out := make([]Line, len(Purposes))
	for i, p := range Purposes {
		out[i].Purpose = p
		for _, l := range got {
			if l.Purpose == p {
				out[i] = l
			}
		}
	}
	return out, nil
}

// BudgetInput sets a unit's budget of a year: the amount of each purpose
// as yuan text ("" leaves a purpose as it is), with the version read
// (0 for a line not set before).
type BudgetInput struct {
	OrgID    int64
	Year     int
	Amounts  map[Purpose]string
	Versions map[Purpose]int
}

// SetBudget writes a unit's budget lines for a year, in one transaction,
// each changed line audited. A zero budget is allowed; a negative or
// non-numeric one is refused naming the purpose's field (amount_publicity …).
func (s *Service) SetBudget(ctx context.Context, a *auth.Actor, in BudgetInput) error {
	if err := a.Require(auth.BudgetEdit); err != nil {
		return err
	}
	f := map[string]string{}
	if in.Year < 2000 || in.Year > s.Now().In(ref.China).Year()+1 {
		f["year"] = "err.year_range"
	}
	amounts := map[Purpose]int64{}
	for _, p := range Purposes {
		txt := strings.TrimSpace(in.Amounts[p])
		if txt == "" {
			continue
		}
		fen, key := ParseYuan(txt)
		if key == "err.amount_zero" {
			fen, key = 0, ""
		}
		if key != "" {
			f["amount_"+string(p)] = key
			continue
		}
		amounts[p] = fen
	}
	return s.DB.WithTx(ctx, func(tx *db.Tx) error {
		path, err := unitPath(ctx, tx, a, in.OrgID)
		if err != nil {
			return err
		}
		if path == "" {
			f["org_id"] = "err.org_unknown"
		}
		if len(f) > 0 {
			return errs.InvalidFields(f)
		}
		old, err := s.lines(ctx, tx, in.OrgID, in.Year)
		if err != nil {
			return err
		}
		now := db.FormatTime(s.Now())
		for _, l := range old {
			fen, ok := amounts[l.Purpose]
			if !ok || fen == l.AmountFen && l.Version != 0 {
				continue
			}
			if in.Versions[l.Purpose] != l.Version {
				return errs.E(errs.Conflict, "err.version_conflict")
			}
			if l.Version == 0 {
				_, err = tx.Exec(ctx, `INSERT INTO budgets (org_id, year, purpose, amount_fen, created_by, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)`,
					in.OrgID, in.Year, string(l.Purpose), fen, db.NullID(a.UserID), now, now)
				if db.IsUniqueViolation(err) {
					return errs.E(errs.Conflict, "err.version_conflict")
				}
			} else {
				var res sql.Result
				res, err = tx.Exec(ctx, `UPDATE budgets SET amount_fen = ?, version = version + 1, updated_at = ? WHERE org_id = ? AND year = ? AND purpose = ? AND version = ?`,
					fen, now, in.OrgID, in.Year, string(l.Purpose), l.Version)
				if n, _ := res.RowsAffected(); err == nil && n != 1 {
					return errs.E(errs.Conflict, "err.version_conflict")
				}
			}
			if err != nil {
				return fmt.Errorf("budget line: %w", err)
			}
			err = audit.Write(ctx, tx, audit.Entry{Who: a.Who(), Action: audit.ActionUpdate, Entity: "budget", EntityID: fmt.Sprintf("%d/%d/%s", in.OrgID, in.Year, l.Purpose),
				Detail: map[string]any{"amount_fen": map[string]any{"old": l.AmountFen, "new": fen}}})
			if err != nil {
				return err
			}
		}
		return nil
	})
}

// subtreeOf is the condition "col names a unit of the subtree of the unit
// at path".
func subtreeOf(path, col string) (string, []any) { return access.Scope{Path: path}.InSubtree(col) }

// Year is the current year in China.
func (s *Service) Year() int { return s.Now().In(ref.China).Year() }
