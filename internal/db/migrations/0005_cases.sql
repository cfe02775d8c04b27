-- Service and rights-protection cases (诉求/服务事项): hotline, reception
-- window, visits, walk-ins; their timeline, attachments, deadlines per kind,
-- and the in-app notification centre.

-- Deadlines per kind, in working days from intake (0: the same day). An
-- admin changes them; the defaults below are the usual ones.
CREATE TABLE case_kind_rules (
	kind TEXT PRIMARY KEY,
	respond_days INTEGER NOT NULL,
	resolve_days INTEGER NOT NULL,
	updated_at TEXT NOT NULL
);
INSERT INTO case_kind_rules (kind, respond_days, resolve_days, updated_at) VALUES
	('consultation', 1, 3, '2026-01-01T00:00:00.000Z'),
	('rights', 1, 10, '2026-01-01T00:00:00.000Z'),
	('hardship', 1, 5, '2026-01-01T00:00:00.000Z'),
	('dispute', 1, 10, '2026-01-01T00:00:00.000Z'),
	('suggestion', 2, 15, '2026-01-01T00:00:00.000Z'),
	('one_stop', 1, 5, '2026-01-01T00:00:00.000Z'),
	('emergency', 0, 1, '2026-01-01T00:00:00.000Z'),
	('feedback', 2, 15, '2026-01-01T00:00:00.000Z');

-- The last case number given out per year (codes are 2026-000123).
CREATE TABLE case_counters (
	year INTEGER PRIMARY KEY,
	seq INTEGER NOT NULL
);

CREATE TABLE cases (
	id {{ID}},
	code TEXT NOT NULL UNIQUE,
	-- the responsible unit (committee or subdistrict), set by routing at intake
	org_id BIGINT NOT NULL REFERENCES org_units(id),
	-- how org_id was chosen: chosen, person, address, actor
	routed_by TEXT NOT NULL DEFAULT '',
	-- hotline, window, visit, walk_in, online
	channel TEXT NOT NULL,
	-- consultation, rights, hardship, dispute, suggestion, one_stop, emergency, feedback
	kind TEXT NOT NULL,
	-- normal, urgent
	urgency TEXT NOT NULL DEFAULT 'normal',
	-- intake, assigned, in_progress, closed, followed_up
	status TEXT NOT NULL DEFAULT 'intake',
	-- a registered caller, or an anonymous one with a callback number
	person_id BIGINT REFERENCES persons(id),
	caller_name TEXT NOT NULL DEFAULT '',
	phone_index TEXT NOT NULL DEFAULT '',
	phone_enc {{BLOB}},
	phone_masked TEXT NOT NULL DEFAULT '',
	address TEXT NOT NULL DEFAULT '',
	summary TEXT NOT NULL,
	-- who works on it: a unit, a user, and/or a partner organisation
	assignee_user_id BIGINT REFERENCES users(id),
	assignee_org_id BIGINT REFERENCES org_units(id),
	partner TEXT NOT NULL DEFAULT '',
	-- deadlines and milestones (UTC timestamps, '' when none)
	respond_due TEXT NOT NULL DEFAULT '',
	resolve_due TEXT NOT NULL DEFAULT '',
	responded_at TEXT NOT NULL DEFAULT '',
	closed_at TEXT NOT NULL DEFAULT '',
	resolution TEXT NOT NULL DEFAULT '',
	-- resolved, partly, unresolved, referred
	result TEXT NOT NULL DEFAULT '',
	-- 1–5 from the follow-up call, 0 before it
	satisfaction INTEGER NOT NULL DEFAULT 0,
	followed_up_at TEXT NOT NULL DEFAULT '',
	-- overdue escalation: how many levels up, to which unit, when
	escalation_level INTEGER NOT NULL DEFAULT 0,
	escalated_org_id BIGINT REFERENCES org_units(id),
	escalated_at TEXT NOT NULL DEFAULT '',
	-- emergency incidents (突发事件)
	occurred_at TEXT NOT NULL DEFAULT '',
	place TEXT NOT NULL DEFAULT '',
	people_involved TEXT NOT NULL DEFAULT '',
	first_report TEXT NOT NULL DEFAULT '',
	closing_report TEXT NOT NULL DEFAULT '',
	created_by BIGINT REFERENCES users(id),
	version INTEGER NOT NULL DEFAULT 1,
	created_at TEXT NOT NULL,
	updated_at TEXT NOT NULL
);
CREATE INDEX cases_org ON cases (org_id, status);
CREATE INDEX cases_assignee_org ON cases (assignee_org_id, status);
CREATE INDEX cases_assignee_user ON cases (assignee_user_id, status);
CREATE INDEX cases_created_by ON cases (created_by, status);
CREATE INDEX cases_status_due ON cases (status, resolve_due);
CREATE INDEX cases_created ON cases (created_at);
CREATE INDEX cases_closed ON cases (closed_at);
CREATE INDEX cases_person ON cases (person_id);
CREATE INDEX cases_phone ON cases (phone_index);

-- The timeline of a case: every step, with the status before and after.
CREATE TABLE case_events (
	id {{ID}},
	case_id BIGINT NOT NULL REFERENCES cases(id),
	-- intake, assign, accept, note, return, reassign, close, follow_up, reopen, report, escalate, attach
	action TEXT NOT NULL,
	from_status TEXT NOT NULL DEFAULT '',
	to_status TEXT NOT NULL DEFAULT '',
	note TEXT NOT NULL DEFAULT '',
	-- the unit, user or partner a step names (assignment, escalation)
	org_id BIGINT REFERENCES org_units(id),
	target_user_id BIGINT REFERENCES users(id),
	partner TEXT NOT NULL DEFAULT '',
	user_id BIGINT,
	username TEXT NOT NULL DEFAULT '',
	at TEXT NOT NULL
);
CREATE INDEX case_events_case ON case_events (case_id, id);

-- Photos and PDFs of a case; the file lives under the data directory.
CREATE TABLE case_attachments (
	id {{ID}},
	case_id BIGINT NOT NULL REFERENCES cases(id),
	name TEXT NOT NULL,
	content_type TEXT NOT NULL,
	size BIGINT NOT NULL,
	sha256 TEXT NOT NULL,
	-- relative to the data directory: attachments/2026/<random>
	path TEXT NOT NULL,
	user_id BIGINT,
	username TEXT NOT NULL DEFAULT '',
	created_at TEXT NOT NULL
);
CREATE INDEX case_attachments_case ON case_attachments (case_id, id);

-- The in-app notification centre.
CREATE TABLE notifications (
	id {{ID}},
	user_id BIGINT NOT NULL REFERENCES users(id),
	-- emergency, escalated, assigned, returned, report
	kind TEXT NOT NULL,
	case_id BIGINT REFERENCES cases(id),
	title TEXT NOT NULL,
	body TEXT NOT NULL DEFAULT '',
	created_at TEXT NOT NULL,
	read_at TEXT NOT NULL DEFAULT ''
);
CREATE INDEX notifications_user ON notifications (user_id, read_at, id);
