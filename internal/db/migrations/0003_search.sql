-- Search at a million persons (issue 3): indexes that answer the registry's
-- searches from the index alone, without reading each candidate's row.
-- See people/search.go for the query shapes they serve. Each replaces a
-- narrower index of 0002 it starts with, so a write maintains as many
-- indexes as before, plus one small partial index.

-- The scope: a user's committees, then the usual filters, then what the
-- page sort and the other filters read. A count or a page within a
-- subdistrict seeks (org_id, status, archived[, kind[, ethnicity]]) and
-- reads nothing else.
DROP INDEX IF EXISTS persons_org;
CREATE INDEX persons_scope ON persons (org_id, status, archived, kind, ethnicity, pinyin, initials, tags, name, building_group_id, household_id, id);

-- The list order (pinyin, id) with the filters' columns: a page of a broad
-- filter (a kind, a large ethnicity, a whole district) walks it in order
-- and stops after the page; it also serves pinyin prefix search.
DROP INDEX IF EXISTS persons_pinyin;
CREATE INDEX persons_order ON persons (pinyin, id, org_id, status, archived, kind, ethnicity, tags, building_group_id, household_id);

-- Initials prefix search, with the scope's columns.
DROP INDEX IF EXISTS persons_initials;
CREATE INDEX persons_initials ON persons (initials, org_id, status, archived);

-- Tagged persons only (about a quarter): a tag filter reads these.
CREATE INDEX persons_tagged ON persons (org_id, status, archived, tags, pinyin, id) WHERE tags <> 0;

-- Statistics for the new indexes, without which SQLite's planner guesses
-- (and on a large registry guesses a full walk for a pinyin search).
ANALYZE persons;
