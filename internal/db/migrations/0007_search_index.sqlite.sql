-- City-wide search and the speed of large imports (issue 3).
--
-- 1. The ID number's uniqueness becomes a named index (persons_id_index)
--    instead of a column constraint, so that a large import can drop it
--    with the other indexes and build it once over sorted keys (a
--    constraint's automatic index cannot be dropped). SQLite changes a
--    column's constraint by building the table anew: new table, copy, drop,
--    rename (foreign keys are off meanwhile and checked before the commit;
--    see db.Migrate).
-- 2. person_search: a full-text index of the active, unarchived persons for
--    users who see the whole registry (a district's or a city's root), where
--    a search cannot be narrowed to a few committees first. It holds each
--    name's characters (the first one marked with U+E000 before it: a
--    private-use character, which the tokenizer keeps in the word and no
--    name has) and pairs of adjacent characters, and the filters'
--    values as words (eth03, kind2, min for non-Han, tag4), so that a name
--    fragment, a tag, an ethnicity or a kind is found, and counted, from
--    its list alone. Kept by triggers; a large import fills it in one
--    statement (see people/bulk.go).
-- 3. Indexes: persons_order also holds the name (a page of a frequent name
--    fragment walks it in list order); persons_initials holds the pinyin
--    (initials and pinyin prefixes counted and paged without the scope);
--    persons_first (the active persons by the first character of their
--    name, in list order: the page of a surname, whose bearers all sit
--    together in pinyin order, where walking the list to them would read
--    most of it) and persons_eth (the same by ethnicity) are new;
--    persons_name and persons_tagged go (no query uses them any more).

CREATE TABLE persons_new (
	id INTEGER PRIMARY KEY AUTOINCREMENT,
	org_id BIGINT NOT NULL REFERENCES org_units(id),
	building_group_id BIGINT REFERENCES org_units(id),
	household_id BIGINT REFERENCES households(id),
	relation TEXT NOT NULL DEFAULT '',
	name TEXT NOT NULL,
	pinyin TEXT NOT NULL,
	initials TEXT NOT NULL,
	id_index TEXT NOT NULL,
	id_enc BLOB NOT NULL,
	id_masked TEXT NOT NULL,
	id_last4 TEXT NOT NULL,
	phone_index TEXT NOT NULL DEFAULT '',
	phone_enc BLOB,
	phone_masked TEXT NOT NULL DEFAULT '',
	ethnicity TEXT NOT NULL,
	sex INTEGER NOT NULL,
	birth_date TEXT NOT NULL,
	birth_region TEXT NOT NULL,
	kind INTEGER NOT NULL,
	current_address TEXT NOT NULL DEFAULT '',
	registered_address TEXT NOT NULL DEFAULT '',
	workplace TEXT NOT NULL DEFAULT '',
	workplace_kind INTEGER NOT NULL DEFAULT 0,
	education TEXT NOT NULL DEFAULT '',
	political_status TEXT NOT NULL DEFAULT '',
	tags INTEGER NOT NULL DEFAULT 0,
	note TEXT NOT NULL DEFAULT '',
	status TEXT NOT NULL DEFAULT 'active',
	status_date TEXT NOT NULL DEFAULT '',
	merged_into BIGINT,
	archived INTEGER NOT NULL DEFAULT 0,
	arrival_date TEXT NOT NULL DEFAULT '',
	origin TEXT NOT NULL DEFAULT '',
	expected_leave_date TEXT NOT NULL DEFAULT '',
	permit_no TEXT NOT NULL DEFAULT '',
	permit_expiry TEXT NOT NULL DEFAULT '',
	liaison_point TEXT NOT NULL DEFAULT '',
	version INTEGER NOT NULL DEFAULT 1,
	created_at TEXT NOT NULL,
	updated_at TEXT NOT NULL
);
INSERT INTO persons_new SELECT id, org_id, building_group_id, household_id, relation, name, pinyin, initials, id_index, id_enc, id_masked,
	id_last4, phone_index, phone_enc, phone_masked, ethnicity, sex, birth_date, birth_region, kind, current_address, registered_address,
	workplace, workplace_kind, education, political_status, tags, note, status, status_date, merged_into, archived, arrival_date, origin,
	expected_leave_date, permit_no, permit_expiry, liaison_point, version, created_at, updated_at FROM persons ORDER BY id;
CREATE TEMP TABLE m0007_seq AS SELECT seq FROM sqlite_sequence WHERE name = 'persons';
DROP TABLE persons;
ALTER TABLE persons_new RENAME TO persons;
-- Ids are never reused, even those of rows the old table had removed.
UPDATE sqlite_sequence SET seq = MAX(seq, COALESCE((SELECT seq FROM temp.m0007_seq), 0)) WHERE name = 'persons';
DROP TABLE temp.m0007_seq;

CREATE UNIQUE INDEX persons_id_index ON persons (id_index);
CREATE INDEX persons_last4 ON persons (id_last4);
CREATE INDEX persons_phone ON persons (phone_index);
CREATE INDEX persons_household ON persons (household_id);
CREATE INDEX persons_dup ON persons (birth_date, name);
CREATE INDEX persons_permit ON persons (permit_expiry) WHERE kind = 2;
CREATE INDEX persons_scope ON persons (org_id, status, archived, kind, ethnicity, pinyin, initials, tags, name, building_group_id, household_id, id);
CREATE INDEX persons_order ON persons (pinyin, id, org_id, status, archived, kind, ethnicity, tags, name, building_group_id, household_id);
CREATE INDEX persons_initials ON persons (initials, pinyin, status, archived);
-- persons_first and persons_eth serve the whole-registry plans only, which
-- say "id > 0" (true of every person) to use them: no other query implies
-- that condition, so no other plan can pick them, whatever the statistics
-- (sampled ones misjudge an index led by a column of few values, and a
-- subdistrict's ethnicity filter once read the whole city's through it).
CREATE INDEX persons_first ON persons (substr(name, 1, 1), pinyin, id) WHERE status = 'active' AND archived = 0 AND id > 0;
CREATE INDEX persons_eth ON persons (ethnicity, pinyin, id) WHERE status = 'active' AND archived = 0 AND id > 0;

-- 1 to 64, to take names apart (a name has at most 50 characters) and
-- tags (16 bits).
CREATE TABLE search_seq (n INTEGER PRIMARY KEY);
INSERT INTO search_seq (n) SELECT a.n * 8 + b.n + 1 FROM
	(SELECT 0 AS n UNION ALL SELECT 1 UNION ALL SELECT 2 UNION ALL SELECT 3 UNION ALL SELECT 4 UNION ALL SELECT 5 UNION ALL SELECT 6 UNION ALL SELECT 7) a,
	(SELECT 0 AS n UNION ALL SELECT 1 UNION ALL SELECT 2 UNION ALL SELECT 3 UNION ALL SELECT 4 UNION ALL SELECT 5 UNION ALL SELECT 6 UNION ALL SELECT 7) b;

-- What person_search holds of each person: the one definition, used by
-- the triggers, the import and a rebuild.
CREATE VIEW person_search_body AS
SELECT p.id,
	COALESCE((SELECT group_concat(CASE WHEN s.n = 1 THEN char(57344) ELSE '' END || substr(p.name, s.n, 1) || ' ' || substr(p.name, s.n, 2), ' ')
		FROM search_seq s WHERE s.n <= length(p.name)), '')
	|| ' eth' || p.ethnicity || ' kind' || p.kind || CASE WHEN p.ethnicity <> '01' THEN ' min' ELSE '' END
	|| COALESCE((SELECT group_concat(' tag' || (1 << (s.n - 1)), '') FROM search_seq s WHERE s.n <= 16 AND (p.tags & (1 << (s.n - 1))) <> 0), '') AS body
FROM persons p WHERE p.status = 'active' AND p.archived = 0;

-- Contentless (the words are not stored twice), rows deletable by id,
-- no positions (no phrase is ever asked). unicode61 makes every run of
-- letters a word; the body separates them with spaces.
CREATE VIRTUAL TABLE person_search USING fts5(body, content='', contentless_delete=1, detail=none, tokenize='unicode61 remove_diacritics 0');
INSERT INTO person_search (rowid, body) SELECT id, body FROM person_search_body;

CREATE TRIGGER persons_search_insert AFTER INSERT ON persons WHEN new.status = 'active' AND new.archived = 0
BEGIN
	INSERT INTO person_search (rowid, body) SELECT id, body FROM person_search_body WHERE id = new.id;
END;
CREATE TRIGGER persons_search_update AFTER UPDATE OF name, ethnicity, kind, tags, status, archived ON persons
BEGIN
	DELETE FROM person_search WHERE rowid = old.id;
	INSERT INTO person_search (rowid, body) SELECT id, body FROM person_search_body WHERE id = new.id;
END;
CREATE TRIGGER persons_search_delete AFTER DELETE ON persons
BEGIN
	DELETE FROM person_search WHERE rowid = old.id;
END;

-- No ANALYZE here: on an empty table it would record the indexes as
-- empty (see db.Optimize, which the application runs at start).
