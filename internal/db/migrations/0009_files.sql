-- One file store for every upload (case attachments, visit photos, the
-- import staging), kept in the database so that every instance and every
-- backup has the bytes. A file's content is split into chunks of 256 KiB,
-- so that no file is ever held in memory whole; files with the same
-- content are stored once (sha256 is unique) and counted by refcount, one
-- for each record that holds the file.
CREATE TABLE files (
	id {{ID}},
	-- hex SHA-256 of the content; 'pending:…' only inside the transaction
	-- that writes the file
	sha256 TEXT NOT NULL,
	size BIGINT NOT NULL,
	-- the type sniffed from the content
	mime TEXT NOT NULL,
	-- the name it was first uploaded with
	name TEXT NOT NULL DEFAULT '',
	chunk_size INTEGER NOT NULL,
	refcount INTEGER NOT NULL DEFAULT 1,
	created_by BIGINT REFERENCES users(id),
	created_at TEXT NOT NULL
);
CREATE UNIQUE INDEX files_sha256 ON files (sha256);

CREATE TABLE file_chunks (
	file_id BIGINT NOT NULL REFERENCES files(id),
	seq INTEGER NOT NULL,
	data {{BLOB}} NOT NULL,
	PRIMARY KEY (file_id, seq)
);

-- The records that held a path under the data directory now name their
-- file in the store; the start-up step of internal/app moves the files
-- still on disk in and clears the path.
ALTER TABLE case_attachments ADD COLUMN file_id BIGINT REFERENCES files(id);
ALTER TABLE pairing_visits ADD COLUMN photo_file_id BIGINT REFERENCES files(id);
