-- The resident registry: households, persons (registered and floating),
-- their history, and liaisons' assignments.

CREATE TABLE households (
	id {{ID}},
	-- the committee, and optionally the building group, it belongs to
	org_id BIGINT NOT NULL REFERENCES org_units(id),
	building_group_id BIGINT REFERENCES org_units(id),
	-- 户号 from the roster; unique within a committee when given
	code TEXT NOT NULL DEFAULT '',
	address TEXT NOT NULL DEFAULT '',
	head_person_id BIGINT,
	note TEXT NOT NULL DEFAULT '',
	archived INTEGER NOT NULL DEFAULT 0,
	version INTEGER NOT NULL DEFAULT 1,
	created_at TEXT NOT NULL,
	updated_at TEXT NOT NULL
);
CREATE UNIQUE INDEX households_code ON households (org_id, code) WHERE code <> '';

CREATE TABLE persons (
	id {{ID}},
	org_id BIGINT NOT NULL REFERENCES org_units(id),
	building_group_id BIGINT REFERENCES org_units(id),
	household_id BIGINT REFERENCES households(id),
	relation TEXT NOT NULL DEFAULT '',
	name TEXT NOT NULL,
	-- full pinyin and initials, lower case, for search
	pinyin TEXT{{C}} NOT NULL,
	initials TEXT{{C}} NOT NULL,
	-- the citizen ID number: encrypted, a keyed hash to find it, the masked
	-- form shown to everyone and its last four characters for search
	id_index TEXT NOT NULL UNIQUE,
	id_enc {{BLOB}} NOT NULL,
	id_masked TEXT NOT NULL,
	id_last4 TEXT NOT NULL,
	phone_index TEXT NOT NULL DEFAULT '',
	phone_enc {{BLOB}},
	phone_masked TEXT NOT NULL DEFAULT '',
	-- GB/T 3304 code, GB/T 2261 sex (1 male, 2 female), birth date and the
	-- GB/T 2260 region of the ID number
	ethnicity TEXT NOT NULL,
	sex INTEGER NOT NULL,
	birth_date TEXT NOT NULL,
	birth_region TEXT NOT NULL,
	-- 1 registered (户籍), 2 floating (流动)
	kind INTEGER NOT NULL,
	current_address TEXT NOT NULL DEFAULT '',
	registered_address TEXT NOT NULL DEFAULT '',
	workplace TEXT NOT NULL DEFAULT '',
	-- 0 none, 1 community unit (社区单位), 2 new organisation (两新组织)
	workplace_kind INTEGER NOT NULL DEFAULT 0,
	education TEXT NOT NULL DEFAULT '',
	political_status TEXT NOT NULL DEFAULT '',
	-- bit set of tags (see people.Tag)
	tags INTEGER NOT NULL DEFAULT 0,
	note TEXT NOT NULL DEFAULT '',
	-- active, moved_out, deceased, merged
	status TEXT NOT NULL DEFAULT 'active',
	status_date TEXT NOT NULL DEFAULT '',
	merged_into BIGINT,
	archived INTEGER NOT NULL DEFAULT 0,
	-- floating residents
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
CREATE INDEX persons_org ON persons (org_id, status);
CREATE INDEX persons_name ON persons (name);
CREATE INDEX persons_pinyin ON persons (pinyin);
CREATE INDEX persons_initials ON persons (initials);
CREATE INDEX persons_last4 ON persons (id_last4);
CREATE INDEX persons_phone ON persons (phone_index);
CREATE INDEX persons_household ON persons (household_id);
CREATE INDEX persons_dup ON persons (birth_date, name);
CREATE INDEX persons_permit ON persons (permit_expiry) WHERE kind = 2;

-- What happened to a person, with dates: moves, moving out, death, return,
-- household changes, merges, archiving.
CREATE TABLE person_events (
	id {{ID}},
	person_id BIGINT NOT NULL REFERENCES persons(id),
	kind TEXT NOT NULL,
	date TEXT NOT NULL,
	from_org_id BIGINT,
	to_org_id BIGINT,
	note TEXT NOT NULL DEFAULT '',
	user_id BIGINT,
	username TEXT NOT NULL DEFAULT '',
	created_at TEXT NOT NULL
);
CREATE INDEX person_events_person ON person_events (person_id, id);

-- Liaisons (user accounts of role liaison) and whom they look after.
CREATE TABLE liaison_assignments (
	user_id BIGINT NOT NULL REFERENCES users(id),
	person_id BIGINT REFERENCES persons(id),
	household_id BIGINT REFERENCES households(id),
	created_at TEXT NOT NULL
);
CREATE UNIQUE INDEX liaison_assignments_person ON liaison_assignments (user_id, person_id) WHERE person_id IS NOT NULL;
CREATE UNIQUE INDEX liaison_assignments_household ON liaison_assignments (user_id, household_id) WHERE household_id IS NOT NULL;
CREATE INDEX liaison_assignments_p ON liaison_assignments (person_id);
CREATE INDEX liaison_assignments_h ON liaison_assignments (household_id);
