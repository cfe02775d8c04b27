-- Venues' opening hours and bookings; partners' agreements (migration
-- 0012 holds the venues and partners rows). The engines differ in one
-- thing: PostgreSQL refuses overlapping bookings of a venue with an
-- exclusion constraint (the .postgres.sql twin), SQLite checks inside the
-- single writer's BEGIN IMMEDIATE transaction (venue.Service.BookTx).

-- Opening hours: one span a weekday; a day without a row is closed.
CREATE TABLE venue_hours (
	venue_id BIGINT NOT NULL REFERENCES venues(id),
	-- ISO weekday, 1 (Monday) … 7 (Sunday)
	weekday INTEGER NOT NULL CHECK (weekday BETWEEN 1 AND 7),
	-- 'HH:MM' China time, opens < closes
	opens TEXT NOT NULL,
	closes TEXT NOT NULL,
	PRIMARY KEY (venue_id, weekday)
);

-- A booking of a venue: for an activity occurrence or an outside group.
CREATE TABLE bookings (
	id {{ID}},
	venue_id BIGINT NOT NULL REFERENCES venues(id),
	-- the unit that booked (who), for the conflict message and for who
	-- may cancel
	org_id BIGINT NOT NULL REFERENCES org_units(id),
	activity_id BIGINT REFERENCES activities(id),
	-- an outside group: its name, purpose and expected people
	group_name TEXT NOT NULL DEFAULT '',
	purpose TEXT NOT NULL DEFAULT '',
	people INTEGER NOT NULL DEFAULT 0,
	-- China local time 'YYYY-MM-DDTHH:MM', to read …
	starts_at TEXT NOT NULL,
	ends_at TEXT NOT NULL,
	-- … and minutes since the Unix epoch, to compare on both engines: the
	-- span is [start_min, end_min), so 9–10 and 10–11 do not overlap
	start_min BIGINT NOT NULL,
	end_min BIGINT NOT NULL,
	-- booked, cancelled (a cancelled booking conflicts with nothing)
	status TEXT NOT NULL DEFAULT 'booked',
	cancel_reason TEXT NOT NULL DEFAULT '',
	note TEXT NOT NULL DEFAULT '',
	version INTEGER NOT NULL DEFAULT 1,
	created_by BIGINT REFERENCES users(id),
	created_at TEXT NOT NULL,
	updated_at TEXT NOT NULL,
	CHECK (end_min > start_min)
);
CREATE INDEX bookings_venue ON bookings (venue_id, start_min);
CREATE INDEX bookings_start ON bookings (start_min);
CREATE INDEX bookings_activity ON bookings (activity_id) WHERE activity_id IS NOT NULL;

-- A partner's signed agreements (互助协议, 共建协议) with their term and
-- scanned file.
CREATE TABLE agreements (
	id {{ID}},
	partner_id BIGINT NOT NULL REFERENCES partners(id),
	title TEXT NOT NULL,
	signed_on TEXT NOT NULL DEFAULT '',
	-- the term, 'YYYY-MM-DD'; ends_on '' for no end
	starts_on TEXT NOT NULL,
	ends_on TEXT NOT NULL DEFAULT '',
	file_id BIGINT REFERENCES files(id),
	note TEXT NOT NULL DEFAULT '',
	-- when the staff were reminded that it ends (once per agreement and
	-- end date: a changed end date clears it)
	reminded_at TEXT NOT NULL DEFAULT '',
	version INTEGER NOT NULL DEFAULT 1,
	created_by BIGINT REFERENCES users(id),
	created_at TEXT NOT NULL,
	updated_at TEXT NOT NULL
);
CREATE INDEX agreements_partner ON agreements (partner_id, ends_on);
CREATE INDEX agreements_ends ON agreements (ends_on) WHERE reminded_at = '';

-- A notification that is not about a case links to its page.
ALTER TABLE notifications ADD COLUMN link TEXT NOT NULL DEFAULT '';
