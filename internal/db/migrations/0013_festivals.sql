-- Official festival dates: what the office entered for a festival in a
-- year (the date China's Islamic Association announced for Eid, the
-- Naadam the office fixed). One row overrides the computed date; no row
-- means the computed one. The dates are the instance's, not a unit's:
-- the announcement holds for every committee alike.
CREATE TABLE festival_dates (
	-- festival id (festival.Festivals: eid_al_fitr, naadam …)
	festival TEXT NOT NULL,
	year INTEGER NOT NULL,
	-- the first day, and the last of several ('' for one day)
	date TEXT NOT NULL,
	end_date TEXT NOT NULL DEFAULT '',
	-- where the date comes from (中国伊斯兰教协会公告 …)
	source TEXT NOT NULL,
	set_by BIGINT REFERENCES users(id),
	-- the name the audit log gives (a user, or "(cli)")
	set_by_name TEXT NOT NULL,
	set_at TEXT NOT NULL,
	version INTEGER NOT NULL DEFAULT 1,
	PRIMARY KEY (festival, year)
);
