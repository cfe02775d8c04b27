package budget

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"shiliu/internal/auth"
	"shiliu/internal/db"
	"shiliu/internal/errs"
)

// Spending is a spending entry.
type Spending struct {
	ID         int64
	OrgID      int64
	OrgName    string
	Date       string
	Purpose    Purpose
	AmountFen  int64
	Payee      string
	Note       string
	ActivityID int64
	Activity   string
	PairingID  int64
	PartnerID  int64
	Partner    string
	OverReason string
	Status     string
	VoidReason string
	VoidedAt   string
	Version    int
	CreatedBy  string
	CreatedAt  string
	Receipts   []ReceiptInfo
}

// Void reports whether the entry was voided.
func (x *Spending) Void() bool { return x.Status == "void" }

// ReceiptInfo describes a stored receipt.
type ReceiptInfo struct {
	ID   int64
	Name string
	MIME string
}

// IsImage reports whether the receipt is a photo (shown inline).
func (r ReceiptInfo) IsImage() bool { return strings.HasPrefix(r.MIME, "image/") }

const spendingCols = `x.id, x.org_id, o.name, x.date, x.purpose, x.amount_fen, x.payee, x.note, COALESCE(x.activity_id, 0), COALESCE(ac.title, ''),
	COALESCE(x.pairing_id, 0), COALESCE(x.partner_id, 0), COALESCE(pt.name, ''), x.over_reason, x.status, x.void_reason, x.voided_at, x.version,
	COALESCE(NULLIF(u.display_name, ''), u.username, ''), x.created_at`

const spendingFrom = ` FROM spendings x JOIN org_units o ON o.id = x.org_id LEFT JOIN activities ac ON ac.id = x.activity_id
	LEFT JOIN partners pt ON pt.id = x.partner_id LEFT JOIN users u ON u.id = x.created_by`

func scanSpending(sc db.Scanner) (*Spending, error) {
	var x Spending
	var p string
	err := sc.Scan(&x.ID, &x.OrgID, &x.OrgName, &x.Date, &p, &x.AmountFen, &x.Payee, &x.Note, &x.ActivityID, &x.Activity, &x.PairingID, &x.PartnerID,
		&x.Partner, &x.OverReason, &x.Status, &x.VoidReason, &x.VoidedAt, &x.Version, &x.CreatedBy, &x.CreatedAt)
	x.Purpose = Purpose(p)
	return &x, err
}

// get reads a spending entry in the actor's scope.
func (s *Service) get(ctx context.Context, q db.Querier, a *auth.Actor, id int64) (*Spending, error) {
	x, err := scanSpending(q.QueryRow(ctx, `SELECT `+spendingCols+spendingFrom+` WHERE x.id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, errs.ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("get spending %d: %w", id, err)
	}
	cond, args := readable(a, "x.org_id")
	var one int
	err = q.QueryRow(ctx, `SELECT 1 FROM spendings x WHERE x.id = ? AND `+cond, append([]any{id}, args...)...).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, errs.ErrOutOfScope
	}
	if err != nil {
		return nil, err
	}
	rows, err := q.Query(ctx, `SELECT r.id, r.name, f.mime FROM spending_receipts r JOIN files f ON f.id = r.file_id WHERE r.spending_id = ? ORDER BY r.id`, id)
	x.Receipts, err = db.Collect(rows, err, func(sc db.Scanner) (ReceiptInfo, error) {
		var r ReceiptInfo
		return r, sc.Scan(&r.ID, &r.Name, &r.MIME)
	})
	return x, err
}

// Spending returns a spending entry in the actor's scope with its receipts.
func (s *Service) Spending(ctx context.Context, a *auth.Actor, id int64) (*Spending, error) {
	if err := a.Require(auth.CommunityView); err != nil {
		return nil, err
	}
	return s.get(ctx, s.DB, a, id)
}

// SpendFilter selects spending entries.
type SpendFilter struct {
	// OrgID: the entries of this unit's subtree.
	OrgID   int64
	Year    int
	Month   int
	Purpose Purpose
	// ActivityID: the entries paying for one activity.
	ActivityID int64
	// WithVoid includes voided entries.
	WithVoid bool
	Limit    int
	Offset   int
}

// Spendings lists the spending entries in the actor's scope matching f,
// newest first, with their total and the sum of the valid ones.
func (s *Service) Spendings(ctx context.Context, a *auth.Actor, f SpendFilter) ([]*Spending, int, int64, error) {
	if err := a.Require(auth.CommunityView); err != nil {
		return nil, 0, 0, err
	}
	cond, args := readable(a, "x.org_id")
	conds := []string{cond}
	add := func(c string, v ...any) { conds = append(conds, c); args = append(args, v...) }
	if f.OrgID != 0 {
		path, err := unitPath(ctx, s.DB, a, f.OrgID)
		if err != nil || path == "" {
			return nil, 0, 0, err
		}
		c, v := subtreeOf(path, "x.org_id")
		add(c, v...)
	}
	switch {
	case f.Year != 0 && f.Month >= 1 && f.Month <= 12:
		add("x.date >= ? AND x.date < ?", fmt.Sprintf("%04d-%02d-01", f.Year, f.Month), fmt.Sprintf("%04d-%02d-32", f.Year, f.Month))
	case f.Year != 0:
		add("x.date >= ? AND x.date <= ?", fmt.Sprintf("%04d-01-01", f.Year), fmt.Sprintf("%04d-12-31", f.Year))
	}
	if f.Purpose != "" {
		add("x.purpose = ?", string(f.Purpose))
	}
	if f.ActivityID != 0 {
		add("x.activity_id = ?", f.ActivityID)
	}
	if !f.WithVoid {
		add("x.status = 'valid'")
	}
	where := " WHERE " + strings.Join(conds, " AND ")
	var total int
	var sum int64
	if err := s.DB.QueryRow(ctx, `SELECT COUNT(*), COALESCE(SUM(CASE WHEN x.status = 'valid' THEN x.amount_fen ELSE 0 END), 0) FROM spendings x`+where, args...).
		Scan(&total, &sum); err != nil {
		return nil, 0, 0, fmt.Errorf("count spendings: %w", err)
	}
	if total == 0 {
		return nil, 0, 0, nil
	}
	if f.Limit <= 0 {
		f.Limit = 50
	}
	rows, err := s.DB.Query(ctx, `SELECT `+spendingCols+spendingFrom+where+` ORDER BY x.date DESC, x.id DESC LIMIT ? OFFSET ?`, append(args, f.Limit, f.Offset)...)
	out, err := db.Collect(rows, err, scanSpending)
	if err != nil {
		return nil, 0, 0, fmt.Errorf("list spendings: %w", err)
	}
	return out, total, sum, nil
}

// PurposeLine is a purpose's budget and spending in an execution.
type PurposeLine struct {
	Purpose          Purpose
	BudgetFen        int64
	SpentFen         int64
	OverBudgetSpends int // entries saved with an over-budget reason
}

// Left is what is left of the budget (negative when overspent).
func (l PurposeLine) Left() int64 { return l.BudgetFen - l.SpentFen }

// Percent is the share of the budget spent, for the bars (capped at 100;
// 100 when money was spent without a budget).
func (l PurposeLine) Percent() int {
	switch {
	case l.BudgetFen <= 0 && l.SpentFen > 0:
		return 100
	case l.BudgetFen <= 0:
		return 0
	}
	return int(min(100, l.SpentFen*100/l.BudgetFen))
}

// Over reports whether more was spent than budgeted.
func (l PurposeLine) Over() bool { return l.SpentFen > l.BudgetFen }

// MonthLine is a month's spending, by purpose.
type MonthLine struct {
	Month     int
	SpentFen  int64
	ByPurpose map[Purpose]int64
	// Percent is the month's share of the year's largest month, for bars.
	Percent int
}

// Execution is a unit subtree's budget against its spending in a year.
type Execution struct {
	OrgID     int64
	Year      int
	ByPurpose []PurposeLine
	ByMonth   []MonthLine
	// BudgetFen and SpentFen are the report's figures budget and spent.
	BudgetFen, SpentFen int64
}

// Percent is the share of the whole budget spent.
func (e *Execution) Percent() int {
	return PurposeLine{BudgetFen: e.BudgetFen, SpentFen: e.SpentFen}.Percent()
}

// Execution reads the budget and the valid spending of the subtree of
// unit orgID (in the actor's scope) in year: one query on budgets by
// purpose, one on spendings by purpose and month.
func (s *Service) Execution(ctx context.Context, a *auth.Actor, orgID int64, year int) (*Execution, error) {
	if err := a.RequireAny(auth.CommunityView, auth.FigureView); err != nil {
		return nil, err
	}
	path, err := unitPath(ctx, s.DB, a, orgID)
	if err != nil {
		return nil, err
	}
	if path == "" {
		return nil, errs.ErrOutOfScope
	}
	e := &Execution{OrgID: orgID, Year: year}
	idx := map[Purpose]int{}
	for i, p := range Purposes {
		e.ByPurpose = append(e.ByPurpose, PurposeLine{Purpose: p})
		idx[p] = i
	}
	for m := 1; m <= 12; m++ {
		e.ByMonth = append(e.ByMonth, MonthLine{Month: m, ByPurpose: map[Purpose]int64{}})
	}
	cond, args := subtreeOf(path, "b.org_id")
	rows, err := s.DB.Query(ctx, `SELECT b.purpose, SUM(b.amount_fen) FROM budgets b WHERE b.year = ? AND `+cond+` GROUP BY b.purpose`, append([]any{year}, args...)...)
	type sum struct {
		purpose      string
		month        int
		fen          int64
		overReasoned int
	}
	budgets, err := db.Collect(rows, err, func(sc db.Scanner) (sum, error) {
		var x sum
		return x, sc.Scan(&x.purpose, &x.fen)
	})
	if err != nil {
		return nil, fmt.Errorf("budget by purpose: %w", err)
	}
	for _, b := range budgets {
		if i, ok := idx[Purpose(b.purpose)]; ok {
			e.ByPurpose[i].BudgetFen = b.fen
			e.BudgetFen += b.fen
		}
	}
	cond, args = subtreeOf(path, "x.org_id")
	rows, err = s.DB.Query(ctx, `SELECT x.purpose, substr(x.date, 6, 2), SUM(x.amount_fen), SUM(CASE WHEN x.over_reason <> '' THEN 1 ELSE 0 END)
		FROM spendings x WHERE x.status = 'valid' AND x.date >= ? AND x.date <= ? AND `+cond+` GROUP BY x.purpose, substr(x.date, 6, 2)`,
		append([]any{fmt.Sprintf("%04d-01-01", year), fmt.Sprintf("%04d-12-31", year)}, args...)...)
	spent, err := db.Collect(rows, err, func(sc db.Scanner) (sum, error) {
		var x sum
		var month string
		err := sc.Scan(&x.purpose, &month, &x.fen, &x.overReasoned)
		x.month, _ = strconv.Atoi(month)
		return x, err
	})
	if err != nil {
		return nil, fmt.Errorf("spending by purpose and month: %w", err)
	}
	for _, x := range spent {
		i, ok := idx[Purpose(x.purpose)]
		if !ok || x.month < 1 || x.month > 12 {
			continue
		}
		e.ByPurpose[i].SpentFen += x.fen
		e.ByPurpose[i].OverBudgetSpends += x.overReasoned
		e.ByMonth[x.month-1].SpentFen += x.fen
		e.ByMonth[x.month-1].ByPurpose[Purpose(x.purpose)] += x.fen
		e.SpentFen += x.fen
	}
	var top int64
	for _, m := range e.ByMonth {
		top = max(top, m.SpentFen)
	}
	for i := range e.ByMonth {
		if top > 0 {
			e.ByMonth[i].Percent = int(e.ByMonth[i].SpentFen * 100 / top)
		}
	}
	return e, nil
}

// Option is a record a spending entry may be linked to, for a form.
type Option struct {
	ID   int64
	Name string
}

// LinkOptions are the records of the actor's scope a new entry may pay
// for: the activities of the year (not cancelled), the active pairings,
// the partners (the actor's and those of the units above).
type LinkOptions struct {
	Activities, Pairings, Partners []Option
}

// Links lists the link options for a spending form.
func (s *Service) Links(ctx context.Context, a *auth.Actor, year int) (*LinkOptions, error) {
	if err := a.Require(auth.BudgetSpend); err != nil {
		return nil, err
	}
	scan := func(sc db.Scanner) (Option, error) {
		var o Option
		return o, sc.Scan(&o.ID, &o.Name)
	}
	var out LinkOptions
	cond, args := readable(a, "x.org_id")
	rows, err := s.DB.Query(ctx, `SELECT x.id, substr(x.starts_at, 1, 10) || ' ' || x.title FROM activities x WHERE x.status <> 'cancelled'
		AND x.starts_at >= ? AND x.starts_at < ? AND `+cond+` ORDER BY x.starts_at DESC, x.id DESC LIMIT 300`,
		append([]any{fmt.Sprintf("%04d-01-01", year), fmt.Sprintf("%04d-01-01", year+1)}, args...)...)
	if out.Activities, err = db.Collect(rows, err, scan); err != nil {
		return nil, fmt.Errorf("activity options: %w", err)
	}
	rows, err = s.DB.Query(ctx, `SELECT x.id, COALESCE(NULLIF(x.helper_name, ''), '#' || x.id) || ' → ' || COALESCE(p.name, h.code, '')
		FROM pairings x LEFT JOIN persons p ON p.id = x.target_person_id LEFT JOIN households h ON h.id = x.target_household_id
		WHERE x.status = 'active' AND `+cond+` ORDER BY x.id DESC LIMIT 300`, args...)
	if out.Pairings, err = db.Collect(rows, err, scan); err != nil {
		return nil, fmt.Errorf("pairing options: %w", err)
	}
	cond, args = readableUp(a, "x.org_id")
	rows, err = s.DB.Query(ctx, `SELECT x.id, x.name FROM partners x WHERE x.active = 1 AND `+cond+` ORDER BY x.name, x.id LIMIT 300`, args...)
	if out.Partners, err = db.Collect(rows, err, scan); err != nil {
		return nil, fmt.Errorf("partner options: %w", err)
	}
	return &out, nil
}
