-- Background jobs (roster imports now; reports and scheduled work later),
-- kept in the database so that every instance sees them: a preview made on
-- one instance is confirmed on another, a job is claimed by exactly one
-- instance (UPDATE … WHERE status = 'queued'), and a job whose instance
-- died is found by its stale heartbeat.
CREATE TABLE jobs (
	id {{ID}},
	kind TEXT NOT NULL,
	-- queued, running, done, failed, cancelled
	status TEXT NOT NULL DEFAULT 'queued',
	-- the job runs as this user, rebuilt from the database when it runs
	user_id BIGINT REFERENCES users(id),
	-- the job's input and output in the file store
	file_id BIGINT REFERENCES files(id),
	output_file_id BIGINT REFERENCES files(id),
	params TEXT NOT NULL DEFAULT '{}',
	-- a job that must exist once (the import of a checked roster) is named
	-- by its key: a second request finds the first job instead of making
	-- another (NULL for the others; NULLs do not collide)
	once_key TEXT,
	progress_done BIGINT NOT NULL DEFAULT 0,
	progress_total BIGINT NOT NULL DEFAULT 0,
	progress_items BIGINT NOT NULL DEFAULT 0,
	result TEXT NOT NULL DEFAULT '',
	-- shown to the user
	error TEXT NOT NULL DEFAULT '',
	claimed_by TEXT NOT NULL DEFAULT '',
	heartbeat_at TEXT NOT NULL DEFAULT '',
	created_at TEXT NOT NULL,
	started_at TEXT NOT NULL DEFAULT '',
	finished_at TEXT NOT NULL DEFAULT ''
);
CREATE UNIQUE INDEX jobs_once ON jobs (once_key);
CREATE INDEX jobs_status ON jobs (status, id);
CREATE INDEX jobs_user ON jobs (user_id, id);
