// Package people is the resident registry: persons (registered and
// floating), households, their history, and liaisons' assignments. Every
// read takes the actor and is limited to its scope (the org subtree, and for
// a liaison the persons and households assigned to them). ID numbers and
// phones are stored encrypted, found through a keyed hash, and shown masked
// unless the actor reveals one, which is audited.
package people

import (
	"strings"
)

// Kind is a person's registration kind.
type Kind int

// The registration kinds.
const (
	Registered Kind = 1 // 户籍
	Floating   Kind = 2 // 流动
)

// Valid reports whether k is a known kind.
func (k Kind) Valid() bool { return k == Registered || k == Floating }

// Tag is one of the tags a person may carry, as a bit.
type Tag int

// The tags (DOMAIN.md). The bit values are stored: never renumber them.
const (
	TagHardship       Tag = 1 << iota // 困难户
	TagSubsistence                    // 低保
	TagDisabled                       // 残疾
	TagElderlyAlone                   // 独居老人
	TagRepresentative                 // 代表人士
	TagVolunteer                      // 志愿者
	TagLiaison                        // 联络员
	TagPartyMember                    // 党员
)

// AllTags lists the tags in display order with their Chinese names (the
// names are also how rosters write them).
var AllTags = []struct {
	Tag  Tag
	Name string
	Key  string
}{
	{TagHardship, "困难户", "hardship"},
	{TagSubsistence, "低保", "subsistence"},
	{TagDisabled, "残疾", "disabled"},
	{TagElderlyAlone, "独居老人", "elderly_alone"},
	{TagRepresentative, "代表人士", "representative"},
	{TagVolunteer, "志愿者", "volunteer"},
	{TagLiaison, "联络员", "liaison"},
	{TagPartyMember, "党员", "party_member"},
}

// tagAliases are other ways rosters write tags.
var tagAliases = map[string]Tag{"困难": TagHardship, "低保户": TagSubsistence, "残疾人": TagDisabled, "独居": TagElderlyAlone,
	"孤老": TagElderlyAlone, "代表": TagRepresentative, "民族代表人士": TagRepresentative, "志愿": TagVolunteer, "联络": TagLiaison,
	"民族联络员": TagLiaison, "中共党员": TagPartyMember}

// ParseTag returns the tag for a name, key or alias.
func ParseTag(s string) (Tag, bool) {
	s = strings.TrimSpace(s)
	for _, t := range AllTags {
		if s == t.Name || s == t.Key {
			return t.Tag, true
		}
	}
	t, ok := tagAliases[s]
	return t, ok
}

// Tags is a set of tags.
type Tags int

// Has reports whether the set holds t.
func (ts Tags) Has(t Tag) bool { return int(ts)&int(t) != 0 }

// Keys lists the keys of the tags in the set, in display order.
func (ts Tags) Keys() []string {
	var out []string
	for _, t := range AllTags {
		if ts.Has(t.Tag) {
			out = append(out, t.Key)
		}
	}
	return out
}

// Names lists the Chinese names of the tags in the set.
func (ts Tags) Names() []string {
	var out []string
	for _, t := range AllTags {
		if ts.Has(t.Tag) {
			out = append(out, t.Name)
		}
	}
	return out
}

// SplitTags splits a roster's tag cell on , ， 、 ; ； and spaces, returning
// the set and the words it did not know.
func SplitTags(s string) (Tags, []string) {
	var set Tags
	var unknown []string
	for _, w := range strings.FieldsFunc(s, func(r rune) bool {
		return r == ',' || r == '，' || r == '、' || r == ';' || r == '；' || r == ' ' || r == '\u3000' || r == '/' || r == '|'
	}) {
		if t, ok := ParseTag(w); ok {
			set |= Tags(t)
		} else {
			unknown = append(unknown, w)
		}
	}
	return set, unknown
}

// WorkplaceKind is the kind of a person's workplace.
type WorkplaceKind int

// The workplace kinds.
const (
	WorkNone      WorkplaceKind = 0 // residential only
	WorkLocalUnit WorkplaceKind = 1 // 社区单位
	WorkNewOrg    WorkplaceKind = 2 // 两新组织
)

// ParseWorkplaceKind reads a roster's 单位类型 cell.
func ParseWorkplaceKind(s string) (WorkplaceKind, bool) {
	switch strings.TrimSpace(s) {
	case "", "无", "居民", "不适用":
		return WorkNone, true
	case "社区单位", "驻区单位", "辖区单位", "1":
		return WorkLocalUnit, true
	case "两新组织", "两新", "新经济组织", "新社会组织", "2":
		return WorkNewOrg, true
	}
	return WorkNone, false
}

// Status is where a person stands in their lifecycle.
type Status string

// The statuses.
const (
	Active   Status = "active"
	MovedOut Status = "moved_out" // 迁出 (registered) or left (floating)
	Deceased Status = "deceased"
	Merged   Status = "merged" // a duplicate merged into another record
)

// Education levels and political statuses offered in forms; rosters may
// hold other words, which are kept as written.
var (
	EducationLevels  = []string{"研究生", "大学本科", "大学专科", "中专", "高中", "初中", "小学", "文盲或半文盲"}
	PoliticalStatues = []string{"中共党员", "中共预备党员", "共青团员", "民主党派", "无党派人士", "群众"}
)

// Relations to the head of household offered in forms.
var Relations = []string{"户主", "配偶", "子", "女", "父亲", "母亲", "孙子", "孙女", "兄弟姐妹", "儿媳", "女婿", "其他"}

// Person is a resident as the registry shows them. Sensitive values are
// masked; the full ones come only from Reveal.
type Person struct {
	ID              int64
	OrgID           int64
	OrgName         string
	BuildingGroupID int64
	BuildingGroup   string
	HouseholdID     int64
	HouseholdCode   string
	Relation        string
	Name            string
	IDMasked        string
	PhoneMasked     string
	Ethnicity       string // GB/T 3304 code
	Sex             int    // 1 male, 2 female
	BirthDate       string
	BirthRegion     string
	Kind            Kind
	CurrentAddress  string
	RegisteredAddr  string
	Workplace       string
	WorkplaceKind   WorkplaceKind
	Education       string
	PoliticalStatus string
	Tags            Tags
	Note            string
	Status          Status
	StatusDate      string
	MergedInto      int64
	Archived        bool
	ArrivalDate     string
	Origin          string
	ExpectedLeave   string
	PermitNo        string
	PermitExpiry    string
	LiaisonPoint    string
	Version         int
	CreatedAt       string
	UpdatedAt       string
	orgPath         string
	hasPhone        bool
}

// HasPhone reports whether a phone number is on record.
func (p *Person) HasPhone() bool { return p.hasPhone }

// Age returns the person's age in whole years on the given date
// (YYYY-MM-DD).
func (p *Person) Age(on string) int {
	if len(p.BirthDate) < 10 || len(on) < 10 {
		return 0
	}
	age := atoi(on[:4]) - atoi(p.BirthDate[:4])
	if on[5:10] < p.BirthDate[5:10] {
		age--
	}
	return age
}

func atoi(s string) int {
	n := 0
	for _, c := range s {
		if c < '0' || c > '9' {
			return 0
		}
		n = n*10 + int(c-'0')
	}
	return n
}

// Event is an entry of a person's history.
type Event struct {
	ID        int64
	PersonID  int64
	Kind      string // created, moved, moved_out, deceased, returned, household, merged, archived, restored
	Date      string
	FromOrg   string
	ToOrg     string
	Note      string
	Username  string
	CreatedAt string
}

// Household is a household with its members.
type Household struct {
	ID              int64
	OrgID           int64
	OrgName         string
	BuildingGroupID int64
	BuildingGroup   string
	Code            string
	Address         string
	HeadPersonID    int64
	HeadName        string
	Note            string
	Archived        bool
	Version         int
	UpdatedAt       string
	Members         []*Person
	// Size and Ethnicities are filled by lists.
	Size        int
	Ethnicities []string
	orgPath     string
}

// Mixed reports whether the household's members are of more than one
// ethnicity.
func (h *Household) Mixed() bool { return len(h.Ethnicities) > 1 }
