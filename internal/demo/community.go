package demo

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"time"

	"shiliu/internal/activity"
	"shiliu/internal/db"
	"shiliu/internal/errs"
	"shiliu/internal/ref"
	"shiliu/internal/venue"
)

// CommunityStats is what the community step made.
type CommunityStats struct {
	Activities, Series, Attendances, HoursLogged, Teams, Photos int
}

// communityPerson is a resident the community step signs up.
type communityPerson struct {
	id, household int64
	tags          int
	minority      bool
}

// classTitles are the interest classes and teams a committee runs.
var classTitles = []string{"民族刺绣兴趣班", "民族舞蹈队排练", "书法兴趣班", "民族团结合唱团排练", "健身操队", "民族乐器兴趣班"}

// oneOffs are one-off activities a committee holds in a year: kind, title,
// month and day (a month of 0 is spread over the year).
var oneOffs = []struct {
	kind, title, place string
	month, day         int
}{
	{"publicity", "学雷锋日民族政策宣传", "社区广场", 3, 5},
	{"publicity", "“五一”劳动节民族团结宣传", "社区广场", 5, 1},
	{"lecture", "民族团结进步知识讲座", "民族之家", 4, 18},
	{"health_talk", "中医健康讲座", "社区卫生服务中心", 6, 12},
	{"two_way_service", "双向服务：为少数民族群众义诊理发", "民族之家", 7, 20},
	{"forum", "少数民族代表人士座谈会", "居委会议室", 8, 27},
	{"study_trip", "参观民族团结进步教育基地", "市民族博物馆", 10, 15},
	{"competition", "民族知识竞赛", "社区学校", 11, 8},
	{"festival", "中秋联欢会", "民族之家", 9, 25},
	{"performance", "迎新春文艺演出", "社区学校", 1, 25},
}

// genCommunity makes a year of community life: the liaisons' study meeting
// on the second and fourth Wednesday (an open series with its roll calls),
// a term of a weekly interest class per committee with its roster, roll
// calls and one session cancelled, one-off activities through the year,
// holiday visits to hardship households at Eid al-Fitr and the Spring
// Festival, volunteers' hours logged (most approved, some waiting) and a
// volunteer team per subdistrict.
func genCommunity(ctx context.Context, g *Gen) error {
	if g.Opt.Persons <= 0 {
		return nil
	}
	today := g.Opt.Today.In(ref.China)
	clock := today
	s := activity.New(g.DB)
	s.Now = func() time.Time { return clock }
	st := &g.Res.Community
	a := demoActor
	day := func(t time.Time) string { return t.Format(db.DateLayout) }

	for _, sub := range g.Res.Subdistricts {
		committees := sub.ChildrenOf("committee")
		if len(committees) > 6 {
			committees = committees[:6]
		}
		// the subdistrict's residents by committee
		byOrg := map[int64][]communityPerson{}
		var liaisons, volunteers []communityPerson
		var hardshipHomes []int64
		for _, c := range sub.ChildrenOf("committee") {
			rows, err := g.DB.Query(ctx, `SELECT id, COALESCE(household_id, 0), tags, ethnicity FROM persons WHERE org_id = ? AND status = 'active' ORDER BY id LIMIT 400`, c.ID)
			list, err := db.Collect(rows, err, func(sc db.Scanner) (communityPerson, error) {
				var p communityPerson
				var eth string
				err := sc.Scan(&p.id, &p.household, &p.tags, &eth)
				p.minority = eth != "01"
				return p, err
			})
			if err != nil {
				return err
			}
			byOrg[c.ID] = list
			seen := map[int64]bool{}
			for _, p := range list {
				switch {
				case p.tags&tagLiaison != 0:
					liaisons = append(liaisons, p)
				case p.tags&tagVolunteer != 0:
					volunteers = append(volunteers, p)
				}
				if p.tags&tagHardship != 0 && p.household != 0 && !seen[p.household] && len(hardshipHomes) < 40 {
					seen[p.household] = true
					hardshipHomes = append(hardshipHomes, p.household)
				}
			}
		}

		// the liaisons' study meeting, twice a month, for a year
		first := today.AddDate(-1, 0, 0)
		study, err := s.Create(ctx, a, activity.Input{OrgID: sub.ID, KindCode: activity.KindLiaisonStudy, Title: "少数民族联络员学习会",
			Date: day(first), StartTime: "14:00", EndTime: "15:30", Place: "民族之家会议室", Repeat: "FREQ=MONTHLY;BYDAY=2WE,4WE"})
		if err != nil {
			return fmt.Errorf("study meeting: %w", err)
		}
		st.Series++
		if err := rollCalls(ctx, g, s, study.SeriesID, liaisons, day(today), 80, st); err != nil {
			return err
		}

		for ci, c := range committees {
			people := byOrg[c.ID]
			if len(people) == 0 {
				continue
			}
			// a term of 12 weekly sessions that started about ten weeks ago
			start := today.AddDate(0, 0, -70-7*g.R.IntN(3))
			wd := []string{"MO", "TU", "WE", "TH", "FR"}[g.R.IntN(5)]
			class, err := s.Create(ctx, a, activity.Input{OrgID: c.ID, KindCode: activity.KindInterestClass, Title: classTitles[ci%len(classTitles)],
				Date: day(start), StartTime: "19:00", EndTime: "20:30", Place: "民族之家活动室", Repeat: "FREQ=WEEKLY;BYDAY=" + wd + ";COUNT=12"})
			if err != nil {
				return fmt.Errorf("class: %w", err)
			}
			st.Series++
			members := pickPersons(g, people, 8+g.R.IntN(8), func(p communityPerson) bool { return p.minority })
			for _, p := range members {
				if err := s.AddMember(ctx, a, class.ID, p.id, ""); err != nil {
					return fmt.Errorf("roster: %w", err)
				}
			}
			if vs := pickPersons(g, people, 1, func(p communityPerson) bool { return p.tags&tagVolunteer != 0 }); len(vs) > 0 {
				if err := s.AddMember(ctx, a, class.ID, vs[0].id, activity.RoleHelper); err != nil {
					return fmt.Errorf("roster helper: %w", err)
				}
				members = append(members, vs...)
			}
			// one session cancelled, the past ones called
			ids, err := seriesIDs(ctx, g, class.SeriesID)
			if err != nil {
				return err
			}
			if len(ids) > 4 {
				if err := s.Cancel(ctx, a, ids[3], activity.ThisOne, "活动室维修"); err != nil {
					return err
				}
			}
			if err := rollCalls(ctx, g, s, class.SeriesID, members, day(today), 85, st); err != nil {
				return err
			}

			// one-off activities of the past year (and two ahead)
			for i, o := range oneOffs {
				if (i+ci)%3 == 2 {
					continue
				}
				d := time.Date(today.Year(), time.Month(o.month), o.day, 0, 0, 0, 0, ref.China)
				if d.After(today.AddDate(0, 1, 0)) {
					d = d.AddDate(-1, 0, 0)
				}
				x, err := s.Create(ctx, a, activity.Input{OrgID: c.ID, KindCode: o.kind, Title: o.title, Date: day(d), StartTime: "09:30", EndTime: "11:30",
					Place: o.place, OthersCount: 20 + g.R.IntN(60), OthersMinority: 5 + g.R.IntN(15)})
				if err != nil {
					return fmt.Errorf("%s: %w", o.title, err)
				}
				st.Activities++
				if d.After(today) {
					continue
				}
				for _, p := range pickPersons(g, people, 4+g.R.IntN(10), func(communityPerson) bool { return true }) {
					role := ""
					if p.tags&tagVolunteer != 0 {
						role = activity.RoleHelper
					}
					if err := s.Mark(ctx, a, x.ID, p.id, true, role); err != nil {
						return fmt.Errorf("mark: %w", err)
					}
					st.Attendances++
				}
				if i%2 == 0 {
					if err := s.AddPhoto(ctx, a, x.ID, "photo.png", demoPhoto(i), o.title); err != nil {
						return fmt.Errorf("photo: %w", err)
					}
					st.Photos++
				}
			}
		}

		// holiday visits to hardship households (Eid al-Fitr 2026-03-20,
		// the Spring Festival 2026-02-17, for the demo's year 2026)
		for i, v := range []struct{ festival, title, date string }{
			{"eid_al_fitr", "开斋节走访慰问困难家庭", fmt.Sprintf("%d-03-19", today.Year())},
			{"spring_festival", "春节走访慰问困难家庭", fmt.Sprintf("%d-02-12", today.Year())},
		} {
			homes := hardshipHomes[min(i*6, len(hardshipHomes)):]
			homes = homes[:min(12, len(homes))]
			if len(homes) == 0 {
				break
			}
			if _, err := s.Create(ctx, a, activity.Input{OrgID: sub.ID, KindCode: activity.KindHolidayVisit, Title: v.title, Date: v.date, StartTime: "09:00",
				EndTime: "17:00", Festival: v.festival, HouseholdIDs: homes, Summary: "为困难家庭送去米、油和慰问金，了解节日期间的生活需要。"}); err != nil {
				return fmt.Errorf("holiday visit: %w", err)
			}
			st.Activities++
		}

		// volunteers' own hours: most approved, some waiting
		for i, v := range volunteers {
			if i >= 12 {
				break
			}
			for k := 0; k < 3; k++ {
				d := today.AddDate(0, 0, -3-g.R.IntN(200))
				id, err := s.LogHours(ctx, a, activity.HoursInput{PersonID: v.id, Date: day(d), Hours: []string{"1", "1.5", "2", "3"}[g.R.IntN(4)],
					What: []string{"为福利院儿童编织毛衣", "社区环境清洁", "陪伴独居老人", "协助开展政策宣传"}[g.R.IntN(4)]})
				if err != nil {
					return fmt.Errorf("hours: %w", err)
				}
				st.HoursLogged++
				if k < 2 {
					if err := s.Decide(ctx, a, id, true, ""); err != nil {
						return err
					}
				}
			}
		}
		team, err := s.CreateTeam(ctx, a, activity.TeamInput{OrgID: sub.ID, Name: "爱心编织队", Purpose: "为福利院的孩子编织毛衣、围巾"})
		if err != nil {
			return err
		}
		st.Teams++
		for i, v := range volunteers {
			if i >= 8 {
				break
			}
			if err := s.SetTeamMember(ctx, a, team, v.id, true); err != nil {
				return err
			}
		}
	}
	return nil
}

// pickPersons draws up to n persons matching ok.
func pickPersons(g *Gen, from []communityPerson, n int, ok func(communityPerson) bool) []communityPerson {
	var pool []communityPerson
	for _, p := range from {
		if ok(p) {
			pool = append(pool, p)
		}
	}
	g.R.Shuffle(len(pool), func(i, j int) { pool[i], pool[j] = pool[j], pool[i] })
	if len(pool) > n {
		pool = pool[:n]
	}
	return pool
}

func seriesIDs(ctx context.Context, g *Gen, seriesID int64) ([]int64, error) {
	rows, err := g.DB.Query(ctx, `SELECT id FROM activities WHERE series_id = ? ORDER BY starts_at`, seriesID)
	return db.Collect(rows, err, db.ScanID)
}

// rollCalls marks about pct % of people present at each held occurrence of
// a series up to today.
func rollCalls(ctx context.Context, g *Gen, s *activity.Service, seriesID int64, people []communityPerson, today string, pct int, st *CommunityStats) error {
	rows, err := g.DB.Query(ctx, `SELECT id FROM activities WHERE series_id = ? AND status <> 'cancelled' AND starts_at <= ? ORDER BY starts_at`, seriesID, today+"T23:59")
	ids, err := db.Collect(rows, err, db.ScanID)
	if err != nil {
		return err
	}
	for _, id := range ids {
		for _, p := range people {
			if g.R.IntN(100) >= pct {
				continue
			}
			role := ""
			if p.tags&tagVolunteer != 0 && p.tags&tagLiaison == 0 {
				role = activity.RoleHelper
			}
			if err := s.Mark(ctx, demoActor, id, p.id, true, role); err != nil {
				return fmt.Errorf("roll call: %w", err)
			}
			st.Attendances++
		}
	}
	return nil
}

// demoPhoto is a small picture standing in for an activity's photo.
func demoPhoto(i int) *bytes.Buffer {
	img := image.NewRGBA(image.Rect(0, 0, 64, 48))
	c := color.RGBA{R: uint8(180 + i*7%60), G: uint8(60 + i*23%120), B: uint8(50 + i*31%100), A: 255}
	for y := 0; y < 48; y++ {
		for x := 0; x < 64; x++ {
			img.Set(x, y, c)
		}
	}
	var b bytes.Buffer
	png.Encode(&b, img)
	return &b
}

// genActivityBookings books, for the interest classes and the study
// meetings still to come, the first room of their subdistrict's venues
// where it is free (an outside group may hold the slot: then the class
// meets elsewhere, as offices do).
func genActivityBookings(ctx context.Context, g *Gen) error {
	if g.Opt.Persons <= 0 {
		return nil
	}
	today := g.Opt.Today.In(ref.China)
	vs := venue.New(g.DB)
	vs.Now = func() time.Time { return today }
	rows, err := g.DB.Query(ctx, `SELECT x.id, x.org_id FROM activities x JOIN activity_kinds k ON k.id = x.kind_id
		WHERE k.code IN ('interest_class', 'liaison_study') AND x.status = 'planned' AND x.starts_at >= ? ORDER BY x.starts_at LIMIT 400`,
		today.Format(db.DateLayout))
	type occ struct{ id, org int64 }
	list, err := db.Collect(rows, err, func(sc db.Scanner) (occ, error) {
		var o occ
		return o, sc.Scan(&o.id, &o.org)
	})
	if err != nil {
		return err
	}
	// the first venue of each subdistrict, by any unit below it
	venues := map[int64]int64{}
	for _, sub := range g.Res.Subdistricts {
		var v int64
		if err := g.DB.QueryRow(ctx, `SELECT COALESCE(MIN(id), 0) FROM venues WHERE org_id = ?`, sub.ID).Scan(&v); err != nil {
			return err
		}
		venues[sub.ID] = v
		for _, c := range sub.Children {
			venues[c.ID] = v
		}
	}
	for _, o := range list {
		v := venues[o.org]
		if v == 0 {
			continue
		}
		if _, err := vs.Book(ctx, demoActor, venue.BookingInput{VenueID: v, ActivityID: o.id, People: 15}); err != nil && errs.KindOf(err) == errs.Internal {
			return fmt.Errorf("activity booking: %w", err)
		}
	}
	return nil
}
