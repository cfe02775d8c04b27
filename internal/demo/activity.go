package demo

import (
	"context"
	"fmt"
	"time"

	"shiliu/internal/auth"
	"shiliu/internal/cases"
	"shiliu/internal/db"
	"shiliu/internal/pairing"
	"shiliu/internal/ref"
	"shiliu/internal/workday"
)

// ActivityStats is what the activity step made: a year of cases, pairings
// with their visits, befriending contacts and duty rosters.
type ActivityStats struct {
	Cases, OpenCases, Emergencies, Pairings, Visits, Contacts, Slots, Shifts int
}

// demoPerson is a registry row the activity step draws from.
type demoPerson struct {
	id    int64
	org   int64
	name  string
	tags  int
	phone bool
}

// loadPersons reads the active persons of the registry (the registry step
// wrote them in bulk, so the step asks the database, in id order).
func loadPersons(ctx context.Context, g *Gen, limit int) ([]demoPerson, error) {
	rows, err := g.DB.Query(ctx, `SELECT id, org_id, name, tags, phone_index FROM persons WHERE status = 'active' ORDER BY id LIMIT ?`, limit)
	return db.Collect(rows, err, func(sc db.Scanner) (demoPerson, error) {
		var p demoPerson
		var phone string
		err := sc.Scan(&p.id, &p.org, &p.name, &p.tags, &phone)
		p.phone = phone != ""
		return p, err
	})
}

// caseTemplates are realistic requests by kind, for the demo's cases.
var caseTemplates = map[cases.Kind][]string{
	cases.Consultation: {"咨询少数民族学生中考加分政策", "咨询居住证办理需要哪些材料", "咨询清真食品供应点", "咨询开斋节期间社区活动安排", "咨询民族团结进步创建评选条件"},
	cases.Rights:       {"在餐馆打工被拖欠两个月工资，请求协调", "租房押金被房东扣留，请求帮助", "孩子入学遇到困难，请求协调学校", "务工受伤，用人单位不予理赔"},
	cases.Hardship:     {"家中老人住院，生活困难，申请临时救助", "独居老人行动不便，需要上门送餐", "低保家庭孩子学费有困难"},
	cases.Dispute:      {"邻里因楼道堆物发生争执", "楼上漏水与邻居协商未果", "因停车位与物业发生纠纷"},
	cases.Suggestion:   {"建议民族之家周末延长开放时间", "建议增设双语政策宣传栏", "建议在社区食堂增加清真窗口"},
	cases.OneStop:      {"办理居住证续签", "开具居住证明", "办理流动人员登记"},
}

var caseKindsWeighted = []cases.Kind{cases.Consultation, cases.Consultation, cases.Consultation, cases.OneStop, cases.OneStop, cases.Rights,
	cases.Hardship, cases.Hardship, cases.Dispute, cases.Suggestion}
var channelsWeighted = []cases.Channel{cases.Hotline, cases.Hotline, cases.Hotline, cases.Window, cases.Window, cases.Visit, cases.WalkIn}

var resolutions = []string{"已电话答复并提供办理指引", "已协调相关单位，问题解决", "已上门了解情况并落实帮扶", "已转交司法所调解", "经调解双方达成一致"}

var partners = []string{"兰州牛肉面馆（清真）", "社区卫生服务中心", "街道司法所", "石榴小学", "和谐养老院"}

// genActivity makes a year of the office's work on top of the registry:
// cases through the real workflow (timestamps in the past year), a few
// emergencies, pairings with monthly visits (some overdue), contacts with
// representative figures (opinions becoming feedback cases) and duty
// rosters with logged shifts.
func genActivity(ctx context.Context, g *Gen) error {
	if g.Opt.Persons <= 0 {
		return nil
	}
	persons, err := loadPersons(ctx, g, 20000)
	if err != nil || len(persons) == 0 {
		return err
	}
	today := g.Opt.Today.In(ref.China)
	clock := today
	cs := cases.New(g.DB, g.Opt.Keys, "")
	cs.Cal = cases.FromSource((&workday.Source{DB: g.DB}).Calendar)
	cs.Now = func() time.Time { return clock }
	ps := pairing.New(g.DB, "")
	ps.Now = func() time.Time { return today }
	ps.Feedback = cs
	st := &g.Res.Activity

	// Cases: about one for every ten persons over the past year.
	n := max(40, min(len(persons)/10, 2000))
	for i := 0; i < n; i++ {
		day := today.AddDate(0, 0, -1-g.R.IntN(360))
		hour := 8 + g.R.IntN(10)
		if g.R.IntN(6) == 0 {
			hour = 20 + g.R.IntN(4) // the night line
		}
		clock = time.Date(day.Year(), day.Month(), day.Day(), hour, g.R.IntN(60), 0, 0, ref.China)
		kind := caseKindsWeighted[g.R.IntN(len(caseKindsWeighted))]
		texts := caseTemplates[kind]
		in := cases.IntakeInput{Channel: channelsWeighted[g.R.IntN(len(channelsWeighted))], Kind: kind, Urgency: cases.Normal, Summary: texts[g.R.IntN(len(texts))]}
		p := persons[g.R.IntN(len(persons))]
		if g.R.IntN(4) == 0 {
			in.CallerName, in.CallerPhone, in.OrgID = "匿名来电", fmt.Sprintf("139%08d", g.R.IntN(100000000)), p.org
		} else {
			in.PersonID = p.id
		}
		c, err := cs.Intake(ctx, demoActor, in)
		if err != nil {
			return fmt.Errorf("demo case: %w", err)
		}
		st.Cases++
		// Most cases went their whole way; the newest are still open.
		age := today.Sub(clock)
		steps := []cases.TransitionInput{{Action: cases.ActAssign, OrgID: c.OrgID}, {Action: cases.ActAccept}}
		if age > 10*24*time.Hour || g.R.IntN(3) > 0 {
			steps = append(steps, cases.TransitionInput{Action: cases.ActNote, Note: "已联系当事人了解情况"},
				cases.TransitionInput{Action: cases.ActClose, Resolution: resolutions[g.R.IntN(len(resolutions))], Result: cases.Results[g.R.IntN(3)]})
			if g.R.IntN(10) < 7 {
				steps = append(steps, cases.TransitionInput{Action: cases.ActFollowUp, Satisfaction: 3 + g.R.IntN(3), Note: "回访：对办理结果表示满意"})
			}
		} else {
			st.OpenCases++
		}
		for _, step := range steps {
			clock = clock.Add(time.Duration(2+g.R.IntN(40)) * time.Hour)
			if clock.After(today) {
				clock = today
			}
			step.Version = c.Version
			if c, err = cs.Transition(ctx, demoActor, c.ID, step); err != nil {
				return fmt.Errorf("demo case %s %s: %w", c.Code, step.Action, err)
			}
		}
	}
	// Emergencies: two, one closed with its closing report.
	for i := 0; i < 2; i++ {
		p := persons[g.R.IntN(len(persons))]
		clock = today.AddDate(0, 0, -5-30*i).Add(-3 * time.Hour)
		c, err := cs.Intake(ctx, demoActor, cases.IntakeInput{Channel: cases.Hotline, Kind: cases.Emergency, CallerName: "楼组长", OrgID: p.org,
			Summary: "两户居民因琐事发生肢体冲突", OccurredAt: clock.Add(-30 * time.Minute).Format("2006-01-02 15:04"), Place: "小区东门",
			PeopleInvolved: "居民约 6 人", FirstReport: "已报警，民警到场，无人受伤，现场已平息。"})
		if err != nil {
			return fmt.Errorf("demo emergency: %w", err)
		}
		st.Cases++
		st.Emergencies++
		if i == 1 {
			for _, step := range []cases.TransitionInput{{Action: cases.ActAssign, OrgID: c.OrgID}, {Action: cases.ActAccept},
				{Action: cases.ActClose, Resolution: "经调解双方和解", Result: cases.Resolved, ClosingReport: "当晚调解完毕，双方签订和解协议，无后续冲突。"}} {
				clock = clock.Add(3 * time.Hour)
				step.Version = c.Version
				if c, err = cs.Transition(ctx, demoActor, c.ID, step); err != nil {
					return fmt.Errorf("demo emergency %s: %w", step.Action, err)
				}
			}
		}
	}

	// Pairings: persons in hardship with a volunteer, a partner or the
	// liaison; visits monthly, some stopped two months ago (overdue).
	var needy, volunteers, reps []demoPerson
	for _, p := range persons {
		switch {
		case p.tags&(1|2|8) != 0:
			needy = append(needy, p)
		case p.tags&32 != 0:
			volunteers = append(volunteers, p)
		}
		if p.tags&16 != 0 {
			reps = append(reps, p)
		}
	}
	liaison := accountID(ctx, g, auth.Liaison)
	for i, p := range needy {
		if i >= 60 {
			break
		}
		in := pairing.Input{TargetPersonID: p.id, CadenceDays: 30, Agreement: "每月上门走访一次，了解生活情况，协助解决实际困难。",
			StartDate: today.AddDate(0, -3-g.R.IntN(9), 0).Format("2006-01-02")}
		switch i % 3 {
		case 0:
			in.HelperKind, in.HelperName = pairing.HelperPartner, partners[g.R.IntN(len(partners))]
		case 1:
			if v := sameOrg(volunteers, p.org); v != nil {
				in.HelperKind, in.HelperPersonID = pairing.HelperVolunteer, v.id
			} else {
				in.HelperKind, in.HelperName = pairing.HelperPartner, partners[g.R.IntN(len(partners))]
			}
		default:
			in.HelperKind, in.HelperName = pairing.HelperPartner, partners[g.R.IntN(len(partners))]
			if liaison != 0 && g.R.IntN(2) == 0 {
				in.HelperKind, in.HelperName, in.HelperUserID = pairing.HelperLiaison, "", liaison
			}
		}
		pr, err := ps.Create(ctx, demoActor, in)
		if err != nil {
			continue // a helper outside the target's subdistrict, say: skip it
		}
		st.Pairings++
		start, _ := time.ParseInLocation("2006-01-02", pr.StartDate, ref.China)
		stop := today
		if g.R.IntN(5) == 0 {
			stop = today.AddDate(0, -2, 0) // visits lapsed: overdue now
		}
		for d := start.AddDate(0, 0, 3+g.R.IntN(10)); d.Before(stop); d = d.AddDate(0, 0, 25+g.R.IntN(10)) {
			help := []string{"送去米、油等生活用品", "陪同到医院复诊", "帮助申请临时救助", "了解近况，聊天谈心"}[g.R.IntN(4)]
			if _, err := ps.LogVisit(ctx, demoActor, pr.ID, pairing.VisitInput{Date: d.Format("2006-01-02"), VisitorName: "结对人", Help: help,
				ValueCents: int64(g.R.IntN(4)) * 10000, Minutes: 45 + d.Day()%4*15}); err != nil {
				return fmt.Errorf("demo visit: %w", err)
			}
			st.Visits++
		}
	}

	// Befriending contacts with representative figures; a third bring an
	// opinion, tracked as a feedback case.
	staff := accountID(ctx, g, auth.StreetStaff)
	for i, p := range reps {
		if i >= 30 {
			break
		}
		clock = today.AddDate(0, 0, -g.R.IntN(300))
		in := pairing.ContactInput{PersonID: p.id, UserID: staff, Date: clock.Format("2006-01-02"), Mode: pairing.Modes[g.R.IntN(len(pairing.Modes))],
			Topic: "节日慰问，听取意见建议"}
		if i%3 == 0 {
			in.Opinion = "希望社区多组织少数民族传统节日活动"
		}
		c, err := ps.LogContact(ctx, demoActor, in)
		if err != nil {
			return fmt.Errorf("demo contact: %w", err)
		}
		st.Contacts++
		if c.CaseID != 0 {
			st.Cases++
		}
	}

	// Duty rosters: the hotline's evenings by staff, the window on Tuesday
	// mornings by minority volunteers; shifts logged for recent weeks.
	for _, sd := range g.Res.Subdistricts {
		for wd := 1; wd <= 7; wd++ {
			if _, err := ps.SetSlot(ctx, demoActor, pairing.SlotInput{OrgID: sd.ID, Service: pairing.Hotline, Weekday: wd, StartTime: "17:30", EndTime: "24:00",
				Name: fmt.Sprintf("热线值班员%d", 1+(wd-1)%3)}); err != nil {
				return fmt.Errorf("demo slot: %w", err)
			}
			st.Slots++
		}
		window, err := ps.SetSlot(ctx, demoActor, pairing.SlotInput{OrgID: sd.ID, Service: pairing.Window, Weekday: 2, StartTime: "09:00", EndTime: "11:30",
			Name: "少数民族志愿者接待组", Note: "民族之家接待窗口"})
		if err != nil {
			return fmt.Errorf("demo slot: %w", err)
		}
		st.Slots++
		for w := 1; w <= 12; w++ {
			day := today.AddDate(0, 0, -7*w)
			for day.Weekday() != time.Tuesday {
				day = day.AddDate(0, 0, -1)
			}
			if _, err := ps.LogDuty(ctx, demoActor, pairing.DutyInput{SlotID: window.ID, Date: day.Format("2006-01-02")}); err != nil {
				return fmt.Errorf("demo shift: %w", err)
			}
			st.Shifts++
		}
	}
	return nil
}

func sameOrg(list []demoPerson, org int64) *demoPerson {
	for i := range list {
		if list[i].org == org {
			return &list[i]
		}
	}
	return nil
}

// accountID returns the id of the demo account of a role, 0 if none.
func accountID(ctx context.Context, g *Gen, role auth.Role) int64 {
	var id int64
	_ = g.DB.QueryRow(ctx, `SELECT id FROM users WHERE role = ? ORDER BY id LIMIT 1`, string(role)).Scan(&id)
	return id
}
