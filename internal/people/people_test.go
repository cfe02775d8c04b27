package people_test

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"shiliu/internal/auth"
	"shiliu/internal/db"
	"shiliu/internal/dbtest"
	"shiliu/internal/errs"
	"shiliu/internal/org"
	"shiliu/internal/people"
	"shiliu/internal/ref"
)

// TestCreate checks that a new person keeps every field given, and takes
// birth date, sex and birth region from the ID number.
func TestCreate(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		f := newRegFix(t, d)
		cases := []struct {
			name      string
			in        people.Input
			wantBirth string
			wantSex   int
			wantReg   string
			wantProv  string
			wantEth   string
			wantName  string
			wantPhone string
			wantID    string
		}{
			{
				name: "registered man, all fields",
				in: people.Input{Name: "马建国", IDNumber: makeID(t, "640104", "19650708", "031"), Ethnicity: "回族", Phone: "139-0951-2345",
					Kind: people.Registered, OrgID: f.a.ID, BuildingGroupID: f.bgA1.ID, CurrentAddress: " 石榴路1号101室 ", RegisteredAddr: "银川市兴庆区",
					Workplace: "清真餐厅", WorkplaceKind: people.WorkLocalUnit, Education: "高中", PoliticalStatus: "中共党员",
					Tags: people.Tags(people.TagPartyMember | people.TagVolunteer), Note: "社区楼组长"},
				wantBirth: "1965-07-08", wantSex: 1, wantReg: "640104", wantProv: "宁夏回族自治区", wantEth: "03", wantName: "马建国",
				wantPhone: "139****2345",
			},
			{
				name: "floating woman, lower-case x, short ethnicity, middle dot",
				in: people.Input{Name: "阿依古丽•买买提", IDNumber: strings.ToLower(idEnding(t, "650102", 1992, "024X")), Ethnicity: "维吾尔",
					Kind: people.Floating, OrgID: f.a.ID, WorkplaceKind: people.WorkNewOrg, Workplace: "快递站",
					ArrivalDate: "2024/3/1", Origin: "新疆乌鲁木齐", ExpectedLeave: "2027年3月1日", PermitNo: "JZZ-001", PermitExpiry: "20270301",
					LiaisonPoint: "民族之家"},
				wantBirth: "", wantSex: 2, wantReg: "650102", wantProv: "新疆维吾尔自治区", wantEth: "05", wantName: "阿依古丽·买买提",
			},
			{
				name: "ethnicity by code, full-width digits, no phone",
				in: people.Input{Name: "金顺姬", IDNumber: toFullWidth(makeID(t, "222401", "19781130", "046")), Ethnicity: "10",
					Kind: people.Registered, OrgID: f.a.ID},
				wantBirth: "1978-11-30", wantSex: 2, wantReg: "222401", wantProv: "吉林省", wantEth: "10", wantName: "金顺姬",
				wantID: "222401********",
			},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				p := f.create(t, f.staffA, c.in)
				norm := ref.NormaliseID(c.in.IDNumber)
				if c.wantBirth == "" {
					c.wantBirth = norm[6:10] + "-" + norm[10:12] + "-" + norm[12:14]
				}
				if p.BirthDate != c.wantBirth || p.Sex != c.wantSex || p.BirthRegion != c.wantReg {
					t.Errorf("derived birth %s sex %d region %s, want %s %d %s", p.BirthDate, p.Sex, p.BirthRegion, c.wantBirth, c.wantSex, c.wantReg)
				}
				if prov, _ := ref.ProvinceName(p.BirthRegion); prov != c.wantProv {
					t.Errorf("province %q, want %q", prov, c.wantProv)
				}
				if p.IDMasked != norm[:6]+"********"+norm[14:] {
					t.Errorf("masked ID %q (from %q)", p.IDMasked, norm)
				}
				if p.Name != c.wantName || p.Ethnicity != c.wantEth || p.PhoneMasked != c.wantPhone || p.HasPhone() != (c.wantPhone != "") {
					t.Errorf("name %q ethnicity %q phone %q/%v", p.Name, p.Ethnicity, p.PhoneMasked, p.HasPhone())
				}
				// Nothing given is dropped on the way.
				in := c.in
				got := []string{p.CurrentAddress, p.RegisteredAddr, p.Workplace, p.Education, p.PoliticalStatus, p.Note, p.Origin, p.PermitNo, p.LiaisonPoint}
				want := []string{in.CurrentAddress, in.RegisteredAddr, in.Workplace, in.Education, in.PoliticalStatus, in.Note, in.Origin, in.PermitNo, in.LiaisonPoint}
				for i := range want {
					want[i] = strings.TrimSpace(want[i])
				}
				if !slices.Equal(got, want) {
					t.Errorf("text fields %q, want %q", got, want)
				}
				if p.Kind != in.Kind || p.OrgID != in.OrgID || p.BuildingGroupID != in.BuildingGroupID || p.WorkplaceKind != in.WorkplaceKind || p.Tags != in.Tags {
					t.Errorf("kind %d org %d bg %d workplace kind %d tags %v", p.Kind, p.OrgID, p.BuildingGroupID, p.WorkplaceKind, p.Tags)
				}
				for _, d := range []struct{ got, in string }{{p.ArrivalDate, in.ArrivalDate}, {p.ExpectedLeave, in.ExpectedLeave}, {p.PermitExpiry, in.PermitExpiry}} {
					if d.in == "" {
						if d.got != "" {
							t.Errorf("date %q from empty input", d.got)
						}
						continue
					}
					want, ok := ref.ParseDate(d.in)
					if !ok || d.got != want.Format(db.DateLayout) {
						t.Errorf("date %q stored as %q", d.in, d.got)
					}
				}
				if p.Status != people.Active || p.Archived || p.Version != 1 || p.OrgName != f.a.Name {
					t.Errorf("status %s archived %v version %d org %q", p.Status, p.Archived, p.Version, p.OrgName)
				}
				if in.BuildingGroupID != 0 && p.BuildingGroup != f.bgA1.Name {
					t.Errorf("building group %q", p.BuildingGroup)
				}
				evs := f.events(t, f.staffA, p.ID)
				if len(evs) != 1 || evs[0].Kind != "created" || evs[0].Date != "2026-06-15" || evs[0].ToOrg != f.a.Name || evs[0].Username != "staffa" {
					t.Errorf("events %+v", evs)
				}
				if recs := f.auditRecords(t, "create", "person", strconv.FormatInt(p.ID, 10)); len(recs) != 1 || recs[0].Username != "staffa" {
					t.Errorf("audit %+v", recs)
				}
				// The same record is found by its ID number, however written.
				found, err := f.s.FindByID(f.ctx, f.staffA, " "+strings.ToLower(norm)+" ")
				if err != nil || found.ID != p.ID {
					t.Errorf("find by ID: %v %v", found, err)
				}
			})
		}
	})
}

func toFullWidth(s string) string {
	var b strings.Builder
	for _, r := range s {
		if r >= '0' && r <= '9' || r == 'X' {
			r += 0xFEE0
		}
		b.WriteRune(r)
	}
	return b.String()
}

// TestCreateInvalid checks that every bad value is a field error, and that
// nothing is written.
func TestCreateInvalid(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		f := newRegFix(t, d)
		good := makeID(t, "110105", "19800101", "123")
		bad := good[:17] + string("0123456789X"[(strings.IndexByte("0123456789X", good[17])+1)%11])
		future := makeID(t, "110105", time.Now().AddDate(1, 0, 0).Format("20060102"), "123")
		cases := []struct {
			name   string
			actor  *auth.Actor
			mod    func(*people.Input)
			fields map[string]string
		}{
			{"bad check digit", f.staffA, func(in *people.Input) { in.IDNumber = bad }, map[string]string{"id_number": "err.id_invalid"}},
			{"short ID", f.staffA, func(in *people.Input) { in.IDNumber = good[:16] }, map[string]string{"id_number": "err.id_invalid"}},
			{"ID born in the future", f.staffA, func(in *people.Input) { in.IDNumber = future }, map[string]string{"id_number": "err.id_invalid"}},
			{"no ID", f.staffA, func(in *people.Input) { in.IDNumber = "  " }, map[string]string{"id_number": "err.required"}},
			{"unknown ethnicity", f.staffA, func(in *people.Input) { in.Ethnicity = "拉牯族" }, map[string]string{"ethnicity": "err.ethnicity_unknown"}},
			{"no ethnicity", f.staffA, func(in *people.Input) { in.Ethnicity = "" }, map[string]string{"ethnicity": "err.required"}},
			{"invalid phone", f.staffA, func(in *people.Input) { in.Phone = "1234567" }, map[string]string{"phone": "err.phone_invalid"}},
			{"mobile one digit short", f.staffA, func(in *people.Input) { in.Phone = "1381234567" }, map[string]string{"phone": "err.phone_invalid"}},
			{"committee out of scope", f.staffA, func(in *people.Input) { in.OrgID = f.b.ID }, map[string]string{"org_id": "err.committee_unknown"}},
			{"committee of another subdistrict", f.admin, func(in *people.Input) { in.OrgID = f.c.ID }, map[string]string{"org_id": "err.committee_unknown"}},
			{"subdistrict is no committee", f.admin, func(in *people.Input) { in.OrgID = f.sub.ID }, map[string]string{"org_id": "err.committee_unknown"}},
			{"building group as committee", f.staffA, func(in *people.Input) { in.OrgID = f.bgA1.ID }, map[string]string{"org_id": "err.committee_unknown"}},
			{"no committee", f.staffA, func(in *people.Input) { in.OrgID = 0 }, map[string]string{"org_id": "err.committee_unknown"}},
			{"building group of another committee", f.admin, func(in *people.Input) { in.BuildingGroupID = f.bgB1.ID }, map[string]string{"building_group_id": "err.building_group_unknown"}},
			{"no kind", f.staffA, func(in *people.Input) { in.Kind = 0 }, map[string]string{"kind": "err.required"}},
			{"bad workplace kind", f.staffA, func(in *people.Input) { in.WorkplaceKind = 7 }, map[string]string{"workplace_kind": "err.invalid"}},
			{"no name", f.staffA, func(in *people.Input) { in.Name = " \u3000 " }, map[string]string{"name": "err.required"}},
			{"name too long", f.staffA, func(in *people.Input) { in.Name = strings.Repeat("马", 51) }, map[string]string{"name": "err.too_long"}},
			{"bad dates", f.staffA, func(in *people.Input) {
				in.ArrivalDate, in.PermitExpiry, in.ExpectedLeave = "2024-13-01", "明年", "2023-02-30"
			},
				map[string]string{"arrival_date": "err.date_invalid", "permit_expiry": "err.date_invalid", "expected_leave_date": "err.date_invalid"}},
			{"several at once", f.staffA, func(in *people.Input) { in.IDNumber, in.Ethnicity, in.Phone, in.OrgID = bad, "火星", "110", f.b.ID },
				map[string]string{"id_number": "err.id_invalid", "ethnicity": "err.ethnicity_unknown", "phone": "err.phone_invalid", "org_id": "err.committee_unknown"}},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				in := f.in("马丽", good)
				in.Phone = "13812345678"
				c.mod(&in)
				_, err := f.s.Create(f.ctx, c.actor, in)
				wantFields(t, err, c.fields)
			})
		}
		if n := f.count(t, `SELECT COUNT(*) FROM persons`); n != 0 {
			t.Fatalf("%d persons written by refused creates", n)
		}
		if n := f.count(t, `SELECT COUNT(*) FROM person_events`); n != 0 {
			t.Fatalf("%d events written by refused creates", n)
		}
		// The same input with the good values goes in.
		f.create(t, f.staffA, f.in("马丽", good))
	})
}

// TestCreateDuplicateID checks that an ID number already in the registry,
// however written, is a conflict on the id_number field, and that the
// existing record's id is told only to those who may see it.
func TestCreateDuplicateID(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		f := newRegFix(t, d)
		id := idEnding(t, "110105", 1970, "123X")
		first := f.create(t, f.staffA, f.in("马一", id))
		cases := []struct {
			name     string
			actor    *auth.Actor
			number   string
			org      int64
			existing int64
		}{
			{"same number", f.staffA, id, f.a.ID, first.ID},
			{"lower-case x and spaces", f.staffA, " " + id[:6] + " " + strings.ToLower(id[6:]), f.a.ID, first.ID},
			{"full-width", f.admin, toFullWidth(id), f.b.ID, first.ID},
			{"by a committee that cannot see it", f.staffB, id, f.b.ID, 0},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				in := f.in("马二", c.number)
				in.OrgID = c.org
				_, err := f.s.Create(f.ctx, c.actor, in)
				e, ok := errs.As(err)
				if !ok || e.Kind != errs.Conflict || e.Fields["id_number"] != "err.person_exists" {
					t.Fatalf("got %v, want conflict on id_number", err)
				}
				if len(e.Args) != 1 || e.Args[0] != c.existing {
					t.Fatalf("conflict args %v, want [%d]", e.Args, c.existing)
				}
			})
		}
		if n := f.count(t, `SELECT COUNT(*) FROM persons`); n != 1 {
			t.Fatalf("%d persons, want 1", n)
		}
	})
}

// TestMaskAndReveal checks masked display, and that the full value comes
// only with a reason, to an actor who may see it, leaving an audit record
// that holds the field and reason but never the value.
func TestMaskAndReveal(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		f := newRegFix(t, d)
		id := idEnding(t, "110105", 1985, "1234")
		in := f.in("马晓", id)
		in.Phone = "138 1234 5678"
		p := f.create(t, f.staffA, in)
		if p.IDMasked != "110105********1234" || p.PhoneMasked != "138****5678" {
			t.Fatalf("masked %q %q", p.IDMasked, p.PhoneMasked)
		}
		nophone := f.create(t, f.staffA, f.in("马无", makeID(t, "110105", "19850101", "222")))
		if nophone.HasPhone() || nophone.PhoneMasked != "" {
			t.Fatalf("no phone shown as %q", nophone.PhoneMasked)
		}
		f.assign(t, f.admin, f.liaison, []int64{p.ID}, nil, true)

		pid := strconv.FormatInt(p.ID, 10)
		cases := []struct {
			name   string
			actor  *auth.Actor
			field  string
			reason string
			want   string
			kind   errs.Kind
			key    string
		}{
			{"no reason", f.staffA, "id_number", "  ", "", errs.Invalid, "err.invalid_form"},
			{"unknown field", f.staffA, "name", "核对", "", errs.Invalid, "err.invalid_form"},
			{"reason too long", f.staffA, "phone", strings.Repeat("因", 201), "", errs.Invalid, "err.invalid_form"},
			{"other committee", f.staffB, "id_number", "核对身份", "", errs.NotFound, "err.not_found"},
			{"other subdistrict", f.staffC, "phone", "核对身份", "", errs.NotFound, "err.not_found"},
			{"unassigned liaison", f.liaisonA, "id_number", "走访", "", errs.NotFound, "err.not_found"},
			{"assigned liaison lacks the permission", f.liaison, "id_number", "走访", "", errs.Forbidden, "err.forbidden"},
			{"committee staff, ID number", f.staffA, "id_number", "办理居住证核对", id, 0, ""},
			{"street admin, phone", f.admin, "phone", " 电话回访 ", "13812345678", 0, ""},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				before := len(f.auditRecords(t, "view_sensitive", "person", pid))
				got, err := f.s.Reveal(f.ctx, c.actor, p.ID, c.field, c.reason)
				after := f.auditRecords(t, "view_sensitive", "person", pid)
				if c.key != "" {
					wantKind(t, err, c.kind, c.key)
					if got != "" || len(after) != before {
						t.Fatalf("refused reveal returned %q and wrote %d records", got, len(after)-before)
					}
					return
				}
				if err != nil || got != c.want {
					t.Fatalf("reveal = %q, %v; want %q", got, err, c.want)
				}
				if len(after) != before+1 {
					t.Fatalf("%d audit records written, want 1", len(after)-before)
				}
				r := after[len(after)-1]
				var detail map[string]any
				if err := json.Unmarshal([]byte(r.Detail), &detail); err != nil {
					t.Fatalf("detail %q: %v", r.Detail, err)
				}
				if detail["field"] != c.field || detail["reason"] != strings.TrimSpace(c.reason) || r.Username != c.actor.Username || r.Result != "ok" {
					t.Fatalf("audit record %+v", r)
				}
				if strings.Contains(r.Detail, c.want) || strings.Contains(r.Detail, c.want[len(c.want)-8:]) {
					t.Fatalf("audit detail holds the value: %s", r.Detail)
				}
			})
		}
		// An empty phone reveals as empty.
		if v, err := f.s.Reveal(f.ctx, f.staffA, nophone.ID, "phone", "核对"); err != nil || v != "" {
			t.Fatalf("reveal of no phone = %q, %v", v, err)
		}
	})
}

// TestUpdate checks version conflicts, moves between committees recorded
// as history, and that updates stay within scope.
func TestUpdate(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		f := newRegFix(t, d)
		in := f.in("马建", makeID(t, "640104", "19700101", "011"))
		in.Phone = "13912345678"
		in.BuildingGroupID = f.bgA1.ID
		p := f.create(t, f.staffA, in)

		// A stale version changes nothing.
		stale := in
		stale.Name, stale.Version = "马改", p.Version-1
		wantKind(t, f.s.Update(f.ctx, f.staffA, p.ID, stale), errs.Conflict, "err.version_conflict")
		if got := f.get(t, f.staffA, p.ID); got.Name != "马建" || got.Version != p.Version || got.UpdatedAt != p.UpdatedAt {
			t.Fatalf("stale update changed the record: %+v", got)
		}

		// A current version goes in and bumps the version; the ID number
		// is not changed by an update, and an empty phone keeps the one on
		// record (forms show it masked only).
		upd := in
		upd.Version, upd.Name, upd.Phone, upd.Ethnicity, upd.Tags = p.Version, "马建华", "", "满", people.Tags(people.TagHardship)
		upd.IDNumber = makeID(t, "110105", "19900101", "011")
		if err := f.s.Update(f.ctx, f.staffA, p.ID, upd); err != nil {
			t.Fatal(err)
		}
		got := f.get(t, f.staffA, p.ID)
		if got.Name != "马建华" || got.Ethnicity != "11" || !got.HasPhone() || got.PhoneMasked != "139****5678" || got.Tags != upd.Tags || got.Version != p.Version+1 {
			t.Fatalf("after update: %+v", got)
		}
		if v, err := f.s.Reveal(f.ctx, f.staffA, p.ID, "phone", "核对"); err != nil || v != "13912345678" {
			t.Fatalf("kept phone reveals as %q, %v", v, err)
		}
		// ClearPhone removes it.
		upd.Version, upd.ClearPhone = got.Version, true
		if err := f.s.Update(f.ctx, f.staffA, p.ID, upd); err != nil {
			t.Fatal(err)
		}
		got = f.get(t, f.staffA, p.ID)
		if got.HasPhone() || got.PhoneMasked != "" || got.Version != p.Version+2 {
			t.Fatalf("after clearing the phone: %+v", got)
		}
		if list, _ := f.search(t, f.staffA, people.Filter{Q: "13912345678"}); len(list) != 0 {
			t.Fatalf("cleared phone still found: %v", list)
		}
		upd.ClearPhone = false
		if got.IDMasked != p.IDMasked || got.BirthDate != "1970-01-01" {
			t.Fatalf("update changed the ID number: %s %s", got.IDMasked, got.BirthDate)
		}
		// The same edit again (now stale) conflicts.
		wantKind(t, f.s.Update(f.ctx, f.staffA, p.ID, upd), errs.Conflict, "err.version_conflict")
		// The audit record names what changed, with the phone masked.
		recs := f.auditRecords(t, "update", "person", strconv.FormatInt(p.ID, 10))
		if len(recs) != 2 || !strings.Contains(recs[0].Detail, `"name"`) || !strings.Contains(recs[1].Detail, `"phone":{"old":"139****5678","new":""}`) ||
			strings.Contains(recs[0].Detail+recs[1].Detail, "13912345678") {
			t.Fatalf("update audit %+v", recs)
		}

		// Invalid input and out-of-scope targets are refused.
		bad := upd
		bad.Version = got.Version
		bad.OrgID = f.b.ID
		wantFields(t, f.s.Update(f.ctx, f.staffA, p.ID, bad), map[string]string{"org_id": "err.committee_unknown"})
		bad.OrgID, bad.BuildingGroupID, bad.Phone = f.a.ID, 0, "0000"
		wantFields(t, f.s.Update(f.ctx, f.staffA, p.ID, bad), map[string]string{"phone": "err.phone_invalid"})
		wantOutOfScope(t, f.s.Update(f.ctx, f.staffB, p.ID, upd))

		// Changing the committee is a move in the history.
		mv := upd
		mv.Version, mv.OrgID, mv.BuildingGroupID = got.Version, f.b.ID, f.bgB1.ID
		if err := f.s.Update(f.ctx, f.admin, p.ID, mv); err != nil {
			t.Fatal(err)
		}
		evs := f.events(t, f.admin, p.ID)
		if len(evs) != 2 || evs[0].Kind != "moved" || evs[0].FromOrg != f.a.Name || evs[0].ToOrg != f.b.Name || evs[0].Date != "2026-06-15" || evs[0].Username != "admin" {
			t.Fatalf("events after move: %+v", evs)
		}
		// Committee A no longer sees the person; B does.
		_, err := f.s.Get(f.ctx, f.staffA, p.ID)
		wantOutOfScope(t, err)
		if got := f.get(t, f.staffB, p.ID); got.OrgID != f.b.ID || got.BuildingGroup != f.bgB1.Name {
			t.Fatalf("after move: %+v", got)
		}
		// An update that keeps the committee adds no history.
		same := mv
		same.Version, same.Note = got.Version+1, "备注"
		if err := f.s.Update(f.ctx, f.staffB, p.ID, same); err != nil {
			t.Fatal(err)
		}
		if evs := f.events(t, f.staffB, p.ID); len(evs) != 2 {
			t.Fatalf("events %v", eventKinds(evs))
		}
	})
}

// TestLifecycle walks a person through moving out, coming back and dying,
// and checks the refused steps.
func TestLifecycle(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		f := newRegFix(t, d)
		p := f.create(t, f.staffA, f.in("马福", makeID(t, "640104", "19400303", "015")))
		wife := f.create(t, f.staffA, f.in("马兰", makeID(t, "640104", "19420404", "026")))
		h := f.household(t, f.staffA, f.a.ID, "A-001")
		f.member(t, f.staffA, p.ID, h.ID, "户主")
		f.member(t, f.staffA, wife.ID, h.ID, "配偶")

		version := func() int { return f.get(t, f.admin, p.ID).Version }
		steps := []struct {
			name   string
			actor  *auth.Actor
			change people.Change
			stale  bool
			kind   errs.Kind
			key    string
			fields map[string]string
			status people.Status
			org    int64
		}{
			{name: "return while active", actor: f.staffA, change: people.Change{Kind: "returned", Date: "2026-01-01"}, kind: errs.Invalid, key: "err.person_already_active"},
			{name: "unknown kind", actor: f.staffA, change: people.Change{Kind: "vanished", Date: "2026-01-01"}, kind: errs.Invalid, fields: map[string]string{"kind": "err.invalid"}},
			{name: "future date", actor: f.staffA, change: people.Change{Kind: "moved_out", Date: "2026-06-16"}, kind: errs.Invalid, fields: map[string]string{"date": "err.date_future"}},
			{name: "bad date", actor: f.staffA, change: people.Change{Kind: "moved_out", Date: "2026-02-30"}, kind: errs.Invalid, fields: map[string]string{"date": "err.date_invalid"}},
			{name: "stale version", actor: f.staffA, change: people.Change{Kind: "moved_out", Date: "2026-01-10"}, stale: true, kind: errs.Conflict, key: "err.version_conflict"},
			{name: "other committee", actor: f.staffB, change: people.Change{Kind: "moved_out", Date: "2026-01-10"}, kind: errs.NotFound, key: "err.not_found"},
			{name: "move to the same committee", actor: f.staffA, change: people.Change{Kind: "moved", Date: "2026-01-10", OrgID: f.a.ID}, kind: errs.Invalid, fields: map[string]string{"org_id": "err.same_committee"}},
			{name: "move out of scope", actor: f.staffA, change: people.Change{Kind: "moved", Date: "2026-01-10", OrgID: f.b.ID}, kind: errs.Invalid, fields: map[string]string{"org_id": "err.committee_unknown"}},
			{name: "moved out", actor: f.staffA, change: people.Change{Kind: "moved_out", Date: "2026/1/10", Note: "迁往银川"}, status: people.MovedOut, org: f.a.ID},
			{name: "moved out twice", actor: f.staffA, change: people.Change{Kind: "moved_out", Date: "2026-01-11"}, kind: errs.Invalid, key: "err.person_not_active"},
			{name: "die after moving out", actor: f.staffA, change: people.Change{Kind: "deceased", Date: "2026-01-12"}, kind: errs.Invalid, key: "err.person_not_active"},
			{name: "move while moved out", actor: f.admin, change: people.Change{Kind: "moved", Date: "2026-01-12", OrgID: f.b.ID}, kind: errs.Invalid, key: "err.person_not_active"},
			{name: "return to another committee", actor: f.admin, change: people.Change{Kind: "returned", Date: "2026-03-01", OrgID: f.b.ID, BuildingGroupID: f.bgB1.ID}, status: people.Active, org: f.b.ID},
			{name: "moved back to A", actor: f.admin, change: people.Change{Kind: "moved", Date: "2026-04-01", OrgID: f.a.ID, BuildingGroupID: f.bgA2.ID}, status: people.Active, org: f.a.ID},
			{name: "moved to a building group of another committee", actor: f.admin, change: people.Change{Kind: "moved", Date: "2026-04-02", OrgID: f.b.ID, BuildingGroupID: f.bgA1.ID},
				kind: errs.Invalid, fields: map[string]string{"building_group_id": "err.building_group_unknown"}},
			{name: "deceased", actor: f.staffA, change: people.Change{Kind: "deceased", Date: "2026-06-15"}, status: people.Deceased, org: f.a.ID},
			{name: "moved out after death", actor: f.staffA, change: people.Change{Kind: "moved_out", Date: "2026-06-15"}, kind: errs.Invalid, key: "err.person_not_active"},
		}
		for _, st := range steps {
			t.Run(st.name, func(t *testing.T) {
				c := st.change
				c.Version = version()
				if st.stale {
					c.Version--
				}
				before := f.get(t, f.admin, p.ID)
				err := f.s.Lifecycle(f.ctx, st.actor, p.ID, c)
				if st.key != "" || st.fields != nil {
					if st.fields != nil {
						wantFields(t, err, st.fields)
					} else {
						wantKind(t, err, st.kind, st.key)
					}
					if after := f.get(t, f.admin, p.ID); after.Version != before.Version || after.Status != before.Status {
						t.Fatalf("refused step changed the record")
					}
					return
				}
				if err != nil {
					t.Fatal(err)
				}
				got := f.get(t, f.admin, p.ID)
				date, _ := ref.ParseDate(c.Date)
				if got.Status != st.status || got.StatusDate != date.Format(db.DateLayout) || got.OrgID != st.org {
					t.Fatalf("status %s %s org %d, want %s %s %d", got.Status, got.StatusDate, got.OrgID, st.status, c.Date, st.org)
				}
			})
		}
		// The history is ordered by the dates the steps took effect (the
		// record was created today, after the move-out it records).
		evs := f.events(t, f.admin, p.ID)
		if k := eventKinds(evs); !slices.Equal(k, []string{"deceased", "household", "created", "moved", "returned", "moved_out"}) {
			t.Fatalf("history %v", k)
		}
		if evs[0].Date != "2026-06-15" || evs[3].Date != "2026-04-01" || evs[3].FromOrg != f.b.Name || evs[3].ToOrg != f.a.Name ||
			evs[4].Date != "2026-03-01" || evs[4].FromOrg != f.a.Name || evs[4].ToOrg != f.b.Name ||
			evs[5].Date != "2026-01-10" || evs[5].Note != "迁往银川" || evs[5].Username != "staffa" {
			t.Fatalf("history %+v", evs)
		}
		// Moving out cleared the headship; the household still lists him.
		hh, err := f.s.Household(f.ctx, f.admin, h.ID)
		if err != nil {
			t.Fatal(err)
		}
		if hh.HeadPersonID != 0 || len(hh.Members) != 2 {
			t.Fatalf("household after death: head %d members %d", hh.HeadPersonID, len(hh.Members))
		}
		// Searches show only active persons unless asked.
		cases := []struct {
			status string
			want   []string
		}{{"", []string{"马兰"}}, {"all", []string{"马福", "马兰"}}, {"deceased", []string{"马福"}}, {"moved_out", nil}}
		for _, c := range cases {
			if got, total := f.search(t, f.admin, people.Filter{Status: c.status}); !sameSet(got, c.want) || total != len(c.want) {
				t.Errorf("status %q: %v (%d), want %v", c.status, got, total, c.want)
			}
		}
		// A record that is not active cannot be moved, but can be edited.
		cur := f.get(t, f.admin, p.ID)
		in := f.in("马福", "")
		in.Version, in.Note = cur.Version, "已故"
		if err := f.s.Update(f.ctx, f.admin, p.ID, in); err != nil {
			t.Fatal(err)
		}
	})
}

// TestArchive checks that archiving needs a reason, hides the person from
// searches and is undone by restoring.
func TestArchive(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		f := newRegFix(t, d)
		p := f.create(t, f.staffA, f.in("马错", makeID(t, "640104", "19800101", "011")))
		f.create(t, f.staffA, f.in("马对", makeID(t, "640104", "19800101", "021")))
		all := []string{"马对", "马错"}
		if got, _ := f.search(t, f.staffA, people.Filter{}); !sameSet(got, all) {
			t.Fatalf("before: %v", got)
		}
		wantFields(t, f.s.SetArchived(f.ctx, f.staffA, p.ID, true, "  "), map[string]string{"reason": "err.reason_required"})
		wantOutOfScope(t, f.s.SetArchived(f.ctx, f.staffB, p.ID, true, "录入错误"))
		if err := f.s.SetArchived(f.ctx, f.staffA, p.ID, true, "录入错误"); err != nil {
			t.Fatal(err)
		}
		if got, total := f.search(t, f.staffA, people.Filter{}); !sameSet(got, []string{"马对"}) || total != 1 {
			t.Fatalf("archived still listed: %v", got)
		}
		if got, _ := f.search(t, f.staffA, people.Filter{Q: "马错"}); len(got) != 0 {
			t.Fatalf("archived found by name: %v", got)
		}
		if got, _ := f.search(t, f.staffA, people.Filter{Archived: true}); !sameSet(got, all) {
			t.Fatalf("archived not listed when asked: %v", got)
		}
		if got := f.get(t, f.staffA, p.ID); !got.Archived {
			t.Fatal("not marked archived")
		}
		// Archiving twice is a no-op.
		if err := f.s.SetArchived(f.ctx, f.staffA, p.ID, true, "再次"); err != nil {
			t.Fatal(err)
		}
		if err := f.s.SetArchived(f.ctx, f.staffA, p.ID, false, ""); err != nil {
			t.Fatal(err)
		}
		if got, _ := f.search(t, f.staffA, people.Filter{}); !sameSet(got, all) {
			t.Fatalf("after restore: %v", got)
		}
		if k := eventKinds(f.events(t, f.staffA, p.ID)); !slices.Equal(k, []string{"restored", "archived", "created"}) {
			t.Fatalf("history %v", k)
		}
		id := strconv.FormatInt(p.ID, 10)
		arch, rest := f.auditRecords(t, "archive", "person", id), f.auditRecords(t, "restore", "person", id)
		if len(arch) != 1 || !strings.Contains(arch[0].Detail, "录入错误") || len(rest) != 1 {
			t.Fatalf("audit: %+v %+v", arch, rest)
		}
	})
}

// TestScope checks that committee staff never reach a sibling committee's
// persons and households, through any read or change.
func TestScope(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		f := newRegFix(t, d)
		pa := f.create(t, f.staffA, f.in("马甲", makeID(t, "640104", "19800101", "011")))
		f.create(t, f.staffA, f.in("马同", makeID(t, "640104", "19800505", "011")))
		inB := f.in("马乙", makeID(t, "640104", "19800202", "011"))
		inB.OrgID = f.b.ID
		pb := f.create(t, f.staffB, inB)
		// Two more in B with the same name and birth date (a duplicate pair
		// inside B), and one in B that duplicates pa2 across committees.
		inB2 := f.in("马重", makeID(t, "640104", "19800303", "011"))
		inB2.OrgID = f.b.ID
		f.create(t, f.staffB, inB2)
		inB2.IDNumber = makeID(t, "640104", "19800303", "021")
		f.create(t, f.staffB, inB2)
		inB3 := f.in("马同", makeID(t, "640104", "19800505", "021"))
		inB3.OrgID = f.b.ID
		f.create(t, f.staffB, inB3)
		ha := f.household(t, f.staffA, f.a.ID, "A-1")
		hb := f.household(t, f.staffB, f.b.ID, "B-1")
		f.member(t, f.staffB, pb.ID, hb.ID, "户主")

		// Reads.
		for _, c := range []struct {
			actor *auth.Actor
			own   *people.Person
			other *people.Person
			ownH  int64
			othH  int64
		}{{f.staffA, pa, pb, ha.ID, hb.ID}, {f.staffB, pb, pa, hb.ID, ha.ID}} {
			f.get(t, c.actor, c.own.ID)
			_, err := f.s.Get(f.ctx, c.actor, c.other.ID)
			wantOutOfScope(t, err)
			_, err = f.s.Events(f.ctx, c.actor, c.other.ID)
			wantOutOfScope(t, err)
			_, err = f.s.AssignedLiaisons(f.ctx, c.actor, c.other.ID)
			wantOutOfScope(t, err)
			_, err = f.s.Household(f.ctx, c.actor, c.othH)
			wantOutOfScope(t, err)
			if _, err := f.s.Household(f.ctx, c.actor, c.ownH); err != nil {
				t.Fatal(err)
			}
			idOther := mustReveal(t, f, f.admin, c.other.ID)
			_, err = f.s.FindByID(f.ctx, c.actor, idOther)
			wantOutOfScope(t, err)
		}
		for _, c := range []struct {
			name  string
			actor *auth.Actor
			want  []string
		}{
			{"committee A", f.staffA, []string{"马甲", "马同"}},
			{"committee B", f.staffB, []string{"马乙", "马重", "马重", "马同"}},
			{"subdistrict", f.admin, []string{"马甲", "马同", "马乙", "马重", "马重", "马同"}},
			{"other subdistrict", f.staffC, []string{}},
			{"no scope", &auth.Actor{UserID: 99, Role: auth.StreetAdmin}, []string{}},
		} {
			t.Run(c.name, func(t *testing.T) {
				if got, total := f.search(t, c.actor, people.Filter{}); !sameSet(got, c.want) || total != len(c.want) {
					t.Errorf("search: %v (%d), want %v", got, total, c.want)
				}
				if got, _ := f.search(t, c.actor, people.Filter{Q: "马"}); !sameSet(got, c.want) {
					t.Errorf("search 马: %v", got)
				}
				if got, _ := f.search(t, c.actor, people.Filter{Q: "ma"}); !sameSet(got, c.want) {
					t.Errorf("search ma: %v", got)
				}
				page, err := f.s.SearchPage(f.ctx, c.actor, people.Filter{})
				if err != nil || !sameSet(names(page), c.want) {
					t.Errorf("search page: %v %v", names(page), err)
				}
				list, _, err := f.s.QualityPersons(f.ctx, c.actor, people.ListNoHousehold, 100, 0)
				if err != nil {
					t.Fatal(err)
				}
				for _, p := range list {
					if _, err := f.s.Get(f.ctx, c.actor, p.ID); err != nil {
						t.Errorf("quality list shows %s out of scope", describe(p))
					}
				}
			})
		}
		// Another committee's unit as a filter gives nothing.
		if got, total := f.search(t, f.staffA, people.Filter{OrgID: f.b.ID}); len(got) != 0 || total != 0 {
			t.Fatalf("staff A filtering on B: %v", got)
		}
		// Households.
		for _, c := range []struct {
			actor *auth.Actor
			want  []string
		}{{f.staffA, []string{"A-1"}}, {f.staffB, []string{"B-1"}}, {f.admin, []string{"A-1", "B-1"}}, {f.staffC, []string{}}} {
			list, total, err := f.s.Households(f.ctx, c.actor, people.HouseholdFilter{})
			if err != nil {
				t.Fatal(err)
			}
			codes := []string{}
			for _, h := range list {
				codes = append(codes, h.Code)
			}
			if !sameSet(codes, c.want) || total != len(c.want) {
				t.Errorf("%s households %v (%d), want %v", c.actor.Username, codes, total, c.want)
			}
		}
		// Duplicates: the pair inside B and the pair across A and B are
		// visible to the subdistrict; B sees its own pair only, A none.
		for _, c := range []struct {
			actor *auth.Actor
			want  []string
		}{{f.staffA, []string{}}, {f.staffB, []string{"马重"}}, {f.admin, []string{"马同", "马重"}}} {
			pairs, err := f.s.Duplicates(f.ctx, c.actor, 0)
			if err != nil {
				t.Fatal(err)
			}
			got := []string{}
			for _, p := range pairs {
				got = append(got, p.A.Name)
			}
			if !sameSet(got, c.want) {
				t.Errorf("%s duplicates %v, want %v", c.actor.Username, got, c.want)
			}
			q, err := f.s.QualityCounts(f.ctx, c.actor)
			if err != nil || q.Duplicates != len(c.want) {
				t.Errorf("%s quality duplicates %+v %v", c.actor.Username, q, err)
			}
		}
		nohh := map[*auth.Actor]int{f.staffA: 2, f.staffB: 3, f.admin: 5, f.staffC: 0}
		for a, want := range nohh {
			_, total, err := f.s.QualityPersons(f.ctx, a, people.ListNoHousehold, 100, 0)
			if err != nil || total != want {
				t.Errorf("%s no household: %d %v, want %d", a.Username, total, err, want)
			}
		}

		// Changes to the other committee's records are refused as not found.
		inA := f.in("马甲", "")
		changes := []struct {
			name string
			do   func() error
		}{
			{"update", func() error { return f.s.Update(f.ctx, f.staffA, pb.ID, inA) }},
			{"lifecycle", func() error {
				return f.s.Lifecycle(f.ctx, f.staffA, pb.ID, people.Change{Kind: "moved_out", Date: "2026-01-01", Version: pb.Version})
			}},
			{"archive", func() error { return f.s.SetArchived(f.ctx, f.staffA, pb.ID, true, "x") }},
			{"join own household", func() error { return f.s.SetMember(f.ctx, f.staffA, pb.ID, ha.ID, "子") }},
			{"join other household", func() error { return f.s.SetMember(f.ctx, f.staffA, pa.ID, hb.ID, "子") }},
			{"update household", func() error {
				return f.s.UpdateHousehold(f.ctx, f.staffA, hb.ID, people.HouseholdInput{OrgID: f.a.ID, Version: hb.Version})
			}},
			{"merge keep", func() error { return f.s.Merge(f.ctx, f.staffA, pb.ID, pa.ID) }},
			{"merge drop", func() error { return f.s.Merge(f.ctx, f.staffA, pa.ID, pb.ID) }},
			{"assign person", func() error {
				_, err := f.s.Assign(f.ctx, f.staffA, f.liaisonA.UserID, []int64{pb.ID}, nil, true)
				return err
			}},
			{"assign household", func() error {
				_, err := f.s.Assign(f.ctx, f.staffA, f.liaisonA.UserID, nil, []int64{hb.ID}, true)
				return err
			}},
			{"reveal", func() error { _, err := f.s.Reveal(f.ctx, f.staffA, pb.ID, "phone", "x"); return err }},
		}
		for _, c := range changes {
			t.Run(c.name, func(t *testing.T) { wantOutOfScope(t, c.do()) })
		}
		// Household in a committee out of scope.
		_, err := f.s.CreateHousehold(f.ctx, f.staffA, people.HouseholdInput{OrgID: f.b.ID, Code: "X"})
		wantFields(t, err, map[string]string{"org_id": "err.committee_unknown"})
		if got := f.get(t, f.admin, pb.ID); got.Version != pb.Version+1 || got.Archived || got.HouseholdID != hb.ID {
			t.Fatalf("B's person changed: %+v", got)
		}
	})
}

func mustReveal(t *testing.T, f *regFix, a *auth.Actor, id int64) string {
	t.Helper()
	v, err := f.s.Reveal(f.ctx, a, id, "id_number", "测试")
	if err != nil {
		t.Fatalf("reveal %d: %v", id, err)
	}
	return v
}

// TestLiaisonScope checks that a liaison sees exactly the persons assigned
// to them and the members of households assigned to them, and loses them
// when unassigned.
func TestLiaisonScope(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		f := newRegFix(t, d)
		mk := func(name, birth string, org int64) *people.Person {
			in := f.in(name, makeID(t, "640104", birth, "011"))
			in.OrgID = org
			return f.create(t, f.admin, in)
		}
		p1 := mk("马一", "19500101", f.a.ID)
		p2 := mk("马二", "19600101", f.a.ID)
		p3 := mk("马三", "19700101", f.b.ID)
		p4 := mk("马四", "19800101", f.b.ID)
		p5 := mk("马五", "19900101", f.a.ID)
		h := f.household(t, f.admin, f.b.ID, "B-9")
		f.member(t, f.admin, p2.ID, h.ID, "户主")
		f.member(t, f.admin, p3.ID, h.ID, "配偶")
		hOther := f.household(t, f.admin, f.a.ID, "A-9")
		f.member(t, f.admin, p5.ID, hOther.ID, "户主")

		sees := func(a *auth.Actor, want ...string) {
			t.Helper()
			if got, total := f.search(t, a, people.Filter{Status: "all"}); !sameSet(got, want) || total != len(want) {
				t.Fatalf("%s sees %v (%d), want %v", a.Username, got, total, want)
			}
			visible := map[string]bool{}
			for _, w := range want {
				visible[w] = true
			}
			for _, p := range []*people.Person{p1, p2, p3, p4, p5} {
				_, err := f.s.Get(f.ctx, a, p.ID)
				if visible[p.Name] && err != nil {
					t.Fatalf("%s cannot get %s: %v", a.Username, p.Name, err)
				}
				if !visible[p.Name] {
					wantOutOfScope(t, err)
				}
			}
		}
		seesHouseholds := func(a *auth.Actor, want ...string) {
			t.Helper()
			list, total, err := f.s.Households(f.ctx, a, people.HouseholdFilter{})
			if err != nil {
				t.Fatal(err)
			}
			codes := []string{}
			for _, h := range list {
				codes = append(codes, h.Code)
			}
			if !sameSet(codes, want) || total != len(want) {
				t.Fatalf("%s sees households %v, want %v", a.Username, codes, want)
			}
		}
		sees(f.liaison)
		seesHouseholds(f.liaison)

		// Only liaisons in the assigner's scope can be given persons.
		ls, err := f.s.Liaisons(f.ctx, f.admin)
		if err != nil || len(ls) != 2 {
			t.Fatalf("liaisons of the subdistrict: %+v %v", ls, err)
		}
		if ls, _ := f.s.Liaisons(f.ctx, f.staffA); len(ls) != 1 || ls[0].UserID != f.liaisonA.UserID {
			t.Fatalf("liaisons of committee A: %+v", ls)
		}
		for _, c := range []struct {
			name  string
			actor *auth.Actor
			user  int64
		}{{"subdistrict liaison by committee", f.staffA, f.liaison.UserID}, {"not a liaison", f.admin, f.nonLiaisonID}, {"no such user", f.admin, 9999}} {
			_, err := f.s.Assign(f.ctx, c.actor, c.user, []int64{p1.ID}, nil, true)
			wantFields(t, err, map[string]string{"liaison": "err.liaison_unknown"})
		}

		// One person directly, one household (with members in two
		// committees' records of B).
		n, err := f.s.Assign(f.ctx, f.admin, f.liaison.UserID, []int64{p1.ID}, []int64{h.ID}, true)
		if err != nil || n != 2 {
			t.Fatalf("assign: %d %v", n, err)
		}
		// Assigning again changes nothing.
		if n, err := f.s.Assign(f.ctx, f.admin, f.liaison.UserID, []int64{p1.ID}, []int64{h.ID}, true); err != nil || n != 0 {
			t.Fatalf("assign again: %d %v", n, err)
		}
		sees(f.liaison, "马一", "马二", "马三")
		seesHouseholds(f.liaison, "B-9")
		sees(f.liaisonA)
		if _, err := f.s.Household(f.ctx, f.liaison, h.ID); err != nil {
			t.Fatal(err)
		}
		_, err = f.s.Household(f.ctx, f.liaison, hOther.ID)
		wantOutOfScope(t, err)
		if ls, err := f.s.AssignedLiaisons(f.ctx, f.admin, p3.ID); err != nil || len(ls) != 1 || ls[0].UserID != f.liaison.UserID {
			t.Fatalf("assigned liaisons of p3: %+v %v", ls, err)
		}
		// Filters and search keep to the liaison's persons.
		if got, _ := f.search(t, f.liaison, people.Filter{Q: "马"}); !sameSet(got, []string{"马一", "马二", "马三"}) {
			t.Fatalf("liaison search: %v", got)
		}
		if got, _ := f.search(t, f.liaison, people.Filter{OrgID: f.b.ID}); !sameSet(got, []string{"马三"}) {
			t.Fatalf("liaison search in B: %v", got)
		}
		if _, total, _ := f.s.QualityPersons(f.ctx, f.liaison, people.ListNoHousehold, 10, 0); total != 1 {
			t.Fatalf("liaison no-household list: %d", total)
		}
		// A person joining the assigned household comes into view, and a
		// member leaving it goes out of view.
		f.member(t, f.admin, p4.ID, h.ID, "子")
		sees(f.liaison, "马一", "马二", "马三", "马四")
		f.member(t, f.admin, p3.ID, 0, "")
		sees(f.liaison, "马一", "马二", "马四")
		// A person's own household comes into view with them.
		f.member(t, f.admin, p1.ID, hOther.ID, "配偶")
		seesHouseholds(f.liaison, "B-9", "A-9")
		sees(f.liaison, "马一", "马二", "马四") // not 马五: the person, not their household, is assigned

		// Unassigning takes them away.
		if n, err := f.s.Assign(f.ctx, f.admin, f.liaison.UserID, []int64{p1.ID}, nil, false); err != nil || n != 1 {
			t.Fatalf("unassign person: %d %v", n, err)
		}
		sees(f.liaison, "马二", "马四")
		seesHouseholds(f.liaison, "B-9")
		if _, err := f.s.Assign(f.ctx, f.admin, f.liaison.UserID, nil, []int64{h.ID}, false); err != nil {
			t.Fatal(err)
		}
		sees(f.liaison)
		seesHouseholds(f.liaison)

		// Committee staff give their own liaisons their own persons.
		f.assign(t, f.staffA, f.liaisonA, []int64{p5.ID}, nil, true)
		sees(f.liaisonA, "马五")
		sees(f.liaison)
		if recs := f.auditRecords(t, "assign", "liaison", strconv.FormatInt(f.liaisonA.UserID, 10)); len(recs) != 1 {
			t.Fatalf("assign audit %+v", recs)
		}
	})
}

// TestHouseholds checks heads, one household per person, and mixed
// households.
func TestHouseholds(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		f := newRegFix(t, d)
		mk := func(name, eth, birth, seq string) *people.Person {
			in := f.in(name, makeID(t, "640104", birth, seq))
			in.Ethnicity = eth
			return f.create(t, f.staffA, in)
		}
		father := mk("马德", "回族", "19600101", "011")
		mother := mk("李芳", "汉族", "19620202", "022")
		son := mk("马小", "回族", "19900303", "031")
		lone := mk("白雪", "回族", "19700404", "042")

		h, err := f.s.CreateHousehold(f.ctx, f.staffA, people.HouseholdInput{OrgID: f.a.ID, BuildingGroupID: f.bgA1.ID, Code: " A-101 ", Address: "石榴路1号101"})
		if err != nil {
			t.Fatal(err)
		}
		if h.Code != "A-101" || h.BuildingGroup != f.bgA1.Name || h.OrgName != f.a.Name || len(h.Members) != 0 || h.Mixed() {
			t.Fatalf("new household %+v", h)
		}
		// Codes are unique within a committee, not across committees.
		_, err = f.s.CreateHousehold(f.ctx, f.staffA, people.HouseholdInput{OrgID: f.a.ID, Code: "A-101"})
		wantFields(t, err, map[string]string{"code": "err.household_code_taken"})
		if _, err := f.s.CreateHousehold(f.ctx, f.staffB, people.HouseholdInput{OrgID: f.b.ID, Code: "A-101"}); err != nil {
			t.Fatalf("same code in another committee: %v", err)
		}
		_, err = f.s.CreateHousehold(f.ctx, f.staffA, people.HouseholdInput{OrgID: f.a.ID, BuildingGroupID: f.bgB1.ID})
		wantFields(t, err, map[string]string{"building_group_id": "err.building_group_unknown"})
		h2 := f.household(t, f.staffA, f.a.ID, "A-102")
		if _, err := f.s.CreateHousehold(f.ctx, f.staffA, people.HouseholdInput{OrgID: f.a.ID}); err != nil {
			t.Fatalf("household without code: %v", err)
		}

		get := func(id int64) *people.Household {
			t.Helper()
			hh, err := f.s.Household(f.ctx, f.staffA, id)
			if err != nil {
				t.Fatal(err)
			}
			return hh
		}
		steps := []struct {
			name      string
			person    *people.Person
			household int64
			relation  string
			head      int64
			members   []string
			relations map[int64]string
			mixed     bool
		}{
			{"father is head", father, h.ID, "户主", father.ID, []string{"马德"}, map[int64]string{father.ID: "户主"}, false},
			{"son joins", son, h.ID, "子", father.ID, []string{"马德", "马小"}, map[int64]string{son.ID: "子"}, false},
			{"Han mother makes it mixed", mother, h.ID, "配偶", father.ID, []string{"马德", "李芳", "马小"}, map[int64]string{mother.ID: "配偶"}, true},
			{"mother becomes head, father demoted", mother, h.ID, "户主", mother.ID, []string{"李芳", "马德", "马小"},
				map[int64]string{mother.ID: "户主", father.ID: ""}, true},
			{"father named head again", father, h.ID, "户主", father.ID, []string{"马德", "李芳", "马小"},
				map[int64]string{father.ID: "户主", mother.ID: ""}, true},
			{"head leaves for another household", father, h2.ID, "户主", 0, []string{"李芳", "马小"},
				map[int64]string{father.ID: "户主"}, true},
			{"mother leaves: no longer mixed", mother, 0, "", 0, []string{"马小"}, map[int64]string{mother.ID: ""}, false},
		}
		for _, st := range steps {
			t.Run(st.name, func(t *testing.T) {
				f.member(t, f.staffA, st.person.ID, st.household, st.relation)
				hh := get(h.ID)
				if hh.HeadPersonID != st.head {
					t.Errorf("head %d (%s), want %d", hh.HeadPersonID, hh.HeadName, st.head)
				}
				if got := names(hh.Members); !slices.Equal(got, st.members) {
					t.Errorf("members %v, want %v (head first, then by birth)", got, st.members)
				}
				if hh.Mixed() != st.mixed {
					t.Errorf("mixed %v (%v), want %v", hh.Mixed(), hh.Ethnicities, st.mixed)
				}
				for id, rel := range st.relations {
					if p := f.get(t, f.staffA, id); p.Relation != rel {
						t.Errorf("%s relation %q, want %q", p.Name, p.Relation, rel)
					}
				}
				// The list agrees with the household page.
				list, _, err := f.s.Households(f.ctx, f.staffA, people.HouseholdFilter{Q: "A-101"})
				if err != nil || len(list) != 1 || list[0].Mixed() != st.mixed || list[0].Size != len(st.members) {
					t.Errorf("list: %+v %v", list, err)
				}
				if list, _, _ := f.s.Households(f.ctx, f.staffA, people.HouseholdFilter{Mixed: true}); (len(list) == 1) != st.mixed {
					t.Errorf("mixed filter lists %d", len(list))
				}
			})
		}
		// A person is in at most one household.
		if p := f.get(t, f.staffA, father.ID); p.HouseholdID != h2.ID || p.HouseholdCode != "A-102" {
			t.Fatalf("father in %d %q", p.HouseholdID, p.HouseholdCode)
		}
		if n := f.count(t, `SELECT COUNT(*) FROM persons WHERE household_id IS NOT NULL`); n != 2 {
			t.Fatalf("%d persons in households, want 2", n)
		}
		if hh := get(h2.ID); hh.HeadPersonID != father.ID || hh.HeadName != "马德" {
			t.Fatalf("second household head %+v", hh)
		}
		// Joining, leaving and head changes are in the history.
		if k := eventKinds(f.events(t, f.staffA, father.ID)); !slices.Equal(k, []string{"household", "household", "created"}) {
			t.Fatalf("father's history %v", k)
		}
		// The list finds households by member name and lists sizes.
		list, total, err := f.s.Households(f.ctx, f.staffA, people.HouseholdFilter{Q: "马德"})
		if err != nil || total != 1 || list[0].ID != h2.ID || list[0].Size != 1 {
			t.Fatalf("by member name: %+v %d %v", list, total, err)
		}
		if list, _, _ := f.s.Households(f.ctx, f.staffA, people.HouseholdFilter{OrgID: f.bgA1.ID}); len(list) != 1 || list[0].ID != h.ID {
			t.Fatalf("by building group: %+v", list)
		}
		// A one-person Hui household is not mixed.
		h3 := f.household(t, f.staffA, f.a.ID, "A-103")
		f.member(t, f.staffA, lone.ID, h3.ID, "户主")
		if get(h3.ID).Mixed() {
			t.Fatal("single-ethnicity household is mixed")
		}
		// Updating a household checks its version.
		cur := get(h.ID)
		up := people.HouseholdInput{OrgID: f.a.ID, Code: "A-101", Address: "新地址", Version: cur.Version}
		if err := f.s.UpdateHousehold(f.ctx, f.staffA, h.ID, up); err != nil {
			t.Fatal(err)
		}
		wantKind(t, f.s.UpdateHousehold(f.ctx, f.staffA, h.ID, up), errs.Conflict, "err.version_conflict")
		up.Version, up.Code = cur.Version+1, "A-102"
		wantFields(t, f.s.UpdateHousehold(f.ctx, f.staffA, h.ID, up), map[string]string{"code": "err.household_code_taken"})
		if got := get(h.ID); got.Address != "新地址" || got.Code != "A-101" {
			t.Fatalf("after update %+v", got)
		}
	})
}

// TestSearch checks every way of searching, filtering, sorting and paging.
func TestSearch(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		f := newRegFix(t, d)
		type row struct {
			name, eth, region, birth, seq string
			org, bg                       int64
			kind                          people.Kind
			phone                         string
			tags                          people.Tag
		}
		rows := []row{
			{"张晓明", "回族", "110105", "19850312", "011", f.a.ID, f.bgA1.ID, people.Registered, "13812345678", people.TagVolunteer | people.TagPartyMember},
			{"张小红", "汉族", "310115", "19900101", "022", f.a.ID, f.bgA2.ID, people.Registered, "", people.TagVolunteer},
			{"李晓明", "满族", "210102", "19700707", "033", f.b.ID, 0, people.Registered, "021-62345678", 0},
			{"王芳", "回族", "640104", "19950505", "044", f.b.ID, f.bgB1.ID, people.Floating, "", people.TagHardship},
			{"阿依古丽·买买提", "维吾尔族", "650102", "19880808", "064", f.a.ID, 0, people.Floating, "13900001111", people.TagVolunteer},
			{"赵敏", "蒙古族", "150102", "19600606", "082", f.a.ID, 0, people.Registered, "", people.TagElderlyAlone},
		}
		ids := map[string]string{}
		byName := map[string]*people.Person{}
		for _, r := range rows {
			id := makeID(t, r.region, r.birth, r.seq)
			in := people.Input{Name: r.name, IDNumber: id, Ethnicity: r.eth, Kind: r.kind, OrgID: r.org, BuildingGroupID: r.bg, Phone: r.phone, Tags: people.Tags(r.tags)}
			byName[r.name] = f.create(t, f.admin, in)
			ids[r.name] = id
		}
		// Two persons whose ID numbers share the last four characters, one
		// in A and one in B.
		shareA := idEnding(t, "110105", 1975, "5678")
		shareB := idEnding(t, "110105", 1976, "5678")
		inA := f.in("周甲", shareA)
		inB := f.in("周乙", shareB)
		inB.OrgID = f.b.ID
		f.create(t, f.admin, inA)
		f.create(t, f.admin, inB)
		// One moved out, one archived.
		gone := f.create(t, f.admin, f.in("张走", makeID(t, "110105", "19500101", "099")))
		if err := f.s.Lifecycle(f.ctx, f.admin, gone.ID, people.Change{Kind: "moved_out", Date: "2026-01-01", Version: gone.Version}); err != nil {
			t.Fatal(err)
		}
		hidden := f.create(t, f.admin, f.in("张藏", makeID(t, "110105", "19500101", "119")))
		if err := f.s.SetArchived(f.ctx, f.admin, hidden.ID, true, "重复录入"); err != nil {
			t.Fatal(err)
		}
		h := f.household(t, f.admin, f.a.ID, "H1")
		f.member(t, f.admin, byName["赵敏"].ID, h.ID, "户主")

		all := []string{"张晓明", "张小红", "李晓明", "王芳", "阿依古丽·买买提", "赵敏", "周甲", "周乙"}
		lz := ids["李晓明"]
		cases := []struct {
			name  string
			actor *auth.Actor
			flt   people.Filter
			want  []string
		}{
			{"everything active", f.admin, people.Filter{}, all},
			{"name fragment, middle character", f.admin, people.Filter{Q: "晓"}, []string{"张晓明", "李晓明"}},
			{"name fragment in scope", f.staffA, people.Filter{Q: "晓"}, []string{"张晓明"}},
			{"name fragment, two characters", f.admin, people.Filter{Q: "晓明"}, []string{"张晓明", "李晓明"}},
			{"surname", f.admin, people.Filter{Q: "张"}, []string{"张晓明", "张小红"}},
			{"name with dot", f.admin, people.Filter{Q: "古丽•买"}, []string{"阿依古丽·买买提"}},
			{"no match", f.admin, people.Filter{Q: "欧阳"}, nil},
			{"LIKE wildcards are literal", f.admin, people.Filter{Q: "张%"}, []string{"张晓明", "张小红"}},
			{"full pinyin", f.admin, people.Filter{Q: "zhangxiaoming"}, []string{"张晓明"}},
			{"full pinyin with spaces and capitals", f.admin, people.Filter{Q: "Zhang Xiao Ming"}, []string{"张晓明"}},
			{"pinyin prefix", f.admin, people.Filter{Q: "zhangx"}, []string{"张晓明", "张小红"}},
			{"initials", f.admin, people.Filter{Q: "zxm"}, []string{"张晓明"}},
			{"initials prefix", f.admin, people.Filter{Q: "zx"}, []string{"张晓明", "张小红"}},
			{"initials of a dotted name", f.admin, people.Filter{Q: "aygl"}, []string{"阿依古丽·买买提"}},
			{"pinyin of a surname reading", f.admin, people.Filter{Q: "zhao"}, []string{"赵敏"}},
			{"pinyin in scope", f.staffB, people.Filter{Q: "lxm"}, []string{"李晓明"}},
			{"pinyin out of scope", f.staffA, people.Filter{Q: "lxm"}, nil},
			{"exact ID", f.admin, people.Filter{Q: lz}, []string{"李晓明"}},
			{"exact ID, lower-case and spaced", f.admin, people.Filter{Q: " " + lz[:6] + " " + strings.ToLower(lz[6:])}, []string{"李晓明"}},
			{"exact ID out of scope", f.staffA, people.Filter{Q: lz}, nil},
			{"last 4", f.admin, people.Filter{Q: lz[14:]}, []string{"李晓明"}},
			{"last 4 shared, whole scope", f.admin, people.Filter{Q: "5678"}, []string{"周甲", "周乙"}},
			{"last 4 shared, committee A", f.staffA, people.Filter{Q: "5678"}, []string{"周甲"}},
			{"last 4 shared, committee B", f.staffB, people.Filter{Q: "5678"}, []string{"周乙"}},
			{"last 4 out of scope", f.staffA, people.Filter{Q: lz[14:]}, nil},
			{"mobile", f.admin, people.Filter{Q: "13812345678"}, []string{"张晓明"}},
			{"mobile with dashes", f.admin, people.Filter{Q: "138-1234-5678"}, []string{"张晓明"}},
			{"mobile with +86", f.admin, people.Filter{Q: "+86 139 0000 1111"}, []string{"阿依古丽·买买提"}},
			{"landline", f.admin, people.Filter{Q: "021 6234 5678"}, []string{"李晓明"}},
			{"mobile out of scope", f.staffB, people.Filter{Q: "13812345678"}, nil},
			{"one tag", f.admin, people.Filter{Tags: people.Tags(people.TagVolunteer)}, []string{"张晓明", "张小红", "阿依古丽·买买提"}},
			{"all of two tags", f.admin, people.Filter{Tags: people.Tags(people.TagVolunteer | people.TagPartyMember)}, []string{"张晓明"}},
			{"tag nobody has", f.admin, people.Filter{Tags: people.Tags(people.TagDisabled)}, nil},
			{"ethnicity by name", f.admin, people.Filter{Ethnicity: "回族"}, []string{"张晓明", "王芳", "周甲", "周乙"}},
			{"ethnicity by code", f.admin, people.Filter{Ethnicity: "05"}, []string{"阿依古丽·买买提"}},
			{"ethnicity by short name", f.admin, people.Filter{Ethnicity: "满"}, []string{"李晓明"}},
			{"minority", f.admin, people.Filter{Minority: true}, []string{"张晓明", "李晓明", "王芳", "阿依古丽·买买提", "赵敏", "周甲", "周乙"}},
			{"committee subtree", f.admin, people.Filter{OrgID: f.a.ID}, []string{"张晓明", "张小红", "阿依古丽·买买提", "赵敏", "周甲"}},
			{"committee B", f.admin, people.Filter{OrgID: f.b.ID}, []string{"李晓明", "王芳", "周乙"}},
			{"building group", f.admin, people.Filter{OrgID: f.bgA2.ID}, []string{"张小红"}},
			{"subdistrict subtree", f.admin, people.Filter{OrgID: f.sub.ID}, all},
			{"whole district from a subdistrict", f.admin, people.Filter{OrgID: f.dist.ID}, all},
			{"floating", f.admin, people.Filter{Kind: people.Floating}, []string{"王芳", "阿依古丽·买买提"}},
			{"registered in A", f.staffA, people.Filter{Kind: people.Registered}, []string{"张晓明", "张小红", "赵敏", "周甲"}},
			{"moved out", f.admin, people.Filter{Status: "moved_out"}, []string{"张走"}},
			{"all statuses", f.admin, people.Filter{Status: "all", Q: "张"}, []string{"张晓明", "张小红", "张走"}},
			{"archived too", f.admin, people.Filter{Archived: true, Q: "张"}, []string{"张晓明", "张小红", "张藏"}},
			{"no household", f.staffA, people.Filter{NoHousehold: true}, []string{"张晓明", "张小红", "阿依古丽·买买提", "周甲"}},
			{"combined", f.admin, people.Filter{Q: "zh", Tags: people.Tags(people.TagVolunteer), OrgID: f.bgA1.ID, Ethnicity: "回"}, []string{"张晓明"}},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				got, total := f.search(t, c.actor, c.flt)
				if c.want == nil {
					c.want = []string{}
				}
				if !sameSet(got, c.want) || total != len(c.want) {
					t.Fatalf("got %v (total %d), want %v", got, total, c.want)
				}
			})
		}

		// Sorting.
		sorts := []struct {
			sort string
			want []string
		}{
			// by pinyin: ayiguli…, lixiaoming, wangfang, zhangxiaohong, zhangxiaoming, zhaomin, zhoujia, zhouyi
			{"", []string{"阿依古丽·买买提", "李晓明", "王芳", "张小红", "张晓明", "赵敏", "周甲", "周乙"}},
			{"name", []string{"阿依古丽·买买提", "李晓明", "王芳", "张小红", "张晓明", "赵敏", "周甲", "周乙"}},
			{"birth", []string{"赵敏", "李晓明", "周甲", "周乙", "张晓明", "阿依古丽·买买提", "张小红", "王芳"}},
			// by committee (A before B), then pinyin; building groups do not count
			{"org", []string{"阿依古丽·买买提", "张小红", "张晓明", "赵敏", "周甲", "李晓明", "王芳", "周乙"}},
		}
		for _, c := range sorts {
			got, _ := f.search(t, f.admin, people.Filter{Sort: c.sort})
			if !slices.Equal(got, c.want) {
				t.Errorf("sort %q: %v, want %v", c.sort, got, c.want)
			}
		}
		// Paging: pages of 3 cover the sorted list once, each with the
		// full total.
		var paged []string
		for off := 0; off < 10; off += 3 {
			got, total := f.search(t, f.admin, people.Filter{Sort: "birth", Limit: 3, Offset: off})
			if total != len(all) {
				t.Fatalf("page at %d: total %d", off, total)
			}
			if want := min(3, max(0, len(all)-off)); len(got) != want {
				t.Fatalf("page at %d has %d rows, want %d", off, len(got), want)
			}
			paged = append(paged, got...)
		}
		if !slices.Equal(paged, sorts[2].want) {
			t.Fatalf("pages %v", paged)
		}
		if page, err := f.s.SearchPage(f.ctx, f.admin, people.Filter{Sort: "birth", Limit: 2, Offset: 1}); err != nil || !slices.Equal(names(page), sorts[2].want[1:3]) {
			t.Fatalf("search page %v %v", names(page), err)
		}
		// A found person is shown masked.
		list, _, _ := f.s.Search(f.ctx, f.admin, people.Filter{Q: "zxm"})
		if len(list) != 1 || list[0].IDMasked != "110105********"+ids["张晓明"][14:] || list[0].PhoneMasked != "138****5678" {
			t.Fatalf("found %+v", list)
		}
	})
}

// TestClassifyQuery checks how the search box is read.
func TestClassifyQuery(t *testing.T) {
	id := makeID(t, "110105", "19850312", "011")
	idX := idEnding(t, "110105", 1985, "123X")
	cases := []struct {
		q    string
		kind people.QueryKind
		v    string
	}{
		{"", people.QNone, ""},
		{"   ", people.QNone, ""},
		{id, people.QIDNumber, id},
		{strings.ToLower(idX), people.QIDNumber, idX},
		{id[:6] + " " + id[6:], people.QIDNumber, id},
		{id[14:], people.QLast4, id[14:]},
		{"123x", people.QLast4, "123X"},
		{"13812345678", people.QPhone, "13812345678"},
		{"021-62345678", people.QPhone, "021-62345678"},
		{"zxm", people.QPinyin, "zxm"},
		{"Zhang Xiao", people.QPinyin, "zhangxiao"},
		{"张晓明", people.QName, "张晓明"},
		{"晓", people.QName, "晓"},
		{id[:17] + "0", people.QName, id[:17] + "0"}, // bad check digit: not an ID number
	}
	for _, c := range cases {
		kind, v := people.ClassifyQuery(c.q)
		if kind != c.kind || v != c.v {
			if c.kind == people.QName && kind == c.kind {
				continue
			}
			t.Errorf("ClassifyQuery(%q) = %q %q, want %q %q", c.q, kind, v, c.kind, c.v)
		}
	}
}

// TestDuplicatesAndMerge checks that same name and birth date with
// different ID numbers are suspected duplicates, and that merging keeps
// both histories and moves the liaisons' assignments.
func TestDuplicatesAndMerge(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		f := newRegFix(t, d)
		keep := f.create(t, f.staffA, f.in("马明", makeID(t, "640104", "19800505", "011")))
		dropIn := f.in("马明", makeID(t, "640105", "19800505", "031"))
		dropIn.Phone = "13711112222"
		drop := f.create(t, f.staffA, dropIn)
		// Not duplicates: other birth date, other name.
		f.create(t, f.staffA, f.in("马明", makeID(t, "640104", "19800506", "011")))
		f.create(t, f.staffA, f.in("马亮", makeID(t, "640104", "19800505", "051")))

		pairs, err := f.s.Duplicates(f.ctx, f.staffA, 0)
		if err != nil || len(pairs) != 1 || pairs[0].A.ID != keep.ID || pairs[0].B.ID != drop.ID {
			t.Fatalf("duplicates %+v %v", pairs, err)
		}
		if q, _ := f.s.QualityCounts(f.ctx, f.staffA); q.Duplicates != 1 {
			t.Fatalf("quality duplicates %d", q.Duplicates)
		}
		// Each record has a history of its own.
		if err := f.s.Lifecycle(f.ctx, f.staffA, drop.ID, people.Change{Kind: "moved_out", Date: "2025-05-01", Version: drop.Version}); err != nil {
			t.Fatal(err)
		}
		if err := f.s.Lifecycle(f.ctx, f.staffA, drop.ID, people.Change{Kind: "returned", Date: "2025-09-01", Version: drop.Version + 1}); err != nil {
			t.Fatal(err)
		}
		h := f.household(t, f.staffA, f.a.ID, "A-8")
		f.member(t, f.staffA, drop.ID, h.ID, "户主")
		// Liaison A looks after the dropped record, the subdistrict liaison
		// after both.
		f.assign(t, f.staffA, f.liaisonA, []int64{drop.ID}, nil, true)
		f.assign(t, f.admin, f.liaison, []int64{keep.ID, drop.ID}, nil, true)
		dropEvents := f.events(t, f.staffA, drop.ID)

		refused := []struct {
			name       string
			actor      *auth.Actor
			keep, drop int64
			kind       errs.Kind
			key        string
		}{
			{"same record", f.staffA, keep.ID, keep.ID, errs.Invalid, "err.merge_same"},
			{"out of scope", f.staffB, keep.ID, drop.ID, errs.NotFound, "err.not_found"},
			{"unknown record", f.staffA, keep.ID, 99999, errs.NotFound, "err.not_found"},
		}
		for _, c := range refused {
			wantKind(t, f.s.Merge(f.ctx, c.actor, c.keep, c.drop), c.kind, c.key)
		}
		if err := f.s.Merge(f.ctx, f.staffA, keep.ID, drop.ID); err != nil {
			t.Fatal(err)
		}
		d2 := f.get(t, f.staffA, drop.ID)
		if d2.Status != people.Merged || d2.MergedInto != keep.ID || d2.HouseholdID != 0 {
			t.Fatalf("dropped record %+v", d2)
		}
		k2 := f.get(t, f.staffA, keep.ID)
		if k2.HouseholdID != h.ID || k2.Relation != "户主" {
			t.Fatalf("kept record did not take the household: %+v", k2)
		}
		if hh, _ := f.s.Household(f.ctx, f.staffA, h.ID); hh.HeadPersonID != keep.ID || len(hh.Members) != 1 {
			t.Fatalf("household after merge: %+v", hh)
		}
		// The kept record's history holds both.
		evs := f.events(t, f.staffA, keep.ID)
		seen := map[int64]bool{}
		for _, e := range evs {
			seen[e.ID] = true
		}
		for _, e := range dropEvents {
			if !seen[e.ID] {
				t.Errorf("merged record's event %s %s missing from the kept history", e.Kind, e.Date)
			}
		}
		if k := eventKinds(evs); !slices.Contains(k, "moved_out") || !slices.Contains(k, "returned") || len(evs) != len(dropEvents)+1+2 {
			t.Fatalf("kept history %v", k)
		}
		// Assignments moved to the kept record, without duplicates.
		for _, l := range []*auth.Actor{f.liaison, f.liaisonA} {
			if _, err := f.s.Get(f.ctx, l, keep.ID); err != nil {
				t.Fatalf("%s lost the merged person: %v", l.Username, err)
			}
		}
		if n := f.count(t, `SELECT COUNT(*) FROM liaison_assignments WHERE person_id = ?`, drop.ID); n != 0 {
			t.Fatalf("%d assignments left on the dropped record", n)
		}
		if n := f.count(t, `SELECT COUNT(*) FROM liaison_assignments WHERE person_id = ?`, keep.ID); n != 2 {
			t.Fatalf("%d assignments on the kept record, want 2", n)
		}
		// The pair is no longer suspected, the dropped record is out of
		// lists and cannot be changed or merged again.
		if pairs, _ := f.s.Duplicates(f.ctx, f.staffA, 0); len(pairs) != 0 {
			t.Fatalf("still duplicates: %+v", pairs)
		}
		if got, _ := f.search(t, f.staffA, people.Filter{Q: "马明", Status: "all"}); len(got) != 2 {
			t.Fatalf("search after merge: %v", got)
		}
		if got, _ := f.search(t, f.staffA, people.Filter{Status: "merged"}); len(got) != 1 {
			t.Fatalf("merged list: %v", got)
		}
		wantKind(t, f.s.Merge(f.ctx, f.staffA, keep.ID, drop.ID), errs.Invalid, "err.person_merged")
		in := f.in("马明", "")
		in.Version = d2.Version
		wantKind(t, f.s.Update(f.ctx, f.staffA, drop.ID, in), errs.Invalid, "err.person_merged")
		wantKind(t, f.s.Lifecycle(f.ctx, f.staffA, drop.ID, people.Change{Kind: "deceased", Date: "2026-01-01", Version: d2.Version}), errs.Invalid, "err.person_merged")
		if recs := f.auditRecords(t, "merge", "person", strconv.FormatInt(keep.ID, 10)); len(recs) != 1 {
			t.Fatalf("merge audit %+v", recs)
		}

		// A third record of the same person, merged with the first: its
		// history holds all three, the first merged record's too.
		third := f.create(t, f.staffA, f.in("马明", makeID(t, "640106", "19800505", "071")))
		if pairs, _ := f.s.Duplicates(f.ctx, f.staffA, 0); len(pairs) != 1 || pairs[0].A.ID != keep.ID || pairs[0].B.ID != third.ID {
			t.Fatalf("duplicates with the third record: %+v", pairs)
		}
		if err := f.s.Merge(f.ctx, f.staffA, third.ID, keep.ID); err != nil {
			t.Fatal(err)
		}
		seen = map[int64]bool{}
		for _, e := range f.events(t, f.staffA, third.ID) {
			seen[e.ID] = true
		}
		for _, e := range append(dropEvents, evs...) {
			if !seen[e.ID] {
				t.Errorf("event %s %s of #%d missing from the history after a second merge", e.Kind, e.Date, e.PersonID)
			}
		}
		for _, l := range []*auth.Actor{f.liaison, f.liaisonA} {
			if _, err := f.s.Get(f.ctx, l, third.ID); err != nil {
				t.Fatalf("%s lost the twice-merged person: %v", l.Username, err)
			}
		}
		if k3 := f.get(t, f.staffA, third.ID); k3.HouseholdID != h.ID || k3.Relation != "户主" {
			t.Fatalf("household did not follow the second merge: %+v", k3)
		}
	})
}

// TestQuality checks the data quality counts and lists, and how they move
// with the clock.
func TestQuality(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		f := newRegFix(t, d)
		seq := 0
		mk := func(name string, kind people.Kind, org int64, leave, permit string) *people.Person {
			seq++
			in := f.in(name, makeID(t, "640104", "19900101", strconv.Itoa(100+seq)))
			in.Kind, in.OrgID, in.ExpectedLeave, in.PermitExpiry = kind, org, leave, permit
			return f.create(t, f.admin, in)
		}
		fl := people.Floating
		mk("超期", fl, f.a.ID, "2026-06-01", "")
		mk("未超期", fl, f.a.ID, "2026-07-01", "")
		mk("已过期", fl, f.a.ID, "", "2026-06-10")
		mk("今天到期", fl, f.a.ID, "", "2026-06-15")
		mk("将到期", fl, f.a.ID, "", "2026-07-10")
		mk("远期", fl, f.a.ID, "", "2026-08-01")
		mk("户籍", people.Registered, f.a.ID, "2020-01-01", "2020-01-01")
		mk("乙超期", fl, f.b.ID, "2026-01-01", "2026-01-01")
		left := mk("已离开", fl, f.a.ID, "2026-01-01", "2026-01-01")
		if err := f.s.Lifecycle(f.ctx, f.admin, left.ID, people.Change{Kind: "moved_out", Date: "2026-02-01", Version: left.Version}); err != nil {
			t.Fatal(err)
		}
		housed := mk("有户", people.Registered, f.a.ID, "", "")
		h := f.household(t, f.admin, f.a.ID, "Q1")
		f.member(t, f.admin, housed.ID, h.ID, "户主")

		type want struct {
			noHousehold, overStay, expired, expiring []string
		}
		check := func(t *testing.T, a *auth.Actor, w want) {
			t.Helper()
			q, err := f.s.QualityCounts(f.ctx, a)
			if err != nil {
				t.Fatal(err)
			}
			if q.NoHousehold != len(w.noHousehold) || q.OverStay != len(w.overStay) || q.PermitExpired != len(w.expired) || q.PermitExpiring30 != len(w.expiring) || q.CommitteeGone != 0 {
				t.Errorf("counts %+v, want %d %d %d %d", q, len(w.noHousehold), len(w.overStay), len(w.expired), len(w.expiring))
			}
			for _, l := range []struct {
				list people.QualityList
				want []string
			}{{people.ListNoHousehold, w.noHousehold}, {people.ListOverStay, w.overStay}, {people.ListPermitExpired, w.expired}, {people.ListPermitExpiring, w.expiring}} {
				got, total, err := f.s.QualityPersons(f.ctx, a, l.list, 100, 0)
				if err != nil {
					t.Fatal(err)
				}
				ok := slices.Equal(names(got), l.want) // sorted by the date in question
				if l.list == people.ListNoHousehold {
					ok = sameSet(names(got), l.want)
				}
				if !ok || total != len(l.want) {
					t.Errorf("%s: %v (%d), want %v", l.list, names(got), total, l.want)
				}
			}
			if _, total, _ := f.s.QualityPersons(f.ctx, a, "nonsense", 10, 0); total != 0 {
				t.Errorf("unknown list has %d", total)
			}
		}
		everyone := []string{"超期", "未超期", "已过期", "今天到期", "将到期", "远期", "户籍"}
		t.Run("today", func(t *testing.T) {
			check(t, f.staffA, want{
				noHousehold: everyone,
				overStay:    []string{"超期"},
				expired:     []string{"已过期"},
				expiring:    []string{"今天到期", "将到期"},
			})
			check(t, f.admin, want{
				noHousehold: append(slices.Clone(everyone), "乙超期"),
				overStay:    []string{"乙超期", "超期"},
				expired:     []string{"乙超期", "已过期"},
				expiring:    []string{"今天到期", "将到期"},
			})
		})
		t.Run("35 days later", func(t *testing.T) {
			f.s.Now = func() time.Time { return regClock.AddDate(0, 0, 35) } // 2026-07-20
			defer func() { f.s.Now = func() time.Time { return regClock } }()
			check(t, f.staffA, want{
				noHousehold: everyone,
				overStay:    []string{"超期", "未超期"},
				expired:     []string{"已过期", "今天到期", "将到期"},
				expiring:    []string{"远期"},
			})
		})
		t.Run("committee archived", func(t *testing.T) {
			// Committee C of the other subdistrict is closed while a person
			// is still registered there.
			inC := f.in("丙居民", makeID(t, "640104", "19900101", "399"))
			inC.OrgID = f.c.ID
			pc := f.create(t, f.staffC, inC)
			district := &auth.Actor{UserID: f.admin.UserID, Username: "district", Role: auth.StreetAdmin, OrgPath: f.dist.Path}
			if err := (&org.Service{DB: d}).SetArchived(f.ctx, district, f.c.ID, true); err != nil {
				t.Fatal(err)
			}
			for _, c := range []struct {
				actor *auth.Actor
				want  int
			}{{district, 1}, {f.staffC, 1}, {f.admin, 0}, {f.staffA, 0}} {
				q, err := f.s.QualityCounts(f.ctx, c.actor)
				if err != nil || q.CommitteeGone != c.want {
					t.Errorf("%s: committee gone %+v %v, want %d", c.actor.Username, q, err, c.want)
				}
			}
			list, total, err := f.s.QualityPersons(f.ctx, district, people.ListCommitteeGone, 10, 0)
			if err != nil || total != 1 || list[0].ID != pc.ID {
				t.Fatalf("committee gone list %v %d %v", names(list), total, err)
			}
		})
		t.Run("paging", func(t *testing.T) {
			got, total, err := f.s.QualityPersons(f.ctx, f.staffA, people.ListNoHousehold, 2, 2)
			if err != nil || total != len(everyone) || len(got) != 2 {
				t.Fatalf("page: %v %d %v", names(got), total, err)
			}
		})
	})
}

// TestNoClearSensitiveData checks that after all kinds of changes no ID
// number and no phone number is stored in clear anywhere: not in any
// table, and for SQLite not in the database or WAL file.
func TestNoClearSensitiveData(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		f := newRegFix(t, d)
		var secrets []string
		var created []*people.Person
		for i, r := range []struct{ name, region, birth, seq, phone string }{
			{"马明", "640104", "19800505", "011", "13812345678"},
			{"马明", "640105", "19800505", "031", "13987654321"},
			{"阿依古丽·买买提", "650102", "19920202", "024", "15000001111"},
			{"金顺姬", "222401", "19781130", "046", "021-62345678"},
			{"李娜", "110105", "20010101", "", "18600002222"},
		} {
			var id string
			if r.seq == "" {
				id = idEnding(t, r.region, 2001, "123X")
			} else {
				id = makeID(t, r.region, r.birth, r.seq)
			}
			in := f.in(r.name, id)
			in.Phone = r.phone
			if i%2 == 1 {
				in.OrgID = f.b.ID
			}
			p := f.create(t, f.admin, in)
			created = append(created, p)
			phone, _ := ref.NormalisePhone(r.phone)
			secrets = append(secrets, id, phone, strings.ReplaceAll(phone, "-", ""))
		}
		// Exercise every write path: update with a new phone, reveal,
		// searches by ID and phone, lifecycle, household, assignment,
		// merge, archive, a refused duplicate.
		p0 := created[0]
		up := f.in(p0.Name, "")
		up.Phone, up.Version = "13600003333", p0.Version
		secrets = append(secrets, "13600003333")
		if err := f.s.Update(f.ctx, f.admin, p0.ID, up); err != nil {
			t.Fatal(err)
		}
		for _, p := range created {
			for _, field := range []string{"id_number", "phone"} {
				if _, err := f.s.Reveal(f.ctx, f.admin, p.ID, field, "核对"); err != nil {
					t.Fatal(err)
				}
			}
		}
		for _, s := range secrets {
			if _, _, err := f.s.Search(f.ctx, f.admin, people.Filter{Q: s}); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := f.s.Create(f.ctx, f.admin, f.in("重复", secrets[0])); errs.KindOf(err) != errs.Conflict {
			t.Fatalf("duplicate: %v", err)
		}
		h := f.household(t, f.admin, f.a.ID, "P1")
		f.member(t, f.admin, created[2].ID, h.ID, "户主")
		f.assign(t, f.admin, f.liaison, []int64{created[1].ID}, []int64{h.ID}, true)
		if err := f.s.Lifecycle(f.ctx, f.admin, created[3].ID, people.Change{Kind: "moved_out", Date: "2026-01-01", Version: created[3].Version}); err != nil {
			t.Fatal(err)
		}
		if err := f.s.Merge(f.ctx, f.admin, created[0].ID, created[1].ID); err != nil {
			t.Fatal(err)
		}
		if err := f.s.SetArchived(f.ctx, f.admin, created[4].ID, true, "测试"); err != nil {
			t.Fatal(err)
		}

		check := func(where string, data []byte) {
			t.Helper()
			for _, s := range secrets {
				if bytes.Contains(data, []byte(s)) {
					t.Errorf("%s holds %s in clear", where, s)
				}
			}
		}
		tables := f.tables(t)
		for _, want := range []string{"persons", "person_events", "audit_log", "households", "liaison_assignments"} {
			if !slices.Contains(tables, want) {
				t.Fatalf("table %s not found among %v", want, tables)
			}
		}
		var all []byte
		for _, tb := range tables {
			data, n := f.dumpTable(t, tb)
			check("table "+tb, data)
			if (tb == "persons" || tb == "person_events" || tb == "audit_log") && n == 0 {
				t.Errorf("table %s is empty", tb)
			}
			all = append(all, data...)
		}
		// The dump is real: it holds the names, masks and ciphertexts.
		for _, s := range []string{"阿依古丽·买买提", "138****5678", "view_sensitive"} {
			if !bytes.Contains(all, []byte(s)) {
				t.Errorf("dump lacks %q: the check reads nothing", s)
			}
		}
		var enc []byte
		if err := d.QueryRow(f.ctx, `SELECT id_enc FROM persons WHERE id = ?`, created[2].ID).Scan(&enc); err != nil || len(enc) < 18 || !bytes.Contains(all, enc) {
			t.Errorf("dump lacks the ciphertext of an ID number (%d bytes, %v)", len(enc), err)
		}

		if d.Dialect != db.SQLite {
			return
		}
		if _, err := d.W.ExecContext(f.ctx, `PRAGMA wal_checkpoint(TRUNCATE)`); err != nil {
			t.Fatal(err)
		}
		var seqNo int
		var schema, file string
		if err := d.W.QueryRowContext(f.ctx, `PRAGMA database_list`).Scan(&seqNo, &schema, &file); err != nil || file == "" {
			t.Fatalf("database file: %q %v", file, err)
		}
		files, _ := filepath.Glob(file + "*")
		if len(files) == 0 {
			t.Fatalf("no files at %s", file)
		}
		found := false
		for _, fn := range files {
			data, err := os.ReadFile(fn)
			if err != nil {
				t.Fatal(err)
			}
			check(filepath.Base(fn), data)
			found = found || bytes.Contains(data, []byte("阿依古丽·买买提"))
		}
		if !found {
			t.Errorf("database files %v do not hold the names: the check reads nothing", files)
		}
	})
}

// TestModelHelpers checks the small readers of roster values and the age.
func TestModelHelpers(t *testing.T) {
	tagCases := []struct {
		cell    string
		want    people.Tags
		unknown []string
	}{
		{"", 0, nil},
		{"困难户", people.Tags(people.TagHardship), nil},
		{"低保户，残疾人、独居 ;代表人士；志愿者 联络员/中共党员", people.Tags(people.TagSubsistence | people.TagDisabled | people.TagElderlyAlone |
			people.TagRepresentative | people.TagVolunteer | people.TagLiaison | people.TagPartyMember), nil},
		{"volunteer,party_member", people.Tags(people.TagVolunteer | people.TagPartyMember), nil},
		{"困难, 退役军人　低保", people.Tags(people.TagHardship | people.TagSubsistence), []string{"退役军人"}},
	}
	for _, c := range tagCases {
		got, unknown := people.SplitTags(c.cell)
		if got != c.want || !slices.Equal(unknown, c.unknown) {
			t.Errorf("SplitTags(%q) = %v %q, want %v %q", c.cell, got, unknown, c.want, c.unknown)
		}
	}
	ts := people.Tags(people.TagVolunteer | people.TagHardship)
	if !ts.Has(people.TagVolunteer) || ts.Has(people.TagDisabled) || !slices.Equal(ts.Keys(), []string{"hardship", "volunteer"}) ||
		!slices.Equal(ts.Names(), []string{"困难户", "志愿者"}) {
		t.Errorf("tags %v: keys %v names %v", ts, ts.Keys(), ts.Names())
	}
	for _, c := range []struct {
		cell string
		want people.WorkplaceKind
		ok   bool
	}{{"", people.WorkNone, true}, {"无", people.WorkNone, true}, {" 社区单位 ", people.WorkLocalUnit, true}, {"驻区单位", people.WorkLocalUnit, true},
		{"两新组织", people.WorkNewOrg, true}, {"2", people.WorkNewOrg, true}, {"外企", people.WorkNone, false}} {
		if got, ok := people.ParseWorkplaceKind(c.cell); got != c.want || ok != c.ok {
			t.Errorf("ParseWorkplaceKind(%q) = %d %v", c.cell, got, ok)
		}
	}
	p := &people.Person{BirthDate: "1985-03-12"}
	for on, want := range map[string]int{"2026-03-11": 40, "2026-03-12": 41, "2026-12-31": 41, "1985-03-12": 0, "": 0} {
		if got := p.Age(on); got != want {
			t.Errorf("age on %q = %d, want %d", on, got, want)
		}
	}
	if (&people.Person{}).Age("2026-01-01") != 0 {
		t.Error("age without birth date")
	}
}
