package demo

import (
	"context"
	"fmt"
	"math/rand/v2"
	"time"

	"shiliu/internal/approval"
	"shiliu/internal/auth"
	"shiliu/internal/figures"
	"shiliu/internal/org"
	"shiliu/internal/ref"
)

// ReportStats is what the annual data sets step made.
type ReportStats struct {
	// Approved and Submitted count last year's sets by status; Drafts are
	// this year's sets begun.
	Approved, Submitted, Drafts int
}

// reportsUpTo is the largest registry for which the step approves last
// year's sets: each approval computes every figure of its unit, which at a
// benchmark's million persons would only slow the generation down.
const reportsUpTo = 200_000

// genReports makes last year's annual data sets: in the first subdistrict
// every committee's set written, submitted and approved by the demo
// accounts (the committee secretary writes the first committee's, the
// subdistrict admin approves) and then the subdistrict's own; in the
// second, most committees approved and the last two only submitted, so
// that the side by side marks them. This year the first committee has
// begun its set.
func genReports(ctx context.Context, g *Gen) error {
	// (no registry, no figures to approve; a demo of a year ahead of
	// today has no last year to approve yet)
	if g.Opt.Persons <= 0 || g.Opt.Persons > reportsUpTo || len(g.Res.Subdistricts) == 0 || g.Opt.Year > g.Opt.Today.In(ref.China).Year() {
		return nil
	}
	st := &g.Res.Reports
	today := g.Opt.Today
	fig := figures.New(g.DB)
	fig.Now = func() time.Time { return today }
	svc := approval.New(g.DB, fig)
	svc.Now = fig.Now
	year := g.Opt.Year - 1
	actor := func(username string) (*auth.Actor, error) {
		u, err := g.Auth.ByUsername(ctx, username)
		if err != nil {
			return nil, fmt.Errorf("account %s: %w", username, err)
		}
		return u.Actor(), nil
	}
	admin, err := actor("admin")
	if err != nil {
		return err
	}
	secretary, err := actor("committee")
	if err != nil {
		return err
	}
	// write opens, writes and (unless draft) submits a unit's set of y.
	write := func(a *auth.Actor, u *Unit, y int, submit bool) (*approval.Set, error) {
		x, err := svc.Open(ctx, a, u.ID, y)
		if err != nil {
			return nil, fmt.Errorf("open %s %d: %w", u.Name, y, err)
		}
		if x, err = svc.Update(ctx, a, x.ID, x.Version, narrative(g.R, u)); err != nil {
			return nil, fmt.Errorf("write %s %d: %w", u.Name, y, err)
		}
		if !submit {
			return x, nil
		}
		if x, err = svc.Submit(ctx, a, x.ID, x.Version); err != nil {
			return nil, fmt.Errorf("submit %s %d: %w", u.Name, y, err)
		}
		return x, nil
	}
	approve := func(a *auth.Actor, x *approval.Set) error {
		if _, err := svc.Approve(ctx, a, x.ID, x.Version); err != nil {
			return fmt.Errorf("approve %s %d: %w", x.OrgName, x.Year, err)
		}
		st.Approved++
		return nil
	}
	for i, sd := range g.Res.Subdistricts {
		approver := g.Actor
		if i == 0 {
			approver = admin
		}
		committees := sd.ChildrenOf(org.Committee)
		for j, c := range committees {
			writer := approver
			if c.ID == secretary.OrgID {
				writer = secretary
			}
			x, err := write(writer, c, year, true)
			if err != nil {
				return err
			}
			if i > 0 && j >= len(committees)-2 {
				st.Submitted++
				continue
			}
			if err := approve(approver, x); err != nil {
				return err
			}
		}
		if i == 0 {
			x, err := write(admin, sd, year, true)
			if err != nil {
				return err
			}
			if err := approve(admin, x); err != nil {
				return err
			}
		}
	}
	for _, c := range g.Res.Subdistricts[0].ChildrenOf(org.Committee) {
		if c.ID == secretary.OrgID {
			if _, err := write(secretary, c, g.Opt.Year, false); err != nil {
				return err
			}
			st.Drafts++
		}
	}
	return nil
}

// narrative is a unit's account of its year, as an office writes it.
func narrative(r *rand.Rand, u *Unit) approval.Narrative {
	works := []string{
		"围绕铸牢中华民族共同体意识主线，开展民族团结进步宣传月活动，组织少数民族居民参加社区文体活动和传统节日联欢。",
		"建立少数民族居民联系台账，落实结对帮扶，入户走访困难家庭，协调解决子女入学、就业和就医等实际问题。",
		"依托社区民族之家开设民族手工艺和舞蹈兴趣班，邀请各族居民共同参与，促进交往交流交融。",
	}
	problems := []string{
		"活动场地不足，部分活动只能错峰安排；流动少数民族人员底数更新不够及时。",
		"志愿者队伍年龄偏大，青年参与较少；部分帮扶需求涉及多个部门，协调周期较长。",
	}
	plans := []string{
		"完善流动人员服务管理，定期核对台账；拓展共建单位资源，增加青年志愿者。",
		"继续办好传统节日活动，推进民族团结进步示范楼组创建，提升热线诉求办结质量。",
	}
	pick := func(xs []string) string { return xs[r.IntN(len(xs))] }
	return approval.Narrative{Work: u.Name + pick(works), Problems: pick(problems), Plans: pick(plans)}
}
