-- The ID number's uniqueness as a named index, and the search indexes of
-- issue 3's city-wide search, as on SQLite (see 0007_search_index.sqlite.sql;
-- the full-text index person_search is SQLite's: on PostgreSQL a city-wide
-- search reads these indexes without the scope).
ALTER TABLE persons DROP CONSTRAINT persons_id_index_key;
CREATE UNIQUE INDEX persons_id_index ON persons (id_index);
DROP INDEX persons_name;
DROP INDEX persons_tagged;
DROP INDEX persons_order;
-- (PostgreSQL's indexes do not carry the row's id as SQLite's do: the
-- initials' index names it, and the list order holds the initials, so that
-- the pages of an initials search read the indexes alone.)
CREATE INDEX persons_order ON persons (pinyin, id, org_id, status, archived, kind, ethnicity, tags, name, building_group_id, household_id) INCLUDE (initials);
DROP INDEX persons_initials;
CREATE INDEX persons_initials ON persons (initials, pinyin, status, archived, id);
-- persons_first and persons_eth serve the whole-registry plans only, which
-- say "id > 0" (true of every person) to use them: no other query implies
-- that condition, so no other plan can pick them, whatever the statistics
-- (sampled ones misjudge an index led by a column of few values, and a
-- subdistrict's ethnicity filter once read the whole city's through it).
CREATE INDEX persons_first ON persons ((substr(name, 1, 1)), pinyin, id) WHERE status = 'active' AND archived = 0 AND id > 0;
CREATE INDEX persons_eth ON persons (ethnicity, pinyin, id) WHERE status = 'active' AND archived = 0 AND id > 0;
ANALYZE persons;
