-- A contact's feedback case is a real case: contacts.case_id gets its
-- foreign key (see the SQLite twin). A link to a case that does not exist
-- means nothing and is cleared.
UPDATE contacts SET case_id = NULL WHERE case_id IS NOT NULL AND case_id NOT IN (SELECT id FROM cases);
ALTER TABLE contacts ADD CONSTRAINT contacts_case_id_fkey FOREIGN KEY (case_id) REFERENCES cases(id);
CREATE UNIQUE INDEX contacts_case ON contacts (case_id);
