-- The holiday calendar behind working-day deadlines (issue 4): Monday to
-- Friday are working days and Saturday and Sunday are not, except the dates
-- listed here. 'off' is a public holiday (or another day off, such as a
-- weekday given in lieu); 'work' is a make-up working day (调休上班) on a
-- weekend. Seeded from the official arrangement each year; admins correct it.

CREATE TABLE holidays (
	-- 'YYYY-MM-DD', China time
	date TEXT PRIMARY KEY,
	kind TEXT NOT NULL CHECK (kind IN ('off', 'work')),
	name TEXT NOT NULL DEFAULT '',
	updated_at TEXT NOT NULL
);
