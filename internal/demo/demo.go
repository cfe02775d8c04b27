// Package demo fills an empty database with a fictional but realistic
// district (石榴区) for `shiliu serve --demo`, for screenshots and for
// benchmarks: subdistricts, residents' committees, building groups, liaison
// groups, three years of base population, one account per role, and a
// registry of persons and households (see persons.go).
//
// Everything but the passwords is deterministic: the same Options (seed
// and Today included) give the same units, codes, names, addresses,
// figures, persons and ID numbers on any engine and machine (the sealed
// ID numbers and phones differ only by their random nonces). Generation
// runs as a list of steps (see steps); each step draws from its own random
// stream, derived from the seed and the step's name, so adding or changing
// one step never changes what the others produce.
//
// # Adding a generator
//
// Later issues add cases, activities… the way the registry was added (see
// genPersons in persons.go): one function
//
//	func genCases(ctx context.Context, g *Gen) error
//
// appended as {"cases", genCases} to steps. The function reads the units
// made before it from g.Res (g.Res.Committees, g.Res.BuildingGroups, each
// with its ID, name, parent and base population), draws only from g.R,
// writes through g.DB (large volumes in batched transactions: a million
// persons do not go through one service call each) or through the domain's
// service with g.Actor, and records what later steps need in new fields of
// Result. A size knob (like Options.Persons) goes into Options with a
// default in Options.normalise, so benchmarks can ask for 1,000,000.
package demo

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"math/rand/v2"
	"slices"
	"time"

	"shiliu/internal/auth"
	"shiliu/internal/db"
	"shiliu/internal/org"
	"shiliu/internal/ref"
	"shiliu/internal/secret"
)

// Options size the district. Zero values take the defaults.
type Options struct {
	// Seed selects the district; the same seed gives the same data.
	Seed uint64
	// Subdistricts is the number of 街道 (default 2, at most 999).
	Subdistricts int
	// CommitteesPerSubdistrict is the number of 居委 in each (default 8, at most 999).
	CommitteesPerSubdistrict int
	// Year is the current year (default: Today's year); base population is
	// generated for it and the two years before.
	Year int
	// Persons is the size of the registry (default 3,000; negative for
	// none): minority residents and the Han members of their households.
	// Benchmarks ask for 1,000,000.
	Persons int
	// Cases and Activities are more cases and activities (with their roll
	// calls) written straight to the tables, beyond those the workflow
	// steps make: the volume of a city's benchmarks (200,000 and 50,000).
	// Zero for none.
	Cases, Activities int
	// Keys seal the registry's ID numbers and phones (the instance's keys,
	// app.App.Keys). Required when Persons is not negative.
	Keys *secret.Keys
	// Today is the date the registry is drawn for (default: today in
	// China): ages, permits expiring or expired, stays past their expected
	// end are relative to it.
	Today time.Time
	// Argon are the password-hash parameters of the demo accounts (zero:
	// production's; tests choose auth.TestArgon2).
	Argon auth.Argon2
}

// DefaultPersons is the registry size of Options.Persons zero.
const DefaultPersons = 3000

func (o *Options) normalise() error {
	if o.Subdistricts == 0 {
		o.Subdistricts = 2
	}
	if o.CommitteesPerSubdistrict == 0 {
		o.CommitteesPerSubdistrict = 8
	}
	if o.Today.IsZero() {
		o.Today = time.Now()
	}
	if o.Year == 0 {
		o.Year = o.Today.In(ref.China).Year()
	}
	if o.Persons == 0 {
		o.Persons = DefaultPersons
	}
	switch {
	case o.Subdistricts < 0 || o.Subdistricts > 999:
		return fmt.Errorf("demo: subdistricts must be 1–999, not %d", o.Subdistricts)
	case o.CommitteesPerSubdistrict < 0 || o.CommitteesPerSubdistrict > 999:
		return fmt.Errorf("demo: committees per subdistrict must be 1–999, not %d", o.CommitteesPerSubdistrict)
	case o.Year < 1951 || o.Year > 2100:
		return fmt.Errorf("demo: year %d out of range", o.Year)
	case o.Persons > 50_000_000:
		return fmt.Errorf("demo: at most 50,000,000 persons, not %d", o.Persons)
	case o.Persons > 0 && o.Keys == nil:
		return errors.New("demo: Options.Keys is needed to seal the registry's ID numbers and phones")
	}
	return nil
}

// Account is a demo login, returned so the caller can print the password
// once; it is stored only as a hash.
type Account struct {
	Username    string
	DisplayName string
	Password    string
	Role        auth.Role
	OrgName     string
}

// Unit is an org unit the generator created, kept in memory for the steps
// that follow.
type Unit struct {
	ID       int64
	Code     string
	Name     string
	Kind     org.Kind
	Parent   *Unit // nil for the district
	Children []*Unit
	// Pop is the base population by year. Empty for liaison groups. A
	// unit's figures cover its whole area: the district's are the sum of its
	// subdistricts', a subdistrict's of its committees', a committee's of
	// its building groups'.
	Pop map[int]org.Population
}

// ChildrenOf returns u's children of kind k, in creation (code) order.
func (u *Unit) ChildrenOf(k org.Kind) []*Unit {
	var out []*Unit
	for _, c := range u.Children {
		if c.Kind == k {
			out = append(out, c)
		}
	}
	return out
}

// Result is what Generate made.
type Result struct {
	// Units is the number of org units created.
	Units int
	// Accounts has one account per role, in auth.Roles order.
	Accounts []Account
	RootID   int64
	Root     *Unit
	// The units by kind, in creation order (subdistrict by subdistrict).
	Subdistricts   []*Unit
	Committees     []*Unit
	BuildingGroups []*Unit
	LiaisonGroups  []*Unit
	// Years with base population, oldest first; the last is Options.Year.
	Years []int
	// Registry is what the registry step made.
	Registry RegistryStats
	// Activity is what the activity step made (cases, pairings…).
	Activity ActivityStats
	// Community is what the community step made (activities, hours…).
	Community CommunityStats
	// Venues is what the venues step made (venues, bookings, partners).
	Venues VenueStats
	// Honours is what the honours, budget and documents step made.
	Honours HonourStats
	// Volume is what the volume step wrote (Options.Cases, Activities).
	Volume VolumeStats
	// Reports is what the annual data sets step made.
	Reports ReportStats
}

// Gen is the state a step works with.
type Gen struct {
	DB   *db.DB
	Org  *org.Service
	Auth *auth.Service
	// Opt are the normalised options.
	Opt Options
	// R is the current step's random stream. Draw from nothing else (not
	// map iteration order, not the clock) so the output stays deterministic.
	R *rand.Rand
	// Actor is the system actor the demo's service calls run as; the audit
	// log records it as "(demo)".
	Actor *auth.Actor
	// Res collects what the steps made.
	Res *Result
}

// Step is one stage of generation.
type Step struct {
	Name string
	Run  func(ctx context.Context, g *Gen) error
}

// steps run in order. Append new generators at the end.
var steps = []Step{
	{"org", genOrg},
	{"population", genPopulation},
	{"accounts", genAccounts},
	{"persons", genPersons},
	{"activity", genActivity},
	{"community", genCommunity},
	{"festivals", genFestivals},
	{"venues", genVenues},
	{"activity bookings", genActivityBookings},
	{"honours", genHonours},
	{"volume", genVolume},
	{"reports", genReports},
}

// ErrNotEmpty is returned when the database already has org units: the demo
// only ever fills an empty database.
var ErrNotEmpty = errors.New("demo: the database already has org units")

// Generate fills an empty database with the demo district. It refuses
// (ErrNotEmpty) when any org unit exists. Units are created one service call
// at a time, so a failure part-way leaves a partial district: start again
// from an empty database.
func Generate(ctx context.Context, d *db.DB, opt Options) (*Result, error) {
	if err := opt.normalise(); err != nil {
		return nil, err
	}
	as := auth.NewService(d)
	as.Argon = opt.Argon
	g := &Gen{DB: d, Org: &org.Service{DB: d}, Auth: as, Opt: opt, Res: &Result{}, Actor: demoActor}
	n, err := g.Org.Count(ctx)
	if err != nil {
		return nil, fmt.Errorf("demo: count org units: %w", err)
	}
	if n > 0 {
		return nil, ErrNotEmpty
	}
	for _, s := range steps {
		g.R = rand.New(rand.NewPCG(opt.Seed, opt.Seed^streamKey(s.Name)))
		if err := s.Run(ctx, g); err != nil {
			return nil, fmt.Errorf("demo %s: %w", s.Name, err)
		}
	}
	return g.Res, nil
}

// streamKey turns a step name into the second half of its PCG seed.
func streamKey(name string) uint64 {
	h := fnv.New64a()
	h.Write([]byte(name))
	return h.Sum64()
}

// create makes one unit through the org service and records it.
func (g *Gen) create(ctx context.Context, parent *Unit, kind org.Kind, code, name, addr, contact, note string) (*Unit, error) {
	in := org.Input{Code: code, Name: name, Kind: kind, Address: addr, Contact: contact, Note: note}
	if parent != nil {
		in.ParentID = parent.ID
	}
	// The district is a root, which only a system actor (the command line,
	// the demo) may create.
	ou, err := g.Org.Create(ctx, g.Actor, in)
	if err != nil {
		return nil, fmt.Errorf("create %s %s: %w", code, name, err)
	}
	u := &Unit{ID: ou.ID, Code: ou.Code, Name: ou.Name, Kind: kind, Parent: parent}
	if kind != org.LiaisonGroup {
		u.Pop = map[int]org.Population{}
	}
	if parent != nil {
		parent.Children = append(parent.Children, u)
	}
	res := g.Res
	res.Units++
	switch kind {
	case org.District:
		res.Root, res.RootID = u, u.ID
	case org.Subdistrict:
		res.Subdistricts = append(res.Subdistricts, u)
	case org.Committee:
		res.Committees = append(res.Committees, u)
	case org.BuildingGroup:
		res.BuildingGroups = append(res.BuildingGroups, u)
	case org.LiaisonGroup:
		res.LiaisonGroups = append(res.LiaisonGroups, u)
	}
	return u, nil
}

// genOrg builds the tree: district → subdistricts → committees → building
// groups, with a liaison group in every subdistrict and in a few committees.
// Codes follow the statistical division code: 310199-001 (subdistrict),
// 310199-001-003 (committee), 310199-001-003-05 (building group); liaison
// groups add -L01.
func genOrg(ctx context.Context, g *Gen) error {
	r := g.R
	root, err := g.create(ctx, nil, org.District, districtCode, districtName, address(r, false), officePhone(r),
		"演示数据：机构、地址、电话和人口均为虚构。")
	if err != nil {
		return err
	}
	estates := newEstateNamer(r)
	nc := g.Opt.CommitteesPerSubdistrict
	for i := range g.Opt.Subdistricts {
		sdName := subdistrictName(i)
		sdAddr := address(r, false)
		sd, err := g.create(ctx, root, org.Subdistrict, fmt.Sprintf("%s-%03d", root.Code, i+1), sdName, sdAddr, officePhone(r), "")
		if err != nil {
			return err
		}
		if _, err := g.create(ctx, sd, org.LiaisonGroup, sd.Code+"-L01", sdName+"少数民族联络组", sdAddr,
			"组长 "+liaisonLeaderName(r), ""); err != nil {
			return err
		}
		// Two or three committees have their own liaison group.
		withGroup := map[int]bool{}
		for _, j := range r.Perm(nc)[:min(nc, 2+r.IntN(2))] {
			withGroup[j] = true
		}
		for j := range nc {
			estate := estates.next()
			cAddr := address(r, isLaneEstate(estate))
			c, err := g.create(ctx, sd, org.Committee, fmt.Sprintf("%s-%03d", sd.Code, j+1), estate+"居委会",
				cAddr, officePhone(r), "")
			if err != nil {
				return err
			}
			// 4–8 building groups with distinct, increasing numbers.
			nb := 4 + r.IntN(5)
			nums := r.Perm(nb * 5)[:nb]
			slices.Sort(nums)
			for k, n := range nums {
				if _, err := g.create(ctx, c, org.BuildingGroup, fmt.Sprintf("%s-%02d", c.Code, k+1), buildingGroupName(estate, n+1),
					"", "楼组长 "+personName(r, "01", r.IntN(3) > 0), ""); err != nil {
					return err
				}
			}
			if withGroup[j] {
				if _, err := g.create(ctx, c, org.LiaisonGroup, c.Code+"-L01", estate+"少数民族联络组", cAddr,
					"组长 "+liaisonLeaderName(r), ""); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

// liaisonEthnicities are the groups liaisons are drawn from, heavier where
// an eastern city's minority residents are (Hui, Man, Mongol, Zhuang…).
var liaisonEthnicities = []string{"03", "03", "03", "11", "11", "02", "08", "15", "06", "10", "05", "04"}

func liaisonLeaderName(r *rand.Rand) string {
	return personName(r, pick(r, liaisonEthnicities), r.IntN(2) == 0)
}

// genPopulation sets the base population of every unit but the liaison
// groups for the current year and the two before. A subdistrict has
// 50,000–150,000 registered residents and 10–25 % as many floating ones;
// its committees split its figures, and each committee's building groups
// split the committee's, by weights that stay fixed over the years. All
// arithmetic is on integers so that every platform gets the same figures.
func genPopulation(ctx context.Context, g *Gen) error {
	r, res := g.R, g.Res
	y0 := g.Opt.Year
	res.Years = []int{y0 - 2, y0 - 1, y0}
	for _, sd := range res.Subdistricts {
		reg := 50_000 + r.IntN(100_001)
		flo := reg * (100 + r.IntN(151)) / 1000
		sd.Pop[y0] = org.Population{Year: y0, Registered: reg, Floating: flo}
		for y := y0 - 1; y >= y0-2; y-- {
			// Registered residents change by -0.8…+1.2 % a year, floating
			// ones by -6…+8 %, staying within 10–25 % of the registered.
			reg = reg * 1000 / (1000 + r.IntN(21) - 8)
			flo = flo * 1000 / (1000 + r.IntN(141) - 60)
			flo = max(reg/10, min(reg/4, flo))
			sd.Pop[y] = org.Population{Year: y, Registered: reg, Floating: flo}
		}
		splitPopulation(r, sd, sd.ChildrenOf(org.Committee), res.Years)
		for _, c := range sd.ChildrenOf(org.Committee) {
			splitPopulation(r, c, c.ChildrenOf(org.BuildingGroup), res.Years)
		}
	}
	root := res.Root
	for _, y := range res.Years {
		p := org.Population{Year: y}
		for _, sd := range res.Subdistricts {
			p.Registered += sd.Pop[y].Registered
			p.Floating += sd.Pop[y].Floating
		}
		root.Pop[y] = p
	}
	// Store them in tree order, one unit's years per transaction.
	var write func(u *Unit) error
	write = func(u *Unit) error {
		if u.Kind == org.LiaisonGroup {
			return nil
		}
		for _, y := range res.Years {
			if err := g.Org.SetPopulation(ctx, g.Actor, u.ID, u.Pop[y]); err != nil {
				return fmt.Errorf("population of %s %d: %w", u.Code, y, err)
			}
		}
		for _, c := range u.Children {
			if err := write(c); err != nil {
				return err
			}
		}
		return nil
	}
	return write(root)
}

// splitPopulation divides parent's figures of each year among kids. Floating
// residents are spread more unevenly than registered ones: some estates
// rent out far more flats than others.
func splitPopulation(r *rand.Rand, parent *Unit, kids []*Unit, years []int) {
	if len(kids) == 0 {
		return
	}
	wReg := make([]int, len(kids))
	wFlo := make([]int, len(kids))
	for i := range kids {
		wReg[i] = 600 + r.IntN(801)
		wFlo[i] = wReg[i] * (400 + r.IntN(1201)) / 1000
	}
	for _, y := range years {
		regs := split(parent.Pop[y].Registered, wReg)
		flos := split(parent.Pop[y].Floating, wFlo)
		for i, k := range kids {
			k.Pop[y] = org.Population{Year: y, Registered: regs[i], Floating: flos[i]}
		}
	}
}

// split divides total into parts proportional to weights (all positive)
// that add up to total exactly: each part is rounded down, and the units
// left over go to the largest remainders, ties to the earlier part.
func split(total int, weights []int) []int {
	sum := 0
	for _, w := range weights {
		sum += w
	}
	parts := make([]int, len(weights))
	rems := make([]int, len(weights))
	left := total
	for i, w := range weights {
		parts[i] = int(int64(total) * int64(w) / int64(sum))
		rems[i] = int(int64(total) * int64(w) % int64(sum))
		left -= parts[i]
	}
	for ; left > 0; left-- {
		best := 0
		for i := range rems {
			if rems[i] > rems[best] {
				best = i
			}
		}
		parts[best]++
		rems[best] = -1
	}
	return parts
}

// genAccounts creates one account per role, attached where such a user
// works: the subdistrict roles in the first subdistrict, the committee
// secretary in its first committee, the liaison in its liaison group, the
// three IT administrators at the district. Demo accounts are not forced to
// change their password: nobody but the person starting the demo sees it.
func genAccounts(ctx context.Context, g *Gen) error {
	r, res := g.R, g.Res
	sd := res.Subdistricts[0]
	committee := sd.ChildrenOf(org.Committee)[0]
	liaisonGroup := sd.ChildrenOf(org.LiaisonGroup)[0]
	specs := []struct {
		username string
		role     auth.Role
		unit     *Unit
	}{
		{"admin", auth.StreetAdmin, sd},
		{"staff", auth.StreetStaff, sd},
		{"committee", auth.CommitteeStaff, committee},
		{"liaison", auth.Liaison, liaisonGroup},
		{"leader", auth.Leader, sd},
		{"sysadmin", auth.SysAdmin, res.Root},
		{"secadmin", auth.SecAdmin, res.Root},
		{"auditor", auth.AuditAdmin, res.Root},
	}
	used := map[string]bool{}
	for _, s := range specs {
		var name string
		for name == "" || used[name] {
			if s.role == auth.Liaison {
				// A Uygur name shows the middle dot (·) in every screen.
				name = personName(r, "05", r.IntN(2) == 0)
			} else {
				name = personName(r, "01", r.IntN(2) == 0)
			}
		}
		used[name] = true
		pw := auth.RandomPassword()
		for auth.ValidatePassword(pw, s.username) != nil {
			pw = auth.RandomPassword()
		}
		// The system actor creates the account, which is what lets
		// MustChange stay false.
		if _, err := g.Auth.Create(ctx, demoActor, auth.NewUser{Username: s.username, DisplayName: name, Role: s.role, OrgID: s.unit.ID, Password: pw}); err != nil {
			return fmt.Errorf("create account %s: %w", s.username, err)
		}
		res.Accounts = append(res.Accounts, Account{Username: s.username, DisplayName: name, Password: pw, Role: s.role, OrgName: s.unit.Name})
	}
	return nil
}

// demoActor is who the demo's records are made by: the system, recorded
// in the audit log as "(demo)".
var demoActor = auth.System("demo")
