-- Honours (荣誉), the budget and its spending (经费), and the rules and
-- documents library (制度). The figures the annual report reads from here:
--
--   honoured_families        households granted 民族团结文明家庭 in a year:
--     SELECT COUNT(DISTINCT h.household_id) FROM honours h
--       JOIN honour_kinds k ON k.id = h.kind_id
--      WHERE k.code = 'civilised_family' AND h.status = 'granted' AND h.year = ?
--   featured_building_groups building groups granted 民族团结特色楼组:
--     the same with k.code = 'featured_building_group' and h.unit_id
--   budget                   SELECT SUM(amount_fen) FROM budgets WHERE year = ?
--   spent                    SELECT SUM(amount_fen) FROM spendings
--                             WHERE status = 'valid' AND substr(date, 1, 4) = ?
--
-- each with the org condition of the report's unit on org_id.

-- The kinds of honour. The built-in ones have a code the figures read; a
-- subdistrict adds the community's own titles.
CREATE TABLE honour_kinds (
	id {{ID}},
	code TEXT NOT NULL,
	name TEXT NOT NULL,
	-- who receives it: household, building_group, person, collective
	recipient TEXT NOT NULL,
	builtin INTEGER NOT NULL DEFAULT 0,
	active INTEGER NOT NULL DEFAULT 1,
	sort INTEGER NOT NULL DEFAULT 0,
	created_at TEXT NOT NULL
);
CREATE UNIQUE INDEX honour_kinds_code ON honour_kinds (code);
CREATE UNIQUE INDEX honour_kinds_name ON honour_kinds (name);

-- An honour of a year, from its nomination to its grant or refusal.
CREATE TABLE honours (
	id {{ID}},
	-- the recipient's unit (a household's or person's committee, the
	-- building group, the collective's unit): the scope
	org_id BIGINT NOT NULL REFERENCES org_units(id),
	kind_id BIGINT NOT NULL REFERENCES honour_kinds(id),
	year INTEGER NOT NULL,
	-- the recipient: one of these, as the kind says
	household_id BIGINT REFERENCES households(id),
	person_id BIGINT REFERENCES persons(id),
	unit_id BIGINT REFERENCES org_units(id),
	-- a named collective that is not an org unit (a choir, a shop)
	collective TEXT NOT NULL DEFAULT '',
	-- 'h:12', 'p:7', 'u:9' or 'c:名称': one key for the constraint below
	recipient_key TEXT NOT NULL,
	deeds TEXT NOT NULL,
	-- nominated, reviewed, granted, refused
	status TEXT NOT NULL DEFAULT 'nominated',
	nominated_by BIGINT REFERENCES users(id),
	nominated_at TEXT NOT NULL,
	reviewed_by BIGINT REFERENCES users(id),
	reviewed_at TEXT NOT NULL DEFAULT '',
	review_note TEXT NOT NULL DEFAULT '',
	-- the grant or the refusal
	decided_by BIGINT REFERENCES users(id),
	decided_at TEXT NOT NULL DEFAULT '',
	-- the unit that granted it (the certificate's issuer)
	granted_by_org BIGINT REFERENCES org_units(id),
	-- the step it was refused at (review, grant) and why
	refused_at TEXT NOT NULL DEFAULT '',
	refuse_reason TEXT NOT NULL DEFAULT '',
	certificate_no TEXT NOT NULL DEFAULT '',
	version INTEGER NOT NULL DEFAULT 1,
	created_at TEXT NOT NULL,
	updated_at TEXT NOT NULL
);
-- One honour per kind, year and recipient; a refused nomination does not
-- hold the place (the committee may nominate again).
CREATE UNIQUE INDEX honours_once ON honours (kind_id, year, recipient_key) WHERE status <> 'refused';
CREATE INDEX honours_org ON honours (org_id, year);
CREATE INDEX honours_household ON honours (household_id) WHERE household_id IS NOT NULL;
CREATE INDEX honours_unit ON honours (unit_id) WHERE unit_id IS NOT NULL;

INSERT INTO honour_kinds (code, name, recipient, builtin, sort, created_at) VALUES
	('civilised_family', '民族团结文明家庭', 'household', 1, 10, '2026-12-07T00:00:00.000Z'),
	('featured_building_group', '民族团结特色楼组', 'building_group', 1, 20, '2026-12-07T00:00:00.000Z'),
	('advanced_individual', '民族团结进步先进个人', 'person', 1, 30, '2026-12-07T00:00:00.000Z'),
	('advanced_collective', '民族团结进步先进集体', 'collective', 1, 40, '2026-12-07T00:00:00.000Z');

-- The year's budget of a unit for one purpose (publicity, hardship,
-- study_trip, activity, other), in fen.
CREATE TABLE budgets (
	id {{ID}},
	org_id BIGINT NOT NULL REFERENCES org_units(id),
	year INTEGER NOT NULL,
	purpose TEXT NOT NULL,
	amount_fen BIGINT NOT NULL CHECK (amount_fen >= 0),
	note TEXT NOT NULL DEFAULT '',
	version INTEGER NOT NULL DEFAULT 1,
	created_by BIGINT REFERENCES users(id),
	created_at TEXT NOT NULL,
	updated_at TEXT NOT NULL
);
CREATE UNIQUE INDEX budgets_line ON budgets (org_id, year, purpose);
CREATE INDEX budgets_year ON budgets (year, org_id);

-- Money spent. A wrong entry is voided with a reason, never deleted: a
-- void entry is kept and counts nowhere.
CREATE TABLE spendings (
	id {{ID}},
	org_id BIGINT NOT NULL REFERENCES org_units(id),
	date TEXT NOT NULL,
	purpose TEXT NOT NULL,
	amount_fen BIGINT NOT NULL CHECK (amount_fen > 0),
	payee TEXT NOT NULL DEFAULT '',
	note TEXT NOT NULL DEFAULT '',
	activity_id BIGINT REFERENCES activities(id),
	pairing_id BIGINT REFERENCES pairings(id),
	partner_id BIGINT REFERENCES partners(id),
	-- why it goes past the unit's budget for the year and purpose
	over_reason TEXT NOT NULL DEFAULT '',
	-- valid, void
	status TEXT NOT NULL DEFAULT 'valid',
	void_reason TEXT NOT NULL DEFAULT '',
	voided_by BIGINT REFERENCES users(id),
	voided_at TEXT NOT NULL DEFAULT '',
	version INTEGER NOT NULL DEFAULT 1,
	created_by BIGINT REFERENCES users(id),
	created_at TEXT NOT NULL
);
CREATE INDEX spendings_org ON spendings (org_id, date);
CREATE INDEX spendings_date ON spendings (date);
CREATE INDEX spendings_activity ON spendings (activity_id) WHERE activity_id IS NOT NULL;

-- Receipts of a spending entry, in the file store.
CREATE TABLE spending_receipts (
	id {{ID}},
	spending_id BIGINT NOT NULL REFERENCES spendings(id),
	file_id BIGINT NOT NULL REFERENCES files(id),
	name TEXT NOT NULL DEFAULT '',
	created_by BIGINT REFERENCES users(id),
	created_at TEXT NOT NULL
);
CREATE INDEX spending_receipts_spending ON spending_receipts (spending_id);

-- The rules and documents library. A document belongs to a unit; it is
-- read by that unit's subtree and by the units above it (a subdistrict's
-- rules apply to its committees), and changed only within the subtree.
CREATE TABLE docs (
	id {{ID}},
	org_id BIGINT NOT NULL REFERENCES org_units(id),
	-- rule, policy, minutes, other
	category TEXT NOT NULL,
	-- for rules: befriending, study, hardship, feedback, emergency ('' else)
	topic TEXT NOT NULL DEFAULT '',
	title TEXT NOT NULL,
	-- the current version's number and text (searched with the title)
	current_seq INTEGER NOT NULL DEFAULT 0,
	body TEXT NOT NULL DEFAULT '',
	version INTEGER NOT NULL DEFAULT 1,
	created_by BIGINT REFERENCES users(id),
	created_at TEXT NOT NULL,
	updated_at TEXT NOT NULL
);
CREATE INDEX docs_org ON docs (org_id, category);

-- Each upload of a document is a new version; earlier ones stay.
CREATE TABLE doc_versions (
	id {{ID}},
	doc_id BIGINT NOT NULL REFERENCES docs(id),
	seq INTEGER NOT NULL,
	file_id BIGINT NOT NULL REFERENCES files(id),
	name TEXT NOT NULL DEFAULT '',
	mime TEXT NOT NULL DEFAULT '',
	size BIGINT NOT NULL DEFAULT 0,
	-- the text extracted (DOCX, plain text) or pasted (PDF, scans)
	body TEXT NOT NULL DEFAULT '',
	note TEXT NOT NULL DEFAULT '',
	created_by BIGINT REFERENCES users(id),
	created_at TEXT NOT NULL
);
CREATE UNIQUE INDEX doc_versions_seq ON doc_versions (doc_id, seq);
