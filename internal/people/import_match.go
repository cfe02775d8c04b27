package people

// Matching rows with the registry: the applier, households, and the
// updates of registered persons.

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"shiliu/internal/auth"
	"shiliu/internal/db"
	"shiliu/internal/people/roster"
)

// hhKey names a household: its committee and its 户号.
type hhKey struct {
	org  int64
	code string
}

// hhState is a household the import has seen.
type hhState struct {
	id   int64
	head int64 // head_person_id
	// claimed is where in the file a row made itself the head (sheet<<32 |
	// line), 0 when none did.
	claimed uint64
	// pending holds what creates a new household until it is inserted.
	pending  *hhNew
	archived bool
	// fresh: created by this import.
	fresh bool
}

type hhNew struct {
	key     hhKey
	bg      int64
	address string
}

// existing is a registered person as the import compares them.
type existing struct {
	id                                      int64
	path                                    string
	org, bg, hh                             int64
	relation, name, phoneIndex, eth         string
	kind                                    int
	cur, reg, work                          string
	wk                                      int
	edu, pol                                string
	tags                                    int
	note, status, arrival, permit, initials string
	pinyin                                  string
}

// applier applies checked rows in file order.
type applier struct {
	s    *Service
	a    *auth.Actor
	tx   *db.Tx     // nil in a dry run
	q    db.Querier // the transaction, or the reader pool in a dry run
	rep  *ImportReport
	opts ImportOptions
	// seen maps the ID numbers read so far to where they were first seen.
	seen       map[uint64]uint64
	sheets     []*roster.Sheet
	households map[hhKey]*hhState
	errBook    *roster.ErrorBook
	fakeID     int64
	now, today string
	insert     *sql.Stmt // the full-chunk person INSERT
	search     *sql.Stmt // the full-chunk person_search INSERT (bulk)
	events     []eventRow
	// SQLite bulk mode: the persons table's indexes and its search
	// trigger are dropped for a large load and made again at the end, in
	// the transaction (see maybeDropIndexes).
	file      *roster.File
	existing  int64 // persons registered before the import: the largest id
	hhBefore  int64 // the same for households
	inserted  int
	decided   bool     // whether to drop indexes
	dropped   []string // the CREATE INDEX and CREATE TRIGGER statements to run again
	bulk      bool     // indexes dropped
	known     bool     // registered persons are looked up in temp.import_known
	demotions []demotion
}

// demotion: a household has a new head, and whoever else was written as
// 户主 becomes a plain member.
type demotion struct {
	hh, head int64
}

type eventRow struct {
	person   int64
	kind     string
	from, to int64
	note     string
}

func loc(r *roster.Row) uint64 { return uint64(r.Sheet.Index)<<32 | uint64(uint32(r.Line)) }

func (ap *applier) reject(it *item) error {
	rep := ap.rep
	res := it.res
	rep.Rejected++
	rep.RejectedByReason[res.Code]++
	if len(rep.RejectedRows) < MaxListed {
		rep.RejectedRows = append(rep.RejectedRows, RejectedRow{Sheet: it.row.Sheet.Name, Line: it.row.Line, Cells: it.row.Cells, Code: res.Code, Reason: res.Reason})
	}
	if ap.errBook == nil {
		ap.errBook = roster.NewErrorBook()
	}
	return ap.errBook.Add(it.row, res.Reason)
}

func (ap *applier) warn(ws ...roster.Warning) {
	ap.rep.Warnings += len(ws)
	for _, w := range ws {
		if len(ap.rep.WarningList) < MaxListed {
			ap.rep.WarningList = append(ap.rep.WarningList, w)
		}
	}
}

func (ap *applier) exec(ctx context.Context, q string, args ...any) error {
	if ap.tx == nil {
		return nil
	}
	_, err := ap.tx.Exec(ctx, q, args...)
	return err
}

// update is a change to a registered person.
type update struct {
	it       *item
	old      *existing
	nw       existing
	phone    bool // the phone changes
	moved    bool // the committee changes
	hhChange bool
}

// apply applies a batch of rows.
func (ap *applier) apply(ctx context.Context, items []*item) error {
	rep := ap.rep
	rep.Rows += len(items)
	look := make([]any, 0, len(items))
	for _, it := range items {
		if sh := it.row.Sheet; sh.Index == len(ap.sheets) {
			ap.sheets = append(ap.sheets, sh)
		}
		if it.key != 0 {
			if first, ok := ap.seen[it.key]; ok {
				it.res.Reject(roster.CodeDuplicateInFile, roster.DuplicateReason(ap.sheets[first>>32], int(uint32(first))))
			} else {
				ap.seen[it.key] = loc(&it.row)
			}
		}
		if it.res.Code == "" {
			look = append(look, it.idIndex)
		}
	}
	found, err := ap.lookup(ctx, look)
	if err != nil {
		return err
	}
	if err := ap.loadHouseholds(ctx, items); err != nil {
		return err
	}
	var inserts []*item
	var updates []*update
	type headChange struct {
		hh     *hhState
		person *item // a new person, or nil
		id     int64 // an existing person
	}
	var heads []headChange
	for _, it := range items {
		res := it.res
		if res.Code != "" {
			if err := ap.reject(it); err != nil {
				return err
			}
			continue
		}
		rec := &res.Record
		ex := found[it.idIndex]
		if ex != nil && !ap.a.Scope().Contains(ex.path) {
			res.Reject(roster.CodeOutOfScope, roster.OutOfScopeReason)
			if err := ap.reject(it); err != nil {
				return err
			}
			continue
		}
		ap.warn(res.Warnings...)
		if ex != nil && ex.status == string(Merged) {
			ap.warn(roster.NewWarning(&it.row, roster.WarnPersonMerged))
			rep.Unchanged++
			continue
		}
		var hh *hhState
		relation, head := "", false
		if rec.Household != "" {
			hh = ap.household(rec)
			if hh.archived {
				ap.warn(roster.NewWarning(&it.row, roster.WarnHouseholdArchived, rec.Household))
			}
			relation = rec.Relation
			if relation == "户主" {
				if hh.claimed != 0 {
					ap.warn(roster.NewWarning(&it.row, roster.WarnHeadDuplicate, rec.Household, ap.sheets[hh.claimed>>32].Where(int(uint32(hh.claimed)))))
					relation = ""
				} else {
					hh.claimed, head = loc(&it.row), true
				}
			}
		}
		it.hh, it.relation, it.head = hh, relation, head
		if ex == nil {
			inserts = append(inserts, it)
			if head {
				heads = append(heads, headChange{hh: hh, person: it})
			}
			rep.Imported++
			ap.inserted++
			continue
		}
		u := ap.diff(ex, it, hh, relation)
		if u != nil {
			updates = append(updates, u)
			rep.Updated++
		} else {
			rep.Unchanged++
		}
		if head && hh.head != ex.id {
			heads = append(heads, headChange{hh: hh, id: ex.id})
		} else if hh != nil && relation != "" && relation != "户主" && hh.head == ex.id {
			// The head is now written as another relation: the household
			// has no head until a row says who it is.
			heads = append(heads, headChange{hh: hh})
		}
	}

	if err := ap.maybeDropIndexes(ctx, len(inserts), len(items)); err != nil {
		return err
	}
	if err := ap.createHouseholds(ctx, items); err != nil {
		return err
	}
	if err := ap.insertPersons(ctx, inserts); err != nil {
		return err
	}
	for _, u := range updates {
		if err := ap.applyUpdate(ctx, u); err != nil {
			return err
		}
	}
	// The batch's new heads, the last for each household, in one
	// statement.
	newHead := make(map[int64]int64, len(heads))
	var order []int64
	for _, h := range heads {
		pid := h.id
		if h.person != nil {
			pid = h.person.id
		}
		old := h.hh.head
		h.hh.head = pid
		if _, ok := newHead[h.hh.id]; !ok {
			order = append(order, h.hh.id)
		}
		newHead[h.hh.id] = pid
		if old != 0 && pid != 0 && !h.hh.fresh {
			// One head: the previous one becomes a plain member (at the end,
			// when the household index is there).
			ap.demotions = append(ap.demotions, demotion{hh: h.hh.id, head: pid})
		}
	}
	for start := 0; start < len(order); start += headsPerUpdate {
		ids := order[start:min(start+headsPerUpdate, len(order))]
		args := make([]any, 0, 3*len(ids)+1)
		var cases strings.Builder
		for _, id := range ids {
			cases.WriteString(" WHEN ? THEN CAST(? AS BIGINT)")
			args = append(args, id, db.NullID(newHead[id]))
		}
		args = append(args, ap.now)
		for _, id := range ids {
			args = append(args, id)
		}
		if err := ap.exec(ctx, `UPDATE households SET head_person_id = CASE id`+cases.String()+` END, version = version + 1, updated_at = ?
			WHERE id IN (`+db.Placeholders(len(ids))+`)`, args...); err != nil {
			return fmt.Errorf("set household heads: %w", err)
		}
	}
	return ap.flushEvents(ctx, false)
}

// headsPerUpdate bounds the households one UPDATE gives new heads.
const headsPerUpdate = 200

// lookup returns the registered persons with the given blind indexes.
func (ap *applier) lookup(ctx context.Context, idx []any) (map[string]*existing, error) {
	out := make(map[string]*existing, len(idx))
	if len(idx) == 0 || ap.tx != nil && ap.existing == 0 {
		// Nobody was registered when the import began (the transaction
		// holds the write lock): a first load looks nothing up.
		return out, nil
	}
	// In bulk mode the blind index is found in the copy made before the
	// unique index was dropped.
	from, match := "persons p", "p.id_index"
	if ap.known {
		from, match = "temp.import_known k JOIN persons p ON p.id = k.id", "k.idx"
	}
	rows, err := ap.q.Query(ctx, `SELECT p.id_index, p.id, o.path, p.org_id, COALESCE(p.building_group_id, 0), COALESCE(p.household_id, 0),
		p.relation, p.name, p.phone_index, p.ethnicity, p.kind, p.current_address, p.registered_address, p.workplace, p.workplace_kind,
		p.education, p.political_status, p.tags, p.note, p.status, p.arrival_date, p.permit_expiry, p.pinyin, p.initials
		FROM `+from+` JOIN org_units o ON o.id = p.org_id WHERE `+match+` IN (`+db.Placeholders(len(idx))+`)`, idx...)
	if err != nil {
		return nil, fmt.Errorf("look up persons: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var e existing
		var index string
		if err := rows.Scan(&index, &e.id, &e.path, &e.org, &e.bg, &e.hh, &e.relation, &e.name, &e.phoneIndex, &e.eth, &e.kind, &e.cur, &e.reg,
			&e.work, &e.wk, &e.edu, &e.pol, &e.tags, &e.note, &e.status, &e.arrival, &e.permit, &e.pinyin, &e.initials); err != nil {
			return nil, err
		}
		out[index] = &e
	}
	return out, rows.Err()
}

// loadHouseholds reads the registered households the batch's rows name
// that the import has not seen yet.
func (ap *applier) loadHouseholds(ctx context.Context, items []*item) error {
	var codes, orgs []any
	seenCode, seenOrg := map[string]bool{}, map[int64]bool{}
	for _, it := range items {
		rec := &it.res.Record
		if it.res.Code != "" || rec.Household == "" {
			continue
		}
		if _, ok := ap.households[hhKey{rec.OrgID, rec.Household}]; ok {
			continue
		}
		if !seenCode[rec.Household] {
			seenCode[rec.Household] = true
			codes = append(codes, rec.Household)
		}
		if !seenOrg[rec.OrgID] {
			seenOrg[rec.OrgID] = true
			orgs = append(orgs, rec.OrgID)
		}
	}
	if len(codes) == 0 || ap.tx != nil && ap.hhBefore == 0 {
		return nil
	}
	rows, err := ap.q.Query(ctx, `SELECT id, org_id, code, COALESCE(head_person_id, 0), archived
		FROM households WHERE org_id IN (`+db.Placeholders(len(orgs))+`) AND code IN (`+db.Placeholders(len(codes))+`) AND code <> ''`, append(orgs, codes...)...)
	if err != nil {
		return fmt.Errorf("look up households: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		h := &hhState{}
		var k hhKey
		var archived int
		if err := rows.Scan(&h.id, &k.org, &k.code, &h.head, &archived); err != nil {
			return err
		}
		h.archived = archived == 1
		ap.households[k] = h
	}
	return rows.Err()
}

// household returns the household of a key, a new one (created by
// createHouseholds) when it is not registered.
func (ap *applier) household(rec *roster.Record) *hhState {
	h := ap.households[hhKey{rec.OrgID, rec.Household}]
	if h == nil {
		// Copies: the row's strings share memory with its whole line.
		k := hhKey{rec.OrgID, strings.Clone(rec.Household)}
		h = &hhState{fresh: true, pending: &hhNew{key: k, bg: rec.BuildingGroupID, address: strings.Clone(rec.CurrentAddr)}}
		ap.households[k] = h
	}
	return h
}

// createHouseholds inserts the new households the batch's rows name.
func (ap *applier) createHouseholds(ctx context.Context, items []*item) error {
	var fresh []*hhState
	for _, it := range items {
		if h := it.hh; h != nil && h.fresh && h.id == 0 {
			h.id = -1 // listed
			fresh = append(fresh, h)
		}
	}
	if len(fresh) == 0 {
		return nil
	}
	defer func() {
		for _, h := range fresh {
			h.pending = nil // kept only to create the household
		}
	}()
	if ap.tx == nil {
		for _, h := range fresh {
			ap.fakeID--
			h.id = ap.fakeID
		}
		return nil
	}
	size := ap.chunk()
	for start := 0; start < len(fresh); start += size {
		chunk := fresh[start:min(start+size, len(fresh))]
		var sb strings.Builder
		sb.WriteString(ap.insertVerb() + ` INTO households (org_id, building_group_id, code, address, created_at, updated_at) VALUES `)
		args := make([]any, 0, 6*len(chunk))
		for i, h := range chunk {
			if i > 0 {
				sb.WriteString(", ")
			}
			sb.WriteString("(?, ?, ?, ?, ?, ?)")
			p := h.pending
			args = append(args, p.key.org, db.NullID(p.bg), p.key.code, p.address, ap.now, ap.now)
		}
		if ap.s.DB.Dialect == db.SQLite {
			// Consecutive ids, as for persons (insertChunk).
			res, err := ap.tx.Exec(ctx, sb.String(), args...)
			if err != nil {
				return fmt.Errorf("insert households: %w", err)
			}
			n, err1 := res.RowsAffected()
			last, err2 := res.LastInsertId()
			if err1 != nil || err2 != nil || n != int64(len(chunk)) {
				return fmt.Errorf("insert households: %d of %d rows went in", n, len(chunk))
			}
			for i, h := range chunk {
				h.id = last - int64(len(chunk)-1-i)
			}
			continue
		}
		sb.WriteString(" RETURNING id, org_id, code")
		rows, err := ap.tx.Query(ctx, sb.String(), args...)
		if err != nil {
			return fmt.Errorf("insert households: %w", err)
		}
		n := 0
		for rows.Next() {
			var id int64
			var k hhKey
			if err := rows.Scan(&id, &k.org, &k.code); err != nil {
				rows.Close()
				return err
			}
			if h := ap.households[k]; h != nil {
				h.id = id
				n++
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		if n != len(chunk) {
			return fmt.Errorf("insert households: %d of %d rows went in", n, len(chunk))
		}
	}
	return nil
}

// diff returns the update a row makes to a registered person (its
// non-empty values), nil when nothing differs.
func (ap *applier) diff(ex *existing, it *item, hh *hhState, relation string) *update {
	rec := &it.res.Record
	nw := *ex
	set := func(dst *string, v string) {
		if v != "" {
			*dst = v
		}
	}
	nw.name, nw.eth = rec.Name, rec.Ethnicity
	if nw.name != ex.name {
		nw.pinyin, nw.initials = it.pinyin, it.initials
	}
	if rec.OrgID != ex.org {
		// Another committee: the old building group does not belong to it.
		nw.org, nw.bg = rec.OrgID, rec.BuildingGroupID
	} else if rec.BuildingGroupID != 0 {
		nw.bg = rec.BuildingGroupID
	}
	if rec.Kind != 0 {
		nw.kind = rec.Kind
	}
	set(&nw.cur, rec.CurrentAddr)
	set(&nw.reg, rec.RegisteredAddr)
	set(&nw.work, rec.Workplace)
	if rec.HasWorkplace {
		nw.wk = rec.WorkplaceKind
	}
	set(&nw.edu, rec.Education)
	set(&nw.pol, rec.Political)
	if rec.HasTags {
		nw.tags = rec.Tags
	}
	set(&nw.note, rec.Note)
	set(&nw.arrival, rec.Arrival)
	set(&nw.permit, rec.PermitExpiry)
	if hh != nil {
		nw.hh = hh.id // 0 for a household not inserted yet: compared below
		set(&nw.relation, relation)
	}
	phone := rec.Phone != "" && it.phoneIndex != ex.phoneIndex
	if phone {
		nw.phoneIndex = it.phoneIndex
	}
	hhChange := hh != nil && (hh.fresh || hh.id != ex.hh)
	if !phone && !hhChange && nw == *ex {
		return nil
	}
	return &update{it: it, old: ex, nw: nw, phone: phone, moved: nw.org != ex.org, hhChange: hhChange}
}

// applyUpdate writes an update.
func (ap *applier) applyUpdate(ctx context.Context, u *update) error {
	nw, old := &u.nw, u.old
	hid := old.hh
	if hh := u.it.hh; hh != nil {
		hid = hh.id
	}
	if u.moved {
		ap.events = append(ap.events, eventRow{person: old.id, kind: "moved", from: old.org, to: nw.org, note: ap.rep.File})
	}
	if hid != old.hh {
		ap.events = append(ap.events, eventRow{person: old.id, kind: "household", note: nw.relation})
		if old.hh != 0 {
			// Leaving a household it headed leaves it without a head.
			if err := ap.exec(ctx, `UPDATE households SET head_person_id = NULL WHERE id = ? AND head_person_id = ?`, old.hh, old.id); err != nil {
				return err
			}
			for _, h := range ap.households {
				if h.id == old.hh && h.head == old.id {
					h.head = 0
				}
			}
		}
	}
	if ap.tx == nil {
		return nil
	}
	q := `UPDATE persons SET org_id = ?, building_group_id = ?, household_id = ?, relation = ?, name = ?, pinyin = ?, initials = ?,
		ethnicity = ?, kind = ?, current_address = ?, registered_address = ?, workplace = ?, workplace_kind = ?, education = ?,
		political_status = ?, tags = ?, note = ?, arrival_date = ?, permit_expiry = ?, version = version + 1, updated_at = ?`
	args := []any{nw.org, db.NullID(nw.bg), db.NullID(hid), nw.relation, nw.name, nw.pinyin, nw.initials, nw.eth, nw.kind, nw.cur, nw.reg, nw.work,
		nw.wk, nw.edu, nw.pol, nw.tags, nw.note, nw.arrival, nw.permit, ap.now}
	if u.phone {
		q += `, phone_index = ?, phone_enc = ?, phone_masked = ?`
		args = append(args, u.it.phoneIndex, u.it.phoneEnc, maskPhone(u.it.res.Record.Phone))
	}
	q += ` WHERE id = ?`
	if err := ap.exec(ctx, q, append(args, old.id)...); err != nil {
		return fmt.Errorf("update person: %w", err)
	}
	return nil
}
