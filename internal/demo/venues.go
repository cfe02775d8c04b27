package demo

import (
	"bytes"
	"context"
	"fmt"
	"time"

	"shiliu/internal/db"
	"shiliu/internal/errs"
	"shiliu/internal/partner"
	"shiliu/internal/ref"
	"shiliu/internal/venue"
)

// VenueStats is what the venues step made.
type VenueStats struct {
	Venues, Bookings, Partners, Agreements int
}

// demoVenues are the rooms of a subdistrict: two rooms of its 民族之家 and
// the community school, with their hours (weekday from–to, 1 = Monday).
var demoVenues = []struct {
	name     string
	capacity int
	hours    [][3]string
}{
	{"民族之家多功能厅", 60, [][3]string{{"1", "08:30", "21:00"}, {"2", "08:30", "21:00"}, {"3", "08:30", "21:00"}, {"4", "08:30", "21:00"},
		{"5", "08:30", "21:00"}, {"6", "09:00", "17:00"}}},
	{"民族之家活动室", 20, [][3]string{{"1", "08:30", "21:00"}, {"2", "08:30", "21:00"}, {"3", "08:30", "21:00"}, {"4", "08:30", "21:00"},
		{"5", "08:30", "21:00"}, {"6", "09:00", "21:00"}, {"7", "09:00", "17:00"}}},
	{"社区学校教室", 40, [][3]string{{"1", "18:00", "21:00"}, {"2", "18:00", "21:00"}, {"3", "18:00", "21:00"}, {"4", "18:00", "21:00"},
		{"5", "18:00", "21:00"}, {"6", "09:00", "17:00"}, {"7", "09:00", "17:00"}}},
}

// outsideGroups book the rooms: who, for what, how many.
var outsideGroups = []struct {
	name, purpose string
	people        int
}{
	{"石榴小学合唱团", "合唱排练", 25}, {"社区卫生服务中心", "健康讲座", 30}, {"老年大学书画班", "书画练习", 15}, {"街道司法所", "普法宣传", 20},
	{"兰州牛肉面馆（清真）", "员工食品安全培训", 12}, {"巧手编织队", "为福利院孩子编织", 10}, {"社区舞蹈队", "民族舞排练", 18}, {"业主委员会", "议事会", 16},
}

// demoPartners are a subdistrict's partner organisations; onCommittee puts
// one on the first committee instead.
var demoPartners = []struct {
	name        string
	typ         partner.Type
	contact     string
	onCommittee bool
}{
	{"兰州牛肉面馆（清真）", partner.Restaurant, "马建国", true},
	{"和谐养老院", partner.CareHome, "李淑芬", false},
	{"街道司法所", partner.Judicial, "王志强", false},
	{"石榴小学", partner.School, "张老师", false},
	{"同心物业服务有限公司", partner.Firm, "陈经理", true},
	{"社区卫生服务中心", partner.Hospital, "刘医生", false},
}

// genVenues gives each subdistrict its 民族之家 rooms and community school
// with hours, outside groups' bookings over the past three months and the
// coming four weeks, and its partner organisations with agreements — one
// ending within 30 days, one ended.
func genVenues(ctx context.Context, g *Gen) error {
	today := g.Opt.Today.In(ref.China)
	vs, ps := venue.New(g.DB), partner.New(g.DB)
	vs.Now, ps.Now = func() time.Time { return today }, func() time.Time { return today }
	st := &g.Res.Venues
	a := demoActor
	day := func(t time.Time) string { return t.Format(db.DateLayout) }
	for _, sub := range g.Res.Subdistricts {
		committees := sub.ChildrenOf("committee")
		var rooms []*venue.Venue
		for _, dv := range demoVenues {
			in := venue.Input{OrgID: sub.ID, Name: dv.name, Capacity: dv.capacity, Address: sub.Name + "民族之家"}
			if dv.name == "社区学校教室" {
				in.Address = sub.Name + "社区学校"
			}
			for _, h := range dv.hours {
				in.Hours = append(in.Hours, venue.Hours{Weekday: int(h[0][0] - '0'), Opens: h[1], Closes: h[2]})
			}
			v, err := vs.Create(ctx, a, in)
			if err != nil {
				return fmt.Errorf("venue: %w", err)
			}
			rooms = append(rooms, v)
			st.Venues++
		}
		// about six outside bookings a week in each room, 13 weeks back and 4 ahead
		for d := today.AddDate(0, 0, -91); d.Before(today.AddDate(0, 0, 28)); d = d.AddDate(0, 0, 1) {
			for k := 0; k < 4; k++ {
				if g.R.IntN(2) != 0 {
					continue
				}
				v := rooms[g.R.IntN(len(rooms))]
				wd := (int(d.Weekday())+6)%7 + 1
				h, open := v.HoursOn(wd)
				if !open {
					continue
				}
				og := outsideGroups[g.R.IntN(len(outsideGroups))]
				opens, _ := time.Parse("15:04", h.Opens)
				closes, _ := time.Parse("15:04", h.Closes)
				slots := int(closes.Sub(opens).Hours()) - 1
				if slots < 1 {
					continue
				}
				start := opens.Add(time.Duration(g.R.IntN(slots)) * time.Hour)
				end := start.Add(time.Duration(60+30*g.R.IntN(3)) * time.Minute)
				if end.After(closes) {
					end = closes
				}
				people := min(og.people, v.Capacity)
				booker := sub.ID
				if len(committees) > 0 && g.R.IntN(2) == 0 {
					booker = committees[g.R.IntN(len(committees))].ID
				}
				_, err := vs.Book(ctx, a, venue.BookingInput{VenueID: v.ID, OrgID: booker, Date: day(d), StartTime: start.Format("15:04"),
					EndTime: end.Format("15:04"), GroupName: og.name, Purpose: og.purpose, People: people})
				if errs.KindOf(err) == errs.Conflict {
					continue // the room is taken then: the group goes elsewhere
				}
				if err != nil {
					return fmt.Errorf("booking: %w", err)
				}
				st.Bookings++
			}
		}
		// partners and their agreements
		for i, dp := range demoPartners {
			orgID := sub.ID
			if dp.onCommittee && len(committees) > 0 {
				orgID = committees[0].ID
			}
			p, err := ps.Create(ctx, a, partner.Input{OrgID: orgID, Name: dp.name, Type: dp.typ, ContactName: dp.contact,
				ContactPhone: fmt.Sprintf("1390000%04d", 100*st.Partners+i), Address: sub.Name + "辖区"})
			if err != nil {
				return fmt.Errorf("partner: %w", err)
			}
			st.Partners++
			var starts, ends time.Time
			switch i {
			case 1: // the care home's ends within 30 days
				starts, ends = today.AddDate(-2, 0, 18), today.AddDate(0, 0, 18)
			case 4: // the firm's has ended, not renewed
				starts, ends = today.AddDate(-1, -1, -10), today.AddDate(0, 0, -40)
			default:
				starts, ends = today.AddDate(0, -2-g.R.IntN(10), 0), today.AddDate(1+g.R.IntN(2), 0, 0)
			}
			title := "民族团结共建互助协议"
			if dp.typ == partner.Restaurant {
				title = "清真餐饮助老送餐协议"
			}
			if _, err := ps.AddAgreement(ctx, a, p.ID, partner.AgreementInput{Title: title, SignedOn: day(starts), StartsOn: day(starts), EndsOn: day(ends),
				FileName: "协议.pdf", File: bytes.NewReader(demoPDF(dp.name, title))}); err != nil {
				return fmt.Errorf("agreement: %w", err)
			}
			st.Agreements++
			if err := linkActivities(ctx, g, p); err != nil {
				return err
			}
		}
	}
	return nil
}

// partnerKinds are the kinds of activity a type of partner takes part in.
var partnerKinds = map[partner.Type][]string{
	partner.Hospital: {"health_talk", "two_way_service"}, partner.School: {"competition", "performance"}, partner.Judicial: {"publicity", "forum"},
	partner.Restaurant: {"festival", "holiday_visit"}, partner.CareHome: {"holiday_visit", "two_way_service"}, partner.Firm: {"publicity"},
}

// linkActivities names the partner on a few activities of its kinds held
// by its unit or the units under it, as the activity form does.
func linkActivities(ctx context.Context, g *Gen, p *partner.Partner) error {
	kinds := partnerKinds[p.Type]
	if len(kinds) == 0 {
		return nil
	}
	rows, err := g.DB.Query(ctx, `SELECT x.id FROM activities x JOIN activity_kinds k ON k.id = x.kind_id JOIN org_units o ON o.id = x.org_id
		WHERE k.code IN (`+db.Placeholders(len(kinds))+`) AND o.path >= ? AND o.path < ? ORDER BY x.starts_at DESC, x.id LIMIT 5`,
		append(anyStrings(kinds), p.OrgPath, p.OrgPath[:len(p.OrgPath)-1]+"0")...)
	ids, err := db.Collect(rows, err, db.ScanID)
	if err != nil {
		return fmt.Errorf("partner activities: %w", err)
	}
	for _, id := range ids {
		if _, err := g.DB.Exec(ctx, `INSERT INTO activity_partners (activity_id, partner_id) VALUES (?, ?) ON CONFLICT DO NOTHING`, id, p.ID); err != nil {
			return fmt.Errorf("link partner: %w", err)
		}
	}
	return nil
}

func anyStrings(xs []string) []any {
	out := make([]any, len(xs))
	for i, x := range xs {
		out[i] = x
	}
	return out
}

// demoPDF is a one-page PDF standing in for a scanned agreement.
func demoPDF(who, title string) []byte {
	return []byte("%PDF-1.4\n% " + who + " " + title + "\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n" +
		"2 0 obj << /Type /Pages /Kids [3 0 R] /Count 1 >> endobj\n3 0 obj << /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >> endobj\n" +
		"trailer << /Root 1 0 R >>\n%%EOF\n")
}
