package people

// Roster export: the registry as a workbook in the import template's
// layout (issue 3, item 8).

import (
	"context"
	"fmt"
	"io"
	"strings"

	"shiliu/internal/audit"
	"shiliu/internal/auth"
	"shiliu/internal/errs"
	"shiliu/internal/people/roster"
	"shiliu/internal/ref"
	"shiliu/internal/secret"
)

// ExportRoster writes the persons a filter selects in the actor's scope
// (all of them: Limit and Offset are ignored) as an xlsx in the import
// template's layout, so that export → edit → import round-trips. ID
// numbers and phones are masked unless reveal is set (the caller decides
// from auth.PersonReveal; the command line may); every cell is text, and
// values that would run as formulas are prefixed with an apostrophe. One
// audit record notes the count and whether full values were included; it
// is written before the workbook. The command line exports the whole
// registry as the system actor. It returns the number of persons written.
func (s *Service) ExportRoster(ctx context.Context, a *auth.Actor, f Filter, reveal bool, w io.Writer) (int, error) {
	if err := a.Require(auth.PersonExport); err != nil {
		return 0, err
	}
	if reveal && !a.Can(auth.PersonReveal) {
		return 0, errs.ErrForbidden
	}
	scoped := a
	labels, err := s.rosterPlaces(ctx, a, true)
	if err != nil {
		return 0, err
	}
	committees := map[int64]roster.Unit{}
	for _, c := range labels.Committees() {
		committees[c.ID] = c
	}
	groups, err := s.groupUnits(ctx)
	if err != nil {
		return 0, err
	}
	where, args, qkind := s.where(scoped, f)
	order := map[string]string{"name": "p.pinyin, p.id", "birth": "p.birth_date, p.id", "updated": "p.updated_at DESC, p.id DESC",
		"permit": "p.permit_expiry, p.id", "leave": "p.expected_leave_date, p.id"}[f.Sort]
	if order == "" {
		order = "o.path, COALESCE(h.code, ''), p.id"
	}
	rows, err := s.DB.Query(ctx, `SELECT p.org_id, COALESCE(p.building_group_id, 0), COALESCE(h.code, ''), p.relation, p.name, p.id_masked, p.id_enc,
		p.phone_masked, p.phone_enc, p.ethnicity, p.sex, p.birth_date, p.kind, p.current_address, p.registered_address, p.workplace,
		p.workplace_kind, p.education, p.political_status, p.tags, p.note, p.arrival_date, p.permit_expiry`+personFrom+where+` ORDER BY `+order, args...)
	if err != nil {
		return 0, fmt.Errorf("export persons: %w", err)
	}
	defer rows.Close()
	exp, err := roster.NewExport()
	if err != nil {
		return 0, err
	}
	defer exp.Close()
	for rows.Next() {
		var (
			org, bg                  int64
			r                        roster.ExportRow
			idEnc, phoneEnc          []byte
			sex, kind, wk, tags      int
			eth                      string
			idMasked, phoneMasked    string
			household, relation, bth string
		)
		if err := rows.Scan(&org, &bg, &household, &relation, &r[roster.FName], &idMasked, &idEnc, &phoneMasked, &phoneEnc, &eth, &sex, &bth,
			&kind, &r[roster.FCurrentAddr], &r[roster.FRegisteredAddr], &r[roster.FWorkplace], &wk, &r[roster.FEducation],
			&r[roster.FPolitical], &tags, &r[roster.FNote], &r[roster.FArrival], &r[roster.FPermitExpiry]); err != nil {
			return 0, err
		}
		r[roster.FID], r[roster.FPhone] = idMasked, phoneMasked
		if reveal {
			if r[roster.FID], err = secret.OpenField(s.Keys, adID, idEnc); err != nil {
				return 0, fmt.Errorf("open an ID number: %w", err)
			}
			if r[roster.FPhone], err = secret.OpenField(s.Keys, adPhone, phoneEnc); err != nil {
				return 0, fmt.Errorf("open a phone: %w", err)
			}
		}
		if e, ok := ref.EthnicityByCode(eth); ok {
			r[roster.FEthnicity] = e.Name
		}
		r[roster.FSex], r[roster.FBirth], r[roster.FKind] = roster.SexName(sex), bth, roster.KindName(kind)
		if c, ok := committees[org]; ok {
			r[roster.FCommittee] = labels.CommitteeLabel(c)
		}
		if g, ok := groups[bg]; ok {
			r[roster.FBuildingGroup] = labels.GroupLabel(g)
		}
		switch WorkplaceKind(wk) {
		case WorkLocalUnit:
			r[roster.FWorkplaceKind] = "社区单位"
		case WorkNewOrg:
			r[roster.FWorkplaceKind] = "两新组织"
		}
		r[roster.FTags] = strings.Join(Tags(tags).Names(), "、")
		if household != "" {
			r[roster.FHousehold], r[roster.FRelation] = household, relation
		}
		if err := exp.Add(r); err != nil {
			return 0, err
		}
	}
	if err := rows.Err(); err != nil {
		return 0, err
	}
	detail := map[string]any{"rows": exp.Len(), "full": reveal}
	if f.OrgID != 0 {
		detail["org_id"] = f.OrgID
	}
	if qkind != QNone {
		detail["query"] = string(qkind) // never the search text: it may be an ID number
	}
	if f.Ethnicity != "" {
		detail["ethnicity"] = f.Ethnicity
	}
	if f.Tags != 0 {
		detail["tags"] = int(f.Tags)
	}
	if f.Kind != 0 {
		detail["kind"] = int(f.Kind)
	}
	if f.Status != "" {
		detail["status"] = f.Status
	}
	if err := audit.Write(ctx, s.DB, audit.Entry{Who: a.Who(), Action: audit.ActionExport, Entity: "person", Detail: detail}); err != nil {
		return 0, err
	}
	if _, err := exp.WriteTo(w); err != nil {
		return 0, fmt.Errorf("write export: %w", err)
	}
	return exp.Len(), nil
}

// groupUnits returns every active building group by id.
func (s *Service) groupUnits(ctx context.Context) (map[int64]roster.Unit, error) {
	rows, err := s.DB.Query(ctx, `SELECT id, code, name, COALESCE(parent_id, 0) FROM org_units WHERE kind = 'building_group' AND archived = 0`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[int64]roster.Unit{}
	for rows.Next() {
		var u roster.Unit
		if err := rows.Scan(&u.ID, &u.Code, &u.Name, &u.Parent); err != nil {
			return nil, err
		}
		out[u.ID] = u
	}
	return out, rows.Err()
}
