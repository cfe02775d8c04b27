-- The platform: org tree, accounts, sessions, tokens, audit.

CREATE TABLE org_units (
	id {{ID}},
	code TEXT NOT NULL UNIQUE,
	name TEXT NOT NULL,
	-- district, subdistrict, committee, building_group, liaison_group
	kind TEXT NOT NULL,
	parent_id BIGINT REFERENCES org_units(id),
	-- materialised path of ids, '/1/4/9/': a subtree is a range of paths
	path TEXT{{C}} NOT NULL,
	depth INTEGER NOT NULL,
	address TEXT NOT NULL DEFAULT '',
	contact TEXT NOT NULL DEFAULT '',
	note TEXT NOT NULL DEFAULT '',
	archived INTEGER NOT NULL DEFAULT 0,
	version INTEGER NOT NULL DEFAULT 1,
	created_at TEXT NOT NULL,
	updated_at TEXT NOT NULL
);
CREATE INDEX org_units_path ON org_units (path);
CREATE INDEX org_units_parent ON org_units (parent_id);

-- Base population per unit and year: the report's denominators.
CREATE TABLE org_population (
	org_id BIGINT NOT NULL REFERENCES org_units(id),
	year INTEGER NOT NULL,
	registered INTEGER NOT NULL DEFAULT 0,
	floating INTEGER NOT NULL DEFAULT 0,
	updated_at TEXT NOT NULL,
	PRIMARY KEY (org_id, year)
);

CREATE TABLE users (
	id {{ID}},
	username TEXT NOT NULL UNIQUE,
	display_name TEXT NOT NULL DEFAULT '',
	password_hash TEXT NOT NULL,
	role TEXT NOT NULL,
	org_id BIGINT NOT NULL REFERENCES org_units(id),
	must_change_password INTEGER NOT NULL DEFAULT 1,
	disabled INTEGER NOT NULL DEFAULT 0,
	lang TEXT NOT NULL DEFAULT '',
	last_login_at TEXT NOT NULL DEFAULT '',
	password_changed_at TEXT NOT NULL DEFAULT '',
	version INTEGER NOT NULL DEFAULT 1,
	created_at TEXT NOT NULL,
	updated_at TEXT NOT NULL
);
CREATE INDEX users_org ON users (org_id);

-- Failed logins by name (known or not, so lockout tells nothing about which
-- names exist).
CREATE TABLE login_throttle (
	key TEXT PRIMARY KEY,
	failures INTEGER NOT NULL DEFAULT 0,
	first_failure_at TEXT NOT NULL DEFAULT '',
	locked_until TEXT NOT NULL DEFAULT ''
);

-- Server-side sessions, shared by every instance on the same database. Only
-- a SHA-256 of the cookie value is kept.
CREATE TABLE sessions (
	token_hash TEXT PRIMARY KEY,
	user_id BIGINT NOT NULL REFERENCES users(id),
	created_at TEXT NOT NULL,
	last_seen_at TEXT NOT NULL,
	expires_at TEXT NOT NULL,
	ip TEXT NOT NULL DEFAULT '',
	user_agent TEXT NOT NULL DEFAULT ''
);
CREATE INDEX sessions_user ON sessions (user_id);

CREATE TABLE api_tokens (
	id {{ID}},
	user_id BIGINT NOT NULL REFERENCES users(id),
	name TEXT NOT NULL,
	token_hash TEXT NOT NULL UNIQUE,
	prefix TEXT NOT NULL,
	created_at TEXT NOT NULL,
	last_used_at TEXT NOT NULL DEFAULT '',
	expires_at TEXT NOT NULL DEFAULT '',
	revoked_at TEXT NOT NULL DEFAULT ''
);
CREATE INDEX api_tokens_user ON api_tokens (user_id);

CREATE TABLE audit_log (
	id {{ID}},
	at TEXT NOT NULL,
	user_id BIGINT,
	username TEXT NOT NULL DEFAULT '',
	role TEXT NOT NULL DEFAULT '',
	org_id BIGINT,
	ip TEXT NOT NULL DEFAULT '',
	request_id TEXT NOT NULL DEFAULT '',
	-- create, update, archive, login, login_failed, lockout, logout, denied, view_sensitive, export, import…
	action TEXT NOT NULL,
	entity TEXT NOT NULL DEFAULT '',
	entity_id TEXT NOT NULL DEFAULT '',
	-- JSON: changed field names with old and new values (never sensitive values)
	detail TEXT NOT NULL DEFAULT '',
	result TEXT NOT NULL DEFAULT 'ok'
);
CREATE INDEX audit_log_at ON audit_log (at);
CREATE INDEX audit_log_user ON audit_log (user_id, at);
CREATE INDEX audit_log_entity ON audit_log (entity, entity_id);

CREATE TABLE settings (
	key TEXT PRIMARY KEY,
	value TEXT NOT NULL,
	updated_at TEXT NOT NULL
);
