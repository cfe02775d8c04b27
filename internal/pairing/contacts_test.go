package pairing_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"shiliu/internal/auth"
	"shiliu/internal/cases"
	"shiliu/internal/db"
	"shiliu/internal/dbtest"
	"shiliu/internal/errs"
	"shiliu/internal/pairing"
	"shiliu/internal/workday"
)

func contactIDs(cs []*pairing.Contact) []int64 {
	out := []int64{}
	for _, c := range cs {
		out = append(out, c.ID)
	}
	slices.Sort(out)
	return out
}

// TestContacts logs befriending contacts with representative figures and
// checks who may log them, with whom, and who sees them.
func TestContacts(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		f := newFix(t, d)
		in := func(person int64, mod ...func(*pairing.ContactInput)) pairing.ContactInput {
			c := pairing.ContactInput{PersonID: person, Date: "2026-06-01", Mode: pairing.ModeVisit, Topic: "走访了解近况"}
			for _, m := range mod {
				m(&c)
			}
			return c
		}
		opinion := func(c *pairing.ContactInput) { c.Opinion = " 希望社区增设清真食堂窗口 " }
		cases := []struct {
			name     string
			actor    *auth.Actor
			in       pairing.ContactInput
			fields   map[string]string
			kind     errs.Kind
			wantUser int64
		}{
			{name: "committee staff, with an opinion", actor: f.staffA, in: in(f.repA.ID, opinion), wantUser: f.staffA.UserID},
			{name: "subdistrict admin by phone", actor: f.admin, in: in(f.repB.ID, func(c *pairing.ContactInput) { c.Mode = pairing.ModePhone }), wantUser: f.admin.UserID},
			{name: "admin records an official's meeting", actor: f.admin,
				in: in(f.repA2.ID, func(c *pairing.ContactInput) { c.Mode, c.UserID = pairing.ModeMeeting, f.staffA.UserID }), wantUser: f.staffA.UserID},
			{name: "liaison with an assigned figure", actor: f.liaisonA, in: in(f.repA.ID, opinion), wantUser: f.liaisonA.UserID},
			{name: "liaison with a figure not assigned", actor: f.liaisonA, in: in(f.repA2.ID), fields: map[string]string{"person_id": "err.person_unknown"}},
			{name: "liaison names someone else", actor: f.liaisonA, in: in(f.repA.ID, func(c *pairing.ContactInput) { c.UserID = f.staffA.UserID }),
				fields: map[string]string{"user_id": "err.user_unknown"}},
			{name: "not a representative figure", actor: f.staffA, in: in(f.plainA.ID), fields: map[string]string{"person_id": "err.not_representative"}},
			{name: "figure of a sibling committee", actor: f.staffA, in: in(f.repB.ID), fields: map[string]string{"person_id": "err.person_unknown"}},
			{name: "no person, mode, topic; future date", actor: f.staffA,
				in:     pairing.ContactInput{Date: "2026-06-16", Mode: "letter", Note: strings.Repeat("记", 2001)},
				fields: map[string]string{"person_id": "err.required", "mode": "err.required", "topic": "err.required", "date": "err.date_future", "note": "err.too_long"}},
			{name: "official of another subdistrict", actor: f.admin, in: in(f.repA.ID, func(c *pairing.ContactInput) { c.UserID = f.staffC.UserID }),
				fields: map[string]string{"user_id": "err.user_unknown"}},
			{name: "a leader logs none", actor: f.leader, in: in(f.repA.ID), kind: errs.Forbidden},
		}
		made := map[string]*pairing.Contact{}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				got, err := f.s.LogContact(f.ctx, c.actor, c.in)
				switch {
				case c.fields != nil:
					wantFields(t, err, c.fields)
					return
				case c.kind != 0:
					wantKind(t, err, c.kind, "")
					return
				case err != nil:
					t.Fatalf("log contact: %v", err)
				}
				if got.PersonID != c.in.PersonID || got.UserID != c.wantUser || got.Date != c.in.Date || got.Mode != c.in.Mode || got.Topic != c.in.Topic ||
					got.Opinion != strings.TrimSpace(c.in.Opinion) || got.HasOpinion() != (c.in.Opinion != "") || got.CaseID != 0 || got.CreatedBy != c.actor.Username {
					t.Errorf("contact %+v", got)
				}
				f.wantAudit(t, "create", "contact", got.ID, 1, c.actor.Username)
				made[c.name] = got
			})
		}
		staffA, admin, official, liaison := made["committee staff, with an opinion"], made["subdistrict admin by phone"],
			made["admin records an official's meeting"], made["liaison with an assigned figure"]
		if staffA == nil || admin == nil || official == nil || liaison == nil {
			t.Fatal("contacts missing")
		}
		if staffA.OrgID != f.a.ID || staffA.PersonName != "代表甲" || staffA.UserName != "测试staffa" || staffA.Opinion != "希望社区增设清真食堂窗口" {
			t.Errorf("contact shown as %+v", staffA)
		}

		scopes := []struct {
			name  string
			actor *auth.Actor
			flt   pairing.ContactFilter
			want  []*pairing.Contact
		}{
			{"admin", f.admin, pairing.ContactFilter{}, []*pairing.Contact{staffA, admin, official, liaison}},
			{"committee A", f.staffA, pairing.ContactFilter{}, []*pairing.Contact{staffA, official, liaison}},
			{"committee B", f.staffB, pairing.ContactFilter{}, []*pairing.Contact{admin}},
			{"committee C", f.staffC, pairing.ContactFilter{}, nil},
			{"liaison A: own and assigned figure's", f.liaisonA, pairing.ContactFilter{}, []*pairing.Contact{staffA, liaison}},
			{"with an opinion", f.admin, pairing.ContactFilter{WithOpinion: true}, []*pairing.Contact{staffA, liaison}},
			{"by person", f.admin, pairing.ContactFilter{PersonID: f.repA2.ID}, []*pairing.Contact{official}},
			{"by official", f.admin, pairing.ContactFilter{UserID: f.staffA.UserID}, []*pairing.Contact{staffA, official}},
			{"by committee", f.admin, pairing.ContactFilter{OrgID: f.b.ID}, []*pairing.Contact{admin}},
			{"period excluding", f.admin, pairing.ContactFilter{From: "2026-06-02"}, nil},
			{"period including", f.admin, pairing.ContactFilter{From: "2026-06-01", To: "2026-06-01"}, []*pairing.Contact{staffA, admin, official, liaison}},
		}
		for _, c := range scopes {
			t.Run("list "+c.name, func(t *testing.T) {
				list, total, err := f.s.Contacts(f.ctx, c.actor, c.flt)
				if err != nil {
					t.Fatal(err)
				}
				want := contactIDs(c.want)
				if got := contactIDs(list); !slices.Equal(got, want) || total != len(want) {
					t.Errorf("contacts %v (total %d), want %v", got, total, want)
				}
			})
		}
		_, err := f.s.Contact(f.ctx, f.staffB, staffA.ID)
		wantOutOfScope(t, err)

		// An opinion logged without the cases service at hand is linked to
		// its feedback case afterwards; the case must exist.
		cs := f.cases(t)
		k1, k2 := f.feedback(t, cs, f.repA.ID), f.feedback(t, cs, f.repA.ID)
		if err := f.s.LinkContactCase(f.ctx, f.staffA, staffA.ID, k1); err != nil {
			t.Fatal(err)
		}
		if got, _ := f.s.Contact(f.ctx, f.staffA, staffA.ID); got.CaseID != k1 {
			t.Errorf("case %d, want %d", got.CaseID, k1)
		}
		f.wantAudit(t, "link_case", "contact", staffA.ID, 1, "staffa")
		wantKind(t, f.s.LinkContactCase(f.ctx, f.staffA, staffA.ID, k2), errs.Conflict, "err.contact_linked")
		wantKind(t, f.s.LinkContactCase(f.ctx, f.admin, liaison.ID, k1), errs.Conflict, "err.contact_linked") // one case tracks one contact
		wantKind(t, f.s.LinkContactCase(f.ctx, f.admin, admin.ID, k2), errs.Invalid, "err.contact_no_opinion")
		wantKind(t, f.s.LinkContactCase(f.ctx, f.admin, liaison.ID, k2+1000), errs.Invalid, "err.invalid_form") // no such case
		wantOutOfScope(t, f.s.LinkContactCase(f.ctx, f.staffB, liaison.ID, k2))
		list, _, _ := f.s.Contacts(f.ctx, f.admin, pairing.ContactFilter{Unlinked: true})
		if got := contactIDs(list); !slices.Equal(got, []int64{liaison.ID}) {
			t.Errorf("unlinked opinions %v, want [%d]", got, liaison.ID)
		}
	})
}

// cases returns a cases service on the fixture's database.
func (f *fix) cases(t *testing.T) *cases.Service {
	cs := cases.New(f.d, f.keys, t.TempDir())
	cs.Cal = cases.FromSource((&workday.Source{DB: f.d}).Calendar)
	cs.Now = func() time.Time { return clock }
	cs.People.Now = cs.Now
	return cs
}

// feedback opens a feedback case about person and returns its id.
func (f *fix) feedback(t *testing.T, cs *cases.Service, person int64) int64 {
	t.Helper()
	c, err := cs.Intake(f.ctx, f.admin, cases.IntakeInput{Channel: cases.Visit, Kind: cases.Feedback, Urgency: cases.Normal, PersonID: person, Summary: "意见"})
	if err != nil {
		t.Fatal(err)
	}
	return c.ID
}

// failingIntake opens the case, then fails: the contact must not stay.
type failingIntake struct{ cs *cases.Service }

func (fi failingIntake) FeedbackCase(ctx context.Context, tx *db.Tx, a *auth.Actor, personID int64, opinion string) (int64, func(), error) {
	if _, _, err := fi.cs.FeedbackCase(ctx, tx, a, personID, opinion); err != nil {
		return 0, nil, err
	}
	return 0, nil, errors.New("the link fails")
}

// TestContactOpensItsCase: a contact with an opinion, its feedback case
// and their link are written in one transaction: all three, or nothing.
func TestContactOpensItsCase(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		f := newFix(t, d)
		cs := f.cases(t)
		count := func(table string) int {
			var n int
			if err := d.QueryRow(f.ctx, "SELECT COUNT(*) FROM "+table).Scan(&n); err != nil {
				t.Fatal(err)
			}
			return n
		}
		in := pairing.ContactInput{PersonID: f.repA.ID, Date: "2026-06-01", Mode: pairing.ModeVisit, Topic: "走访", Opinion: "希望增设清真食堂窗口"}

		f.s.Feedback = failingIntake{cs}
		contacts, kases := count("contacts"), count("cases")
		if _, err := f.s.LogContact(f.ctx, f.staffA, in); err == nil {
			t.Fatal("a failing case intake saved the contact")
		}
		if count("contacts") != contacts || count("cases") != kases {
			t.Fatalf("a failure in the middle left %d contacts and %d cases, want %d and %d", count("contacts"), count("cases"), contacts, kases)
		}

		f.s.Feedback = cs
		c, err := f.s.LogContact(f.ctx, f.staffA, in)
		if err != nil {
			t.Fatal(err)
		}
		if c.CaseID == 0 {
			t.Fatal("the opinion opened no case")
		}
		k, err := cs.Get(f.ctx, f.staffA, c.CaseID)
		if err != nil {
			t.Fatal(err)
		}
		if k.Kind != cases.Feedback || k.Summary != in.Opinion || k.PersonID != f.repA.ID || k.Channel != cases.Visit {
			t.Errorf("case %+v, want a feedback case of the opinion about the figure", k)
		}
		f.wantAudit(t, "link_case", "contact", c.ID, 1, "staffa")
		// Without an opinion, no case.
		in.Opinion = ""
		if c, err := f.s.LogContact(f.ctx, f.staffA, in); err != nil || c.CaseID != 0 {
			t.Errorf("contact without an opinion: case %d, %v", c.CaseID, err)
		}
		if got := count("cases"); got != kases+1 {
			t.Errorf("%d cases, want %d", got, kases+1)
		}
	})
}
