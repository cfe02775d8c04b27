package budget

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"hash/fnv"
	"io"
	"strconv"
	"strings"

	"shiliu/internal/audit"
	"shiliu/internal/auth"
	"shiliu/internal/db"
	"shiliu/internal/errs"
	"shiliu/internal/files"
	"shiliu/internal/ref"
)

// MaxReceiptBytes caps a receipt: 10 MB.
const MaxReceiptBytes = 10 << 20

// ReceiptKind is what a spending entry keeps as receipts: photos and PDF
// scans, by their content.
var ReceiptKind = files.Kind{Name: "receipt", Field: "receipt", MaxBytes: MaxReceiptBytes,
	Types: []string{files.JPEG, files.PNG, files.WebP, files.GIF, files.PDF},
	Keys:  files.Keys{Empty: "err.receipt_type", Type: "err.receipt_type", Mismatch: "err.attachment_mismatch", TooLarge: "err.receipt_too_large"}}

// Receipt is an uploaded receipt.
type Receipt struct {
	Name string
	R    io.Reader
}

// SpendInput is a spending entry.
type SpendInput struct {
	// OrgID is the unit whose budget pays (default: the actor's).
	OrgID int64
	// Date defaults to today; not in the future.
	Date    string
	Purpose Purpose
	// Amount is yuan as typed; a caller holding fen already (the activity
	// ledger) sets AmountFen instead.
	Amount    string
	AmountFen int64
	Payee     string
	Note      string
	// Optional links: the activity, pairing or partner paid for.
	ActivityID int64
	PairingID  int64
	PartnerID  int64
	// OverReason is required when the entry takes the unit's spending of
	// the year and purpose past its budget.
	OverReason string
	Receipts   []Receipt
}

// Spend records a spending entry with its receipts, in one transaction.
func (s *Service) Spend(ctx context.Context, a *auth.Actor, in SpendInput) (*Spending, error) {
	if err := a.Require(auth.BudgetSpend); err != nil {
		return nil, err
	}
	var id int64
	err := s.DB.WithTx(ctx, func(tx *db.Tx) error {
		var err error
		id, err = s.SpendTx(ctx, tx, a, in)
		return err
	})
	if err != nil {
		return nil, err
	}
	return s.Spending(ctx, a, id)
}

// SpendTx records a spending entry in tx, the transaction of the record it
// pays for (an activity's cost): validated, checked against the budget,
// its receipts stored and the entry audited there, or nothing is.
func (s *Service) SpendTx(ctx context.Context, tx *db.Tx, a *auth.Actor, in SpendInput) (int64, error) {
	if err := a.Require(auth.BudgetSpend); err != nil {
		return 0, err
	}
	f := map[string]string{}
	if in.OrgID == 0 {
		in.OrgID = a.OrgID
	}
	switch d, ok := ref.ParseDate(in.Date); {
	case strings.TrimSpace(in.Date) == "":
		in.Date = s.Today()
	case !ok:
		f["date"] = "err.date_invalid"
	case d.Format(db.DateLayout) > s.Today():
		f["date"] = "err.date_future"
	default:
		in.Date = d.Format(db.DateLayout)
	}
	if !in.Purpose.Valid() {
		f["purpose"] = "err.required"
	}
	fen := in.AmountFen
	if in.Amount != "" || fen == 0 {
		var key string
		if fen, key = ParseYuan(in.Amount); key != "" {
			f["amount"] = key
		}
	} else if fen < 0 || fen > MaxFen {
		f["amount"] = "err.amount_invalid"
	}
	in.Payee, in.Note, in.OverReason = strings.TrimSpace(in.Payee), strings.TrimSpace(in.Note), strings.TrimSpace(in.OverReason)
	if ref.TooLong(in.Payee, 100) {
		f["payee"] = "err.too_long"
	}
	if ref.TooLong(in.Note, 500) {
		f["note"] = "err.too_long"
	}
	if ref.TooLong(in.OverReason, 500) {
		f["over_reason"] = "err.too_long"
	}
	path, err := unitPath(ctx, tx, a, in.OrgID)
	if err != nil {
		return 0, err
	}
	if path == "" {
		f["org_id"] = "err.org_unknown"
	}
	// the links: records of the actor's subtree (a partner may be the
	// subdistrict's, above a committee)
	for _, l := range []struct {
		id           int64
		table, field string
		above        bool
	}{{in.ActivityID, "activities", "activity_id", false}, {in.PairingID, "pairings", "pairing_id", false}, {in.PartnerID, "partners", "partner_id", true}} {
		if l.id == 0 {
			continue
		}
		cond, args := readable(a, "x.org_id")
		if l.above {
			cond, args = readableUp(a, "x.org_id")
		}
		var n int
		if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM `+l.table+` x WHERE x.id = ? AND `+cond, append([]any{l.id}, args...)...).Scan(&n); err != nil {
			return 0, err
		}
		if n == 0 {
			f[l.field] = "err.link_unknown"
		}
	}
	if len(f) > 0 {
		return 0, errs.InvalidFields(f)
	}
	year := in.Date[:4]
	if tx.Dialect() == db.Postgres {
		// Two entries against one budget line at once: the second waits
		// here and then counts the first.
		h := fnv.New64a()
		fmt.Fprintf(h, "budget/%d/%s/%s", in.OrgID, year, in.Purpose)
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(?)`, int64(h.Sum64())); err != nil {
			return 0, fmt.Errorf("lock budget line: %w", err)
		}
	}
	var budget, spent int64
	err = tx.QueryRow(ctx, `SELECT COALESCE(SUM(amount_fen), 0) FROM budgets WHERE org_id = ? AND year = ? AND purpose = ?`, in.OrgID, atoi(year), string(in.Purpose)).Scan(&budget)
	if err == nil {
		err = tx.QueryRow(ctx, `SELECT COALESCE(SUM(amount_fen), 0) FROM spendings WHERE org_id = ? AND status = 'valid' AND purpose = ? AND date >= ? AND date <= ?`,
			in.OrgID, string(in.Purpose), year+"-01-01", year+"-12-31").Scan(&spent)
	}
	if err != nil {
		return 0, fmt.Errorf("budget check: %w", err)
	}
	over := spent+fen > budget
	switch {
	case over && in.OverReason == "":
		return 0, errs.InvalidFields(map[string]string{"over_reason": "err.over_budget"})
	case !over:
		in.OverReason = ""
	}
	id, err := tx.InsertID(ctx, `INSERT INTO spendings (org_id, date, purpose, amount_fen, payee, note, activity_id, pairing_id, partner_id, over_reason,
		created_by, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		in.OrgID, in.Date, string(in.Purpose), fen, in.Payee, in.Note, db.NullID(in.ActivityID), db.NullID(in.PairingID), db.NullID(in.PartnerID),
		in.OverReason, db.NullID(a.UserID), db.FormatTime(s.Now()))
	if err != nil {
		return 0, fmt.Errorf("insert spending: %w", err)
	}
	for _, r := range in.Receipts {
		if err := s.addReceipt(ctx, tx, a, id, r); err != nil {
			return 0, err
		}
	}
	return id, audit.Write(ctx, tx, audit.Entry{Who: a.Who(), Action: audit.ActionCreate, Entity: "spending", EntityID: strconv.FormatInt(id, 10),
		Detail: map[string]any{"org_id": in.OrgID, "date": in.Date, "purpose": in.Purpose, "amount_fen": fen, "over_budget": over,
			"activity_id": in.ActivityID, "pairing_id": in.PairingID, "partner_id": in.PartnerID, "receipts": len(in.Receipts)}})
}

// ledgerReason is the over-budget reason of a cost an activity ledger
// import records: the import cannot ask for one, and says where it came
// from instead.
const ledgerReason = "活动台账导入"

// ActivityCost records an activity's cost as a spending entry of its
// organiser for activities, in the activity's transaction (it makes the
// service an activity.CostRecorder).
func (s *Service) ActivityCost(ctx context.Context, tx *db.Tx, a *auth.Actor, activityID, orgID int64, date string, fen int64, note string) error {
	_, err := s.SpendTx(ctx, tx, a, SpendInput{OrgID: orgID, Date: date, Purpose: Activity, AmountFen: fen, Note: note, ActivityID: activityID,
		OverReason: ledgerReason})
	return err
}

func atoi(s string) int { n, _ := strconv.Atoi(s); return n }

// readableUp is readable widened to the units above the actor (partners
// of the subdistrict serve its committees).
func readableUp(a *auth.Actor, col string) (string, []any) { return a.Scope().InSubtreeOrAbove(col) }

// addReceipt stores a receipt of entry id in tx.
func (s *Service) addReceipt(ctx context.Context, tx *db.Tx, a *auth.Actor, id int64, r Receipt) error {
	f, err := s.Files.PutTx(ctx, tx, ReceiptKind, r.Name, r.R, a.UserID)
	if err != nil {
		return err
	}
	rid, err := tx.InsertID(ctx, `INSERT INTO spending_receipts (spending_id, file_id, name, created_by, created_at) VALUES (?, ?, ?, ?, ?)`,
		id, f.ID, files.CleanName(r.Name), db.NullID(a.UserID), db.FormatTime(s.Now()))
	if err != nil {
		return fmt.Errorf("insert receipt: %w", err)
	}
	return audit.Write(ctx, tx, audit.Entry{Who: a.Who(), Action: audit.ActionCreate, Entity: "spending_receipt", EntityID: strconv.FormatInt(rid, 10),
		Detail: map[string]any{"spending_id": id, "file_id": f.ID, "size": f.Size, "mime": f.MIME}})
}

// AddReceipt adds a receipt to a valid spending entry in the actor's scope.
func (s *Service) AddReceipt(ctx context.Context, a *auth.Actor, id int64, r Receipt) error {
	if err := a.Require(auth.BudgetSpend); err != nil {
		return err
	}
	return s.DB.WithTx(ctx, func(tx *db.Tx) error {
		x, err := s.get(ctx, tx, a, id)
		if err != nil {
			return err
		}
		if x.Void() {
			return errs.E(errs.Conflict, "err.spending_void")
		}
		return s.addReceipt(ctx, tx, a, id, r)
	})
}

// OpenReceipt opens a receipt of a spending entry in the actor's scope.
func (s *Service) OpenReceipt(ctx context.Context, a *auth.Actor, receiptID int64) (*files.Reader, error) {
	if err := a.Require(auth.CommunityView); err != nil {
		return nil, err
	}
	var spendingID, fileID int64
	err := s.DB.QueryRow(ctx, `SELECT spending_id, file_id FROM spending_receipts WHERE id = ?`, receiptID).Scan(&spendingID, &fileID)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, errs.ErrNotFound
	}
	if err != nil {
		return nil, err
	}
	if _, err := s.get(ctx, s.DB, a, spendingID); err != nil {
		return nil, err
	}
	return s.Files.Open(ctx, fileID)
}

// Void voids a spending entry with a reason: it is kept, shown as void,
// and counts nowhere (neither in the execution nor against the budget).
func (s *Service) Void(ctx context.Context, a *auth.Actor, id int64, version int, reason string) error {
	if err := a.Require(auth.BudgetSpend); err != nil {
		return err
	}
	reason = strings.TrimSpace(reason)
	return s.DB.WithTx(ctx, func(tx *db.Tx) error {
		x, err := s.get(ctx, tx, a, id)
		if err != nil {
			return err
		}
		switch {
		case x.Void():
			return errs.E(errs.Conflict, "err.spending_void")
		case reason == "":
			return errs.InvalidFields(map[string]string{"reason": "err.required"})
		case ref.TooLong(reason, 500):
			return errs.InvalidFields(map[string]string{"reason": "err.too_long"})
		case x.Version != version:
			return errs.E(errs.Conflict, "err.version_conflict")
		}
		res, err := tx.Exec(ctx, `UPDATE spendings SET status = 'void', void_reason = ?, voided_by = ?, voided_at = ?, version = version + 1
			WHERE id = ? AND version = ?`, reason, db.NullID(a.UserID), db.FormatTime(s.Now()), id, version)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return errs.E(errs.Conflict, "err.version_conflict")
		}
		return audit.Write(ctx, tx, audit.Entry{Who: a.Who(), Action: "void", Entity: "spending", EntityID: strconv.FormatInt(id, 10),
			Detail: map[string]any{"reason": reason, "amount_fen": x.AmountFen}})
	})
}
