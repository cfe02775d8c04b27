package demo

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"strings"
	"time"

	"shiliu/internal/budget"
	"shiliu/internal/db"
	"shiliu/internal/docs"
	"shiliu/internal/honour"
	"shiliu/internal/org"
	"shiliu/internal/ref"
)

// HonourStats is what the honours, budget and documents step made.
type HonourStats struct {
	Honours, Granted, BudgetLines, Spendings, Receipts, Docs, Versions int
}

// genHonours makes, for the first subdistrict: honours of last year and
// this year through the whole workflow (families and two building groups
// granted, one nomination refused with its reason, one waiting for
// review); a budget of the year for the subdistrict and each committee by
// purpose, about half of it spent over the months so far, one purpose
// past its budget with the reason, receipts as small generated images; and
// the library: the office's five rules as text (one in two versions) and
// meeting minutes.
func genHonours(ctx context.Context, g *Gen) error {
	if len(g.Res.Subdistricts) == 0 {
		return nil
	}
	today := g.Opt.Today.In(ref.China)
	clock := today
	now := func() time.Time { return clock }
	st := &g.Res.Honours
	sub := g.Res.Subdistricts[0]
	committees := sub.ChildrenOf(org.Committee)
	if len(committees) > 6 {
		committees = committees[:6]
	}
	if err := genHonourList(ctx, g, now, &clock, today, committees, st); err != nil {
		return fmt.Errorf("honours: %w", err)
	}
	clock = today
	if err := genBudget(ctx, g, now, today, sub, committees, st); err != nil {
		return fmt.Errorf("budget: %w", err)
	}
	if err := genDocs(ctx, g, now, sub, committees, st); err != nil {
		return fmt.Errorf("docs: %w", err)
	}
	return nil
}

// demoDeeds are the reasons committees give for a family.
var demoDeeds = []string{
	"家庭成员积极参加社区民族团结活动，邻里互助，多年照顾楼内独居老人。",
	"夫妻二人分属不同民族，尊重彼此习俗，家庭和睦，热心社区公益。",
	"主动担任楼道志愿者，协助居委开展民族政策宣传，带动邻里和睦相处。",
	"多年来帮助新来沪少数民族家庭办理就业、入学手续，深受居民好评。",
}

func genHonourList(ctx context.Context, g *Gen, now func() time.Time, clock *time.Time, today time.Time, committees []*Unit, st *HonourStats) error {
	if g.Opt.Persons <= 0 {
		return nil
	}
	s := honour.New(g.DB)
	s.Now = now
	a := demoActor
	year := today.Year()
	// the honours of a year, granted on 20 December (or today this year)
	for _, y := range []int{year - 1, year} {
		*clock = time.Date(y, 12, 20, 10, 0, 0, 0, ref.China)
		if y == year {
			*clock = today
		}
		var homes []int64
		for _, c := range committees[:min(3, len(committees))] {
			rows, err := g.DB.Query(ctx, `SELECT h.id FROM households h WHERE h.org_id = ? AND h.archived = 0 AND h.head_person_id IS NOT NULL
				ORDER BY h.id LIMIT 6`, c.ID)
			ids, err := db.Collect(rows, err, db.ScanID)
			if err != nil {
				return err
			}
			// last year the first three, this year the next ones
			if y == year-1 {
				ids = ids[:min(3, len(ids))]
			} else if len(ids) > 3 {
				ids = ids[3:]
			} else {
				ids = nil
			}
			homes = append(homes, ids...)
		}
		for i, hid := range homes {
			h, err := s.Nominate(ctx, a, honour.Input{KindCode: honour.KindCivilisedFamily, Year: y, HouseholdID: hid, Deeds: demoDeeds[g.R.IntN(len(demoDeeds))]})
			if err != nil {
				return err
			}
			st.Honours++
			switch {
			case y == year && i == len(homes)-1:
				continue // waiting for review
			case y == year && i == len(homes)-2:
				if _, err := s.Refuse(ctx, a, h.ID, h.Version, "事迹材料不完整，请补充家庭参加社区活动的记录后明年再报。"); err != nil {
					return err
				}
				continue
			}
			if h, err = s.Review(ctx, a, h.ID, h.Version, ""); err != nil {
				return err
			}
			if _, err = s.Grant(ctx, a, h.ID, h.Version); err != nil {
				return err
			}
			st.Granted++
		}
		// one featured building group a year
		if len(committees) > 0 {
			groups := committees[(y-year+1)%len(committees)].ChildrenOf(org.BuildingGroup)
			if len(groups) > 0 {
				h, err := s.Nominate(ctx, a, honour.Input{KindCode: honour.KindFeaturedGroup, Year: y, UnitID: groups[0].ID,
					Deeds: "楼组建立“石榴籽”议事角，各民族居民共同制定楼组公约，楼道文化墙展示民族团结故事。"})
				if err == nil {
					st.Honours++
					if h, err = s.Review(ctx, a, h.ID, h.Version, "实地查看，情况属实。"); err == nil {
						_, err = s.Grant(ctx, a, h.ID, h.Version)
						st.Granted++
					}
				}
				if err != nil {
					return err
				}
			}
		}
	}
	// an advanced collective this year, reviewed and waiting for the grant
	if len(committees) > 0 {
		h, err := s.Nominate(ctx, a, honour.Input{KindCode: honour.KindAdvancedCollective, Year: year, Collective: committees[0].Name + "民族团结合唱团", OrgID: committees[0].ID,
			Deeds: "全年排练四十余次，在街道民族团结文艺汇演中获一等奖。"})
		if err != nil {
			return err
		}
		st.Honours++
		if _, err := s.Review(ctx, a, h.ID, h.Version, ""); err != nil {
			return err
		}
	}
	return nil
}

// budgetShares are each purpose's yuan in a committee's year (the
// subdistrict's are five times).
var budgetShares = map[budget.Purpose]int64{budget.Publicity: 6000, budget.Hardship: 12000, budget.StudyTrip: 8000, budget.Activity: 15000, budget.Other: 3000}

// payees by purpose.
var payees = map[budget.Purpose][]string{
	budget.Publicity: {"彩虹印务有限公司", "社区文印店"},
	budget.Hardship:  {"困难家庭慰问", "节日慰问品超市"},
	budget.StudyTrip: {"市民族博物馆", "旅游客运公司"},
	budget.Activity:  {"民族之家活动物资", "清真餐厅"},
	budget.Other:     {"办公用品商店"},
}

func genBudget(ctx context.Context, g *Gen, now func() time.Time, today time.Time, sub *Unit, committees []*Unit, st *HonourStats) error {
	s := budget.New(g.DB)
	s.Now = now
	a := demoActor
	year := today.Year()
	yearStart := time.Date(year, 1, 1, 0, 0, 0, 0, ref.China)
	days := int(today.Sub(yearStart).Hours()/24) + 1
	for ui, u := range append([]*Unit{sub}, committees...) {
		mult := int64(1)
		if u == sub {
			mult = 5
		}
		in := budget.BudgetInput{OrgID: u.ID, Year: year, Amounts: map[budget.Purpose]string{}}
		for p, y := range budgetShares {
			in.Amounts[p] = fmt.Sprint(y * mult)
		}
		if err := s.SetBudget(ctx, a, in); err != nil {
			return err
		}
		st.BudgetLines += len(budget.Purposes)
		for _, p := range budget.Purposes {
			total := budgetShares[p] * mult * 100
			// about half spent; the first committee's hardship help past it
			target := total * int64(40+g.R.IntN(21)) / 100
			over := ui == 1 && p == budget.Hardship
			if over {
				target = total + 86000
			}
			n := 2 + g.R.IntN(4)
			for k := range n {
				fen := target / int64(n)
				if k == n-1 {
					fen = target - fen*int64(n-1)
				}
				fen -= fen % 100 // whole yuan
				if fen <= 0 {
					continue
				}
				date := yearStart.AddDate(0, 0, (k*days)/n+g.R.IntN(max(1, days/n)))
				if date.After(today) {
					date = today
				}
				in := budget.SpendInput{OrgID: u.ID, Date: date.Format(db.DateLayout), Purpose: p, AmountFen: fen, Payee: payees[p][g.R.IntN(len(payees[p]))]}
				if over && k == n-1 {
					in.OverReason = "春节和开斋节期间困难家庭增多，经街道同意追加慰问。"
				}
				if p == budget.Activity {
					// the activity it paid for, if one was held that month
					var id int64
					err := g.DB.QueryRow(ctx, `SELECT COALESCE(MIN(id), 0) FROM activities WHERE org_id = ? AND status <> 'cancelled' AND starts_at >= ? AND starts_at < ?`,
						u.ID, date.Format("2006-01")+"-01", date.AddDate(0, 1, 0).Format("2006-01")+"-01").Scan(&id)
					if err != nil {
						return err
					}
					in.ActivityID = id
				}
				if k%2 == 0 {
					in.Receipts = []budget.Receipt{{Name: fmt.Sprintf("发票%d.png", st.Spendings+1), R: bytes.NewReader(receiptImage(fen))}}
					st.Receipts++
				}
				if _, err := s.Spend(ctx, a, in); err != nil {
					return fmt.Errorf("spend %s %s: %w", u.Name, p, err)
				}
				st.Spendings++
			}
		}
	}
	return nil
}

// receiptImage draws a small receipt: a white slip with lines of "text"
// and a red stamp, different for each amount.
func receiptImage(fen int64) []byte {
	img := image.NewRGBA(image.Rect(0, 0, 120, 160))
	for y := range 160 {
		for x := range 120 {
			img.Set(x, y, color.RGBA{252, 250, 245, 255})
		}
	}
	ink := color.RGBA{90, 90, 100, 255}
	for line := range 8 {
		w := 30 + int((fen/int64(line+1))%70)
		for x := 10; x < 10+w && x < 110; x++ {
			img.Set(x, 20+line*14, ink)
			img.Set(x, 21+line*14, ink)
		}
	}
	red := color.RGBA{190, 40, 30, 255}
	for y := -16; y <= 16; y++ {
		for x := -16; x <= 16; x++ {
			if d := x*x + y*y; d <= 256 && d >= 196 {
				img.Set(85+x, 130+y, red)
			}
		}
	}
	var b bytes.Buffer
	png.Encode(&b, img)
	return b.Bytes()
}

// rules are the office's five rules: topic, title, articles.
var rules = []struct {
	topic docs.Topic
	title string
	body  []string
}{
	{docs.Befriending, "少数民族代表人士交友联谊制度", []string{
		"第一条 街道、居委领导班子成员每人联系不少于两名少数民族代表人士。",
		"第二条 每季度至少走访或电话联系一次，了解其工作、生活情况和意见建议。",
		"第三条 联系情况记入交友联谊记录，收集到的意见建议按信息反馈制度办理。"}},
	{docs.Study, "少数民族联络员学习联谊制度", []string{
		"第一条 联络员学习会每月第二、第四个星期三下午举行。",
		"第二条 学习内容包括党的民族政策、法律法规和社区工作实务。",
		"第三条 联络员无故缺席三次以上的，由街道民族工作办公室谈话提醒。"}},
	{docs.Hardship, "少数民族困难群众帮困制度", []string{
		"第一条 居委每年排摸一次辖区少数民族困难家庭，建立帮困台账。",
		"第二条 开斋节、古尔邦节、春节等节日前开展走访慰问。",
		"第三条 结对帮扶每月至少走访一次，帮扶情况如实记录。"}},
	{docs.Feedback, "民族工作信息反馈制度", []string{
		"第一条 联络员发现涉及民族因素的矛盾纠纷苗头，当日报告居委。",
		"第二条 居委收到意见建议后三个工作日内答复或转办。",
		"第三条 街道每季度汇总分析一次信息反馈情况。"}},
	{docs.Emergency, "涉民族因素突发事件应急处置制度", []string{
		"第一条 发生涉民族因素突发事件，居委立即报告街道，街道三十分钟内报告区民族宗教事务部门。",
		"第二条 应急处置坚持属地管理、分级负责、及时妥善的原则。",
		"第三条 事件处置结束后七日内形成书面报告。"}},
}

func genDocs(ctx context.Context, g *Gen, now func() time.Time, sub *Unit, committees []*Unit, st *HonourStats) error {
	s := docs.New(g.DB)
	s.Now = now
	a := demoActor
	text := func(lines []string) *strings.Reader { return strings.NewReader(strings.Join(lines, "\n") + "\n") }
	for i, r := range rules {
		d, err := s.Create(ctx, a, docs.Input{OrgID: sub.ID, Category: docs.Rule, Topic: r.topic, Title: sub.Name + r.title},
			docs.Upload{Name: r.title + ".txt", R: text(r.body)})
		if err != nil {
			return err
		}
		st.Docs++
		st.Versions++
		if i == len(rules)-1 {
			// the emergency rule, revised: a shorter time to report
			revised := append([]string{"第一条 发生涉民族因素突发事件，居委十分钟内电话报告街道值班室，街道三十分钟内报告区民族宗教事务部门。"}, r.body[1:]...)
			if _, err := s.AddVersion(ctx, a, d.ID, d.Version, docs.Upload{Name: r.title + "（修订）.txt", R: text(revised), Note: "缩短居委报告时限"}); err != nil {
				return err
			}
			st.Versions++
		}
	}
	if _, err := s.Create(ctx, a, docs.Input{OrgID: sub.ID, Category: docs.Policy, Title: "关于深入开展民族团结进步创建工作的实施意见"},
		docs.Upload{Name: "实施意见.txt", R: text([]string{"一、总体要求", "以铸牢中华民族共同体意识为主线，深入开展民族团结进步示范社区创建。", "二、主要任务", "（一）加强民族政策宣传教育。（二）做好少数民族流动人口服务管理。"})}); err != nil {
		return err
	}
	st.Docs++
	st.Versions++
	for i, c := range committees[:min(3, len(committees))] {
		month := g.Opt.Today.In(ref.China).AddDate(0, -i-1, 0).Format("2006年1月")
		if _, err := s.Create(ctx, a, docs.Input{OrgID: c.ID, Category: docs.Minutes, Title: c.Name + month + "民族工作例会纪要"},
			docs.Upload{Name: "纪要.txt", R: text([]string{"时间：" + month, "地点：居委会议室", "议题：一、通报本月少数民族困难家庭走访情况；二、布置节日慰问；三、联络员反映的情况。",
				"决定：节前完成全部困难家庭走访，慰问品由居委统一采购。"})}); err != nil {
			return err
		}
		st.Docs++
		st.Versions++
	}
	return nil
}
