-- The case figures of a subtree (received, closed, by channel, kind,
-- status and month) read the ids of a unit's cases of a period: by unit
-- and date (the id in the index: PostgreSQL's indexes do not carry it),
-- not a scan of every case (PostgreSQL scanned the 200,000 cases of a
-- city for a subdistrict's year: 250 ms → 1 ms).
CREATE INDEX cases_org_created ON cases (org_id, created_at, id);
CREATE INDEX cases_org_closed ON cases (org_id, closed_at, id);
