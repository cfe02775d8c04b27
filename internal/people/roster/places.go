package roster

import (
	"strings"
	"unicode"
)

// Unit is an org unit a roster row may name: a committee (居委) or a
// building group (楼组) under one.
type Unit struct {
	ID     int64
	Code   string
	Name   string
	Parent int64 // building groups: the committee
}

// Places finds the committee and building group a row names, among the
// committees in the importer's scope. It is built once per import and is
// safe for concurrent use.
type Places struct {
	committees []Unit
	byCode     map[string][]int
	byCodeFold map[string][]int
	byName     map[string][]int
	byStripped map[string][]int
	groups     map[int64][]Unit
	// codeNeeded[id] is set when the committee's name is shared with
	// another committee, so an export writes its code instead.
	codeNeeded map[int64]bool
}

// NewPlaces indexes the committees in scope and the building groups under
// them (building groups of other committees are ignored).
func NewPlaces(committees, groups []Unit) *Places {
	p := &Places{committees: committees, byCode: map[string][]int{}, byCodeFold: map[string][]int{}, byName: map[string][]int{},
		byStripped: map[string][]int{}, groups: map[int64][]Unit{}, codeNeeded: map[int64]bool{}}
	in := map[int64]bool{}
	for i, c := range committees {
		in[c.ID] = true
		p.byCode[c.Code] = append(p.byCode[c.Code], i)
		p.byCodeFold[strings.ToLower(c.Code)] = append(p.byCodeFold[strings.ToLower(c.Code)], i)
		n := compact(c.Name)
		p.byName[n] = append(p.byName[n], i)
		s := stripCommitteeSuffix(n)
		p.byStripped[s] = append(p.byStripped[s], i)
	}
	for _, list := range p.byName {
		if len(list) > 1 {
			for _, i := range list {
				p.codeNeeded[committees[i].ID] = true
			}
		}
	}
	for _, g := range groups {
		if in[g.Parent] {
			p.groups[g.Parent] = append(p.groups[g.Parent], g)
		}
	}
	return p
}

// Committees returns the committees in scope.
func (p *Places) Committees() []Unit { return p.committees }

// compact removes white space and folds full-width letters and digits.
func compact(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch {
		case unicode.IsSpace(r) || r == '\u200b' || r == '\ufeff':
			continue
		case r >= 0xFF01 && r <= 0xFF5E:
			r = r - 0xFF01 + '!'
		}
		b.WriteRune(r)
	}
	return b.String()
}

// committeeSuffixes are removed from names before comparing, longest first
// (福安里社区居委会 and 福安里居民区 are both 福安里).
var committeeSuffixes = []string{"居民委员会", "居委会", "居民区", "居委", "社区"}

func stripCommitteeSuffix(s string) string {
	for range 2 {
		cut := false
		for _, suf := range committeeSuffixes {
			if len(s) > len(suf) && strings.HasSuffix(s, suf) {
				s, cut = strings.TrimSuffix(s, suf), true
				break
			}
		}
		if !cut {
			break
		}
	}
	return s
}

// Committee finds the committee a 所属居委 cell names: by code, by name, or
// by name with the suffix 居委会, 居委, 居民区 or 社区 removed on both sides.
// An empty cell means the only committee in scope, when there is exactly
// one. When it finds none (or more than one), reason says why, in Chinese.
func (p *Places) Committee(cell string) (id int64, reason string) {
	c := compact(cell)
	if c == "" {
		if len(p.committees) == 1 {
			return p.committees[0].ID, ""
		}
		return 0, "所属居委为空"
	}
	for _, lookup := range []func() []int{
		func() []int { return p.byCode[c] },
		func() []int { return p.byName[c] },
		func() []int { return p.byCodeFold[strings.ToLower(c)] },
		func() []int { return p.byStripped[stripCommitteeSuffix(c)] },
	} {
		switch list := lookup(); len(list) {
		case 0:
			continue
		case 1:
			return p.committees[list[0]].ID, ""
		default:
			return 0, "所属居委“" + cell + "”对应多个居委，请填写居委编码"
		}
	}
	return 0, "所属居委“" + cell + "”不存在或不在您的管理范围内"
}

// Group finds a building group under the committee by name or code.
func (p *Places) Group(committee int64, cell string) (int64, bool) {
	c := compact(cell)
	var byName, byCode []int64
	for _, g := range p.groups[committee] {
		if compact(g.Name) == c {
			byName = append(byName, g.ID)
		}
		if g.Code == c || strings.EqualFold(g.Code, c) {
			byCode = append(byCode, g.ID)
		}
	}
	switch {
	case len(byCode) == 1:
		return byCode[0], true
	case len(byName) == 1:
		return byName[0], true
	}
	return 0, false
}

// CommitteeLabel is how an export writes a committee: its name, or its
// code when another committee in scope has the same name (so that the
// file imports back to the same unit).
func (p *Places) CommitteeLabel(u Unit) string {
	if p.codeNeeded[u.ID] {
		return u.Code
	}
	return u.Name
}

// GroupLabel is how an export writes a building group: its name, or its
// code when another group of the committee has the same name.
func (p *Places) GroupLabel(g Unit) string {
	n := 0
	for _, o := range p.groups[g.Parent] {
		if compact(o.Name) == compact(g.Name) {
			n++
		}
	}
	if n > 1 {
		return g.Code
	}
	return g.Name
}
