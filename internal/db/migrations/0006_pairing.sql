-- Pairing assistance (结对帮困) and its visits, befriending contacts with
-- representative figures (交友), and the duty rosters of the hotline and
-- the reception window with the hours served.

-- A helper paired with a person or a household in hardship.
CREATE TABLE pairings (
	id {{ID}},
	-- the target's committee: the scope of the pairing
	org_id BIGINT NOT NULL REFERENCES org_units(id),
	-- volunteer (a registered person), liaison or official (an account),
	-- partner (an organisation, by name)
	helper_kind TEXT NOT NULL,
	helper_person_id BIGINT REFERENCES persons(id),
	helper_user_id BIGINT REFERENCES users(id),
	helper_name TEXT NOT NULL DEFAULT '',
	-- exactly one of the two
	target_person_id BIGINT REFERENCES persons(id),
	target_household_id BIGINT REFERENCES households(id),
	start_date TEXT NOT NULL,
	-- the agreed end, '' when open
	end_date TEXT NOT NULL DEFAULT '',
	agreement TEXT NOT NULL DEFAULT '',
	-- a visit is due every cadence_days days; 0: no fixed cadence
	cadence_days INTEGER NOT NULL DEFAULT 0,
	-- active, ended
	status TEXT NOT NULL DEFAULT 'active',
	-- the date it ended, and why
	ended_at TEXT NOT NULL DEFAULT '',
	end_reason TEXT NOT NULL DEFAULT '',
	-- kept by the service: the latest visit's date, and the date the next
	-- visit is due (last visit or start + cadence; '' without a cadence)
	last_visit_date TEXT NOT NULL DEFAULT '',
	next_due_date TEXT NOT NULL DEFAULT '',
	version INTEGER NOT NULL DEFAULT 1,
	created_at TEXT NOT NULL,
	updated_at TEXT NOT NULL
);
CREATE INDEX pairings_org ON pairings (org_id, status);
CREATE INDEX pairings_due ON pairings (status, next_due_date);
CREATE INDEX pairings_target_person ON pairings (target_person_id);
CREATE INDEX pairings_target_household ON pairings (target_household_id);
CREATE INDEX pairings_helper_user ON pairings (helper_user_id);
CREATE INDEX pairings_helper_person ON pairings (helper_person_id);

-- A visit of a pairing: who went, what help was given and its value.
CREATE TABLE pairing_visits (
	id {{ID}},
	pairing_id BIGINT NOT NULL REFERENCES pairings(id),
	date TEXT NOT NULL,
	visitor_user_id BIGINT REFERENCES users(id),
	visitor_name TEXT NOT NULL DEFAULT '',
	help TEXT NOT NULL DEFAULT '',
	-- goods or money, in fen
	value_cents BIGINT NOT NULL DEFAULT 0,
	note TEXT NOT NULL DEFAULT '',
	-- a photo under the data directory ('' when none), its sniffed type,
	-- the name it was uploaded with and its size
	photo_path TEXT NOT NULL DEFAULT '',
	photo_type TEXT NOT NULL DEFAULT '',
	photo_name TEXT NOT NULL DEFAULT '',
	photo_size BIGINT NOT NULL DEFAULT 0,
	created_by BIGINT REFERENCES users(id),
	created_at TEXT NOT NULL
);
CREATE INDEX pairing_visits_pairing ON pairing_visits (pairing_id, date);
CREATE INDEX pairing_visits_date ON pairing_visits (date);

-- Officials' and liaisons' contacts with representative figures (交友).
CREATE TABLE contacts (
	id {{ID}},
	-- the person's committee when the contact was logged: the scope
	org_id BIGINT NOT NULL REFERENCES org_units(id),
	person_id BIGINT NOT NULL REFERENCES persons(id),
	-- the official or liaison who made the contact
	user_id BIGINT REFERENCES users(id),
	date TEXT NOT NULL,
	-- visit, phone, meeting, other
	mode TEXT NOT NULL,
	topic TEXT NOT NULL DEFAULT '',
	note TEXT NOT NULL DEFAULT '',
	-- an opinion or suggestion collected (信息反馈), '' when none
	opinion TEXT NOT NULL DEFAULT '',
	-- the feedback case that tracks the opinion, once created
	case_id BIGINT,
	created_by BIGINT REFERENCES users(id),
	created_at TEXT NOT NULL
);
CREATE INDEX contacts_org ON contacts (org_id, date);
CREATE INDEX contacts_person ON contacts (person_id, date);
CREATE INDEX contacts_user ON contacts (user_id, date);

-- Who staffs the hotline or the reception window, week by week.
CREATE TABLE duty_slots (
	id {{ID}},
	org_id BIGINT NOT NULL REFERENCES org_units(id),
	-- hotline, window
	service TEXT NOT NULL,
	-- ISO weekday: 1 Monday … 7 Sunday
	weekday INTEGER NOT NULL,
	-- 'HH:MM' in China time; an end before the start runs past midnight,
	-- '24:00' ends at midnight
	start_time TEXT NOT NULL,
	end_time TEXT NOT NULL,
	-- an account, a registered person (a volunteer), or only a name
	user_id BIGINT REFERENCES users(id),
	person_id BIGINT REFERENCES persons(id),
	name TEXT NOT NULL DEFAULT '',
	-- dates, '' when open
	valid_from TEXT NOT NULL DEFAULT '',
	valid_to TEXT NOT NULL DEFAULT '',
	note TEXT NOT NULL DEFAULT '',
	version INTEGER NOT NULL DEFAULT 1,
	created_at TEXT NOT NULL,
	updated_at TEXT NOT NULL
);
CREATE INDEX duty_slots_org ON duty_slots (org_id, service, weekday);

-- Shifts served, so that volunteers' hours are counted.
CREATE TABLE duty_log (
	id {{ID}},
	org_id BIGINT NOT NULL REFERENCES org_units(id),
	-- the slot served, if any (cleared when the slot is deleted)
	slot_id BIGINT REFERENCES duty_slots(id),
	service TEXT NOT NULL,
	date TEXT NOT NULL,
	user_id BIGINT REFERENCES users(id),
	person_id BIGINT REFERENCES persons(id),
	name TEXT NOT NULL DEFAULT '',
	minutes INTEGER NOT NULL,
	note TEXT NOT NULL DEFAULT '',
	created_by BIGINT REFERENCES users(id),
	created_at TEXT NOT NULL
);
CREATE INDEX duty_log_org ON duty_log (org_id, date);
CREATE INDEX duty_log_slot ON duty_log (slot_id);
