-- Community life (社区活动): activities and their occurrences, attendance,
-- the households a visit reaches, photos; volunteers' own hours and teams;
-- and the anchor rows that venues, partners, honours and the budget link
-- to (their own tables come in later migrations).

-- The kinds of activity. The built-in ones have a code the figures read
-- (interest_class, holiday_visit, liaison_study …); an office adds its own.
CREATE TABLE activity_kinds (
	id {{ID}},
	code TEXT NOT NULL,
	name TEXT NOT NULL,
	builtin INTEGER NOT NULL DEFAULT 0,
	active INTEGER NOT NULL DEFAULT 1,
	sort INTEGER NOT NULL DEFAULT 0,
	created_at TEXT NOT NULL
);
CREATE UNIQUE INDEX activity_kinds_code ON activity_kinds (code);
CREATE UNIQUE INDEX activity_kinds_name ON activity_kinds (name);

-- A recurring activity: the rule its occurrences are generated from.
CREATE TABLE activity_series (
	id {{ID}},
	org_id BIGINT NOT NULL REFERENCES org_units(id),
	kind_id BIGINT NOT NULL REFERENCES activity_kinds(id),
	title TEXT NOT NULL,
	-- the recurrence rule (see activity.Rule): FREQ, INTERVAL, BYDAY, COUNT, UNTIL
	rule TEXT NOT NULL,
	first_date TEXT NOT NULL,
	-- 'HH:MM' China time
	start_time TEXT NOT NULL,
	end_time TEXT NOT NULL,
	-- occurrences exist up to this date ('' before the first generation);
	-- a rule without an end is generated a bounded horizon ahead
	generated_until TEXT NOT NULL DEFAULT '',
	place TEXT NOT NULL DEFAULT '',
	-- 'active', or 'ended' once no further occurrence will be generated
	status TEXT NOT NULL DEFAULT 'active',
	version INTEGER NOT NULL DEFAULT 1,
	created_by BIGINT REFERENCES users(id),
	created_at TEXT NOT NULL,
	updated_at TEXT NOT NULL
);
CREATE INDEX activity_series_org ON activity_series (org_id);

-- The roster of a class or team: the roll call of each occurrence starts
-- from it.
CREATE TABLE series_members (
	series_id BIGINT NOT NULL REFERENCES activity_series(id),
	person_id BIGINT NOT NULL REFERENCES persons(id),
	-- participant, helper
	role TEXT NOT NULL DEFAULT 'participant',
	added_at TEXT NOT NULL,
	PRIMARY KEY (series_id, person_id)
);
CREATE INDEX series_members_person ON series_members (person_id);

-- One activity, or one occurrence of a series.
CREATE TABLE activities (
	id {{ID}},
	-- the organiser: the scope of the activity
	org_id BIGINT NOT NULL REFERENCES org_units(id),
	kind_id BIGINT NOT NULL REFERENCES activity_kinds(id),
	series_id BIGINT REFERENCES activity_series(id),
	-- the occurrence's number in its series (1, 2, …), 0 alone
	seq INTEGER NOT NULL DEFAULT 0,
	-- 1 once edited by itself ("this one"): a change to the series from an
	-- earlier occurrence on no longer rewrites it
	detached INTEGER NOT NULL DEFAULT 0,
	title TEXT NOT NULL,
	-- China local time 'YYYY-MM-DDTHH:MM'; the date is the first 10
	starts_at TEXT NOT NULL,
	ends_at TEXT NOT NULL,
	place TEXT NOT NULL DEFAULT '',
	-- the festival a festival event or holiday visit is for (festival id), ''
	festival TEXT NOT NULL DEFAULT '',
	-- planned, done, cancelled (a cancelled one is kept and counts nowhere)
	status TEXT NOT NULL DEFAULT 'planned',
	cancel_reason TEXT NOT NULL DEFAULT '',
	-- others who took part, counted by number (not registered persons)
	others_count INTEGER NOT NULL DEFAULT 0,
	others_minority INTEGER NOT NULL DEFAULT 0,
	summary TEXT NOT NULL DEFAULT '',
	version INTEGER NOT NULL DEFAULT 1,
	created_by BIGINT REFERENCES users(id),
	created_at TEXT NOT NULL,
	updated_at TEXT NOT NULL
);
CREATE INDEX activities_org ON activities (org_id, starts_at);
CREATE INDEX activities_starts ON activities (starts_at);
CREATE INDEX activities_series ON activities (series_id, starts_at);
CREATE INDEX activities_festival ON activities (festival, starts_at) WHERE festival <> '';

-- Registered persons signed up for an occurrence and whether they came:
-- one row per person per occurrence, so a double tap or two phones taking
-- the same roll call never count a person twice.
CREATE TABLE attendance (
	activity_id BIGINT NOT NULL REFERENCES activities(id),
	person_id BIGINT NOT NULL REFERENCES persons(id),
	-- participant, helper (a volunteer's hours come from helper rows)
	role TEXT NOT NULL DEFAULT 'participant',
	present INTEGER NOT NULL DEFAULT 0,
	marked_by BIGINT REFERENCES users(id),
	marked_at TEXT NOT NULL DEFAULT '',
	PRIMARY KEY (activity_id, person_id)
);
CREATE INDEX attendance_person ON attendance (person_id);

-- The households a holiday visit or a two-way service goes to.
CREATE TABLE activity_households (
	activity_id BIGINT NOT NULL REFERENCES activities(id),
	household_id BIGINT NOT NULL REFERENCES households(id),
	PRIMARY KEY (activity_id, household_id)
);
CREATE INDEX activity_households_household ON activity_households (household_id);

-- Photos and documents of an activity, in the file store.
CREATE TABLE activity_files (
	id {{ID}},
	activity_id BIGINT NOT NULL REFERENCES activities(id),
	file_id BIGINT NOT NULL REFERENCES files(id),
	caption TEXT NOT NULL DEFAULT '',
	created_by BIGINT REFERENCES users(id),
	created_at TEXT NOT NULL
);
CREATE INDEX activity_files_activity ON activity_files (activity_id);

-- Hours volunteers log themselves; they count once approved.
CREATE TABLE volunteer_hours (
	id {{ID}},
	-- the volunteer's committee: the scope
	org_id BIGINT NOT NULL REFERENCES org_units(id),
	person_id BIGINT NOT NULL REFERENCES persons(id),
	date TEXT NOT NULL,
	minutes INTEGER NOT NULL,
	what TEXT NOT NULL,
	-- pending, approved, rejected
	status TEXT NOT NULL DEFAULT 'pending',
	decided_by BIGINT REFERENCES users(id),
	decided_at TEXT NOT NULL DEFAULT '',
	reject_reason TEXT NOT NULL DEFAULT '',
	created_by BIGINT REFERENCES users(id),
	created_at TEXT NOT NULL
);
CREATE INDEX volunteer_hours_org ON volunteer_hours (org_id, status, date);
CREATE INDEX volunteer_hours_person ON volunteer_hours (person_id, date);

-- Volunteer teams (a knitting team for children in care homes …).
CREATE TABLE volunteer_teams (
	id {{ID}},
	org_id BIGINT NOT NULL REFERENCES org_units(id),
	name TEXT NOT NULL,
	purpose TEXT NOT NULL DEFAULT '',
	active INTEGER NOT NULL DEFAULT 1,
	version INTEGER NOT NULL DEFAULT 1,
	created_at TEXT NOT NULL,
	updated_at TEXT NOT NULL
);
CREATE INDEX volunteer_teams_org ON volunteer_teams (org_id);

CREATE TABLE volunteer_team_members (
	team_id BIGINT NOT NULL REFERENCES volunteer_teams(id),
	person_id BIGINT NOT NULL REFERENCES persons(id),
	joined_at TEXT NOT NULL,
	PRIMARY KEY (team_id, person_id)
);
CREATE INDEX volunteer_team_members_person ON volunteer_team_members (person_id);

-- A visit of a pairing counts towards the visitor's hours.
ALTER TABLE pairing_visits ADD COLUMN minutes INTEGER NOT NULL DEFAULT 0;

-- Venues (民族之家 rooms, the community school). Opening hours and
-- bookings are the venues migration's.
CREATE TABLE venues (
	id {{ID}},
	org_id BIGINT NOT NULL REFERENCES org_units(id),
	name TEXT NOT NULL,
	address TEXT NOT NULL DEFAULT '',
	capacity INTEGER NOT NULL DEFAULT 0,
	note TEXT NOT NULL DEFAULT '',
	active INTEGER NOT NULL DEFAULT 1,
	version INTEGER NOT NULL DEFAULT 1,
	created_at TEXT NOT NULL,
	updated_at TEXT NOT NULL
);
CREATE INDEX venues_org ON venues (org_id);

-- Partner organisations (共建单位). Agreements are the partners
-- migration's.
CREATE TABLE partners (
	id {{ID}},
	org_id BIGINT NOT NULL REFERENCES org_units(id),
	name TEXT NOT NULL,
	-- restaurant, care_home, judicial, school, firm, hospital, other
	type TEXT NOT NULL DEFAULT 'other',
	contact_name TEXT NOT NULL DEFAULT '',
	contact_phone TEXT NOT NULL DEFAULT '',
	address TEXT NOT NULL DEFAULT '',
	note TEXT NOT NULL DEFAULT '',
	active INTEGER NOT NULL DEFAULT 1,
	version INTEGER NOT NULL DEFAULT 1,
	created_at TEXT NOT NULL,
	updated_at TEXT NOT NULL
);
CREATE INDEX partners_org ON partners (org_id);

-- The partners an activity was done with.
CREATE TABLE activity_partners (
	activity_id BIGINT NOT NULL REFERENCES activities(id),
	partner_id BIGINT NOT NULL REFERENCES partners(id),
	PRIMARY KEY (activity_id, partner_id)
);
CREATE INDEX activity_partners_partner ON activity_partners (partner_id);

-- The built-in kinds (the office adds its own on the settings page).
INSERT INTO activity_kinds (code, name, builtin, sort, created_at) VALUES
	('publicity', '政策宣传', 1, 10, '2026-12-07T00:00:00.000Z'),
	('festival', '节日活动', 1, 20, '2026-12-07T00:00:00.000Z'),
	('training', '培训班', 1, 30, '2026-12-07T00:00:00.000Z'),
	('lecture', '讲座', 1, 40, '2026-12-07T00:00:00.000Z'),
	('interest_class', '兴趣班', 1, 50, '2026-12-07T00:00:00.000Z'),
	('health_talk', '健康讲座', 1, 60, '2026-12-07T00:00:00.000Z'),
	('team_practice', '团队排练', 1, 70, '2026-12-07T00:00:00.000Z'),
	('competition', '比赛', 1, 80, '2026-12-07T00:00:00.000Z'),
	('performance', '文艺演出', 1, 90, '2026-12-07T00:00:00.000Z'),
	('exhibition', '展览', 1, 100, '2026-12-07T00:00:00.000Z'),
	('holiday_visit', '节日慰问', 1, 110, '2026-12-07T00:00:00.000Z'),
	('liaison_study', '联络员学习会', 1, 120, '2026-12-07T00:00:00.000Z'),
	('forum', '代表人士座谈会', 1, 130, '2026-12-07T00:00:00.000Z'),
	('two_way_service', '双向服务', 1, 140, '2026-12-07T00:00:00.000Z'),
	('study_trip', '参观考察', 1, 150, '2026-12-07T00:00:00.000Z'),
	('meeting', '会议', 1, 160, '2026-12-07T00:00:00.000Z');
