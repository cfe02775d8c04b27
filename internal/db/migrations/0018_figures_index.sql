-- The persons' tally of the figures (internal/figures/tally.go) reads every
-- person of a subtree living there at a period's end, by ethnicity, kind,
-- workplace and tags: this index holds all it reads, so the district's
-- tally at a million persons is a scan of the index, not of the table.
CREATE INDEX persons_figures ON persons (org_id, status, archived, kind, ethnicity, workplace_kind, tags, status_date, arrival_date);

-- The households of a subtree (the household figures, the household list
-- of a unit) by their unit, without a scan of every household.
CREATE INDEX households_org ON households (org_id, archived);
