-- A contact's feedback case is a real case: contacts.case_id gets its
-- foreign key. SQLite adds one only by rebuilding the table (foreign keys
-- are off during a SQLite migration and checked before its commit). A link
-- to a case that does not exist means nothing and is cleared.
CREATE TABLE contacts_new (
	id {{ID}},
	org_id BIGINT NOT NULL REFERENCES org_units(id),
	person_id BIGINT NOT NULL REFERENCES persons(id),
	user_id BIGINT REFERENCES users(id),
	date TEXT NOT NULL,
	mode TEXT NOT NULL,
	topic TEXT NOT NULL DEFAULT '',
	note TEXT NOT NULL DEFAULT '',
	opinion TEXT NOT NULL DEFAULT '',
	case_id BIGINT REFERENCES cases(id),
	created_by BIGINT REFERENCES users(id),
	created_at TEXT NOT NULL
);
INSERT INTO contacts_new (id, org_id, person_id, user_id, date, mode, topic, note, opinion, case_id, created_by, created_at)
	SELECT id, org_id, person_id, user_id, date, mode, topic, note, opinion,
		CASE WHEN case_id IN (SELECT id FROM cases) THEN case_id END, created_by, created_at FROM contacts;
DROP TABLE contacts;
ALTER TABLE contacts_new RENAME TO contacts;
CREATE INDEX contacts_org ON contacts (org_id, date);
CREATE INDEX contacts_person ON contacts (person_id, date);
CREATE INDEX contacts_user ON contacts (user_id, date);
CREATE UNIQUE INDEX contacts_case ON contacts (case_id);
