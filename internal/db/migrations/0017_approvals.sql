-- The annual data set (年度数据) of a unit — a subdistrict or a committee —
-- for a year: the figures (computed live until approved), the office's
-- narrative, and its approval. A committee's set is written and submitted
-- by the committee and approved by its subdistrict; the subdistrict's own
-- set can be approved only when all its committees' sets of the year are
-- (DHIS2's upward approval). Approving stores a snapshot (report_snapshots);
-- re-approval after an unlock adds version N+1 and keeps the old ones.
CREATE TABLE report_sets (
	id {{ID}},
	org_id BIGINT NOT NULL REFERENCES org_units(id),
	year INTEGER NOT NULL,
	-- draft, submitted, approved
	status TEXT NOT NULL DEFAULT 'draft',
	-- the narrative: what was done (主要工作), problems (存在问题), plans
	-- for next year (下一步计划)
	work TEXT NOT NULL DEFAULT '',
	problems TEXT NOT NULL DEFAULT '',
	plans TEXT NOT NULL DEFAULT '',
	submitted_by BIGINT REFERENCES users(id),
	submitted_at TEXT NOT NULL DEFAULT '',
	-- the latest approved snapshot's version (0: never approved)
	approved_version INTEGER NOT NULL DEFAULT 0,
	-- a pending unlock request of an approved set (the approver asks, a
	-- security admin consents)
	unlock_requested_by BIGINT REFERENCES users(id),
	unlock_requested_at TEXT NOT NULL DEFAULT '',
	unlock_reason TEXT NOT NULL DEFAULT '',
	version INTEGER NOT NULL DEFAULT 1,
	created_at TEXT NOT NULL,
	updated_at TEXT NOT NULL
);
CREATE UNIQUE INDEX report_sets_unit_year ON report_sets (org_id, year);
CREATE INDEX report_sets_year ON report_sets (year);

-- An approved snapshot: the figures as figures.Summary gives them (JSON),
-- the narrative, who approved it and when; and, once unlocked, who asked,
-- who consented and why. Never changed but for the unlock columns.
CREATE TABLE report_snapshots (
	id {{ID}},
	set_id BIGINT NOT NULL REFERENCES report_sets(id),
	version INTEGER NOT NULL,
	figures TEXT NOT NULL,
	work TEXT NOT NULL,
	problems TEXT NOT NULL,
	plans TEXT NOT NULL,
	approved_by BIGINT REFERENCES users(id),
	approved_by_name TEXT NOT NULL,
	approved_at TEXT NOT NULL,
	unlock_requested_by_name TEXT NOT NULL DEFAULT '',
	unlock_consented_by_name TEXT NOT NULL DEFAULT '',
	unlocked_at TEXT NOT NULL DEFAULT '',
	unlock_reason TEXT NOT NULL DEFAULT ''
);
CREATE UNIQUE INDEX report_snapshots_set_version ON report_snapshots (set_id, version);
