-- City-wide search on PostgreSQL (issue 3): the words of SQLite's
-- full-text index person_search (migration 0007) as rows of a table, each
-- with the person's pinyin, so that a word's persons come counted and in
-- list order from its primary key alone. The words of an active,
-- unarchived person: each character of the name, each pair of adjacent
-- characters, and the filters' values (eth03, kind2, min for non-Han,
-- tag4). Kept by a trigger; a person's rows go when they move out, die, are
-- archived or merged.
CREATE TABLE person_terms (
	term TEXT COLLATE "C" NOT NULL,
	pinyin TEXT COLLATE "C" NOT NULL,
	person_id BIGINT NOT NULL,
	PRIMARY KEY (term, pinyin, person_id)
);
CREATE INDEX person_terms_person ON person_terms (person_id);

CREATE FUNCTION person_search_words(name TEXT, ethnicity TEXT, kind INTEGER, tags INTEGER) RETURNS SETOF TEXT
LANGUAGE sql IMMUTABLE AS $$
	SELECT DISTINCT w FROM (
		SELECT lower(substr(name, n, 1)) AS w FROM generate_series(1, length(name)) n
		UNION ALL SELECT lower(substr(name, n, 2)) FROM generate_series(1, length(name) - 1) n
		UNION ALL SELECT 'eth' || ethnicity
		UNION ALL SELECT 'kind' || kind
		UNION ALL SELECT 'min' WHERE ethnicity <> '01'
		UNION ALL SELECT 'tag' || (1 << (b - 1)) FROM generate_series(1, 16) b WHERE (tags & (1 << (b - 1))) <> 0
	) x WHERE w <> ''
$$;

-- A roster import says shiliu.import = 'on' in its transaction and adds
-- the words of the persons it creates in one statement at the end (see
-- people/bulk.go): row by row they would double its time.
CREATE FUNCTION persons_terms_sync() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	IF TG_OP = 'INSERT' AND current_setting('shiliu.import', true) = 'on' THEN
		RETURN NULL;
	END IF;
	IF TG_OP <> 'INSERT' THEN
		DELETE FROM person_terms WHERE person_id = OLD.id;
	END IF;
	IF TG_OP <> 'DELETE' AND NEW.status = 'active' AND NEW.archived = 0 THEN
		INSERT INTO person_terms (term, pinyin, person_id)
			SELECT w, NEW.pinyin, NEW.id FROM person_search_words(NEW.name, NEW.ethnicity, NEW.kind, NEW.tags) w;
	END IF;
	RETURN NULL;
END
$$;

CREATE TRIGGER persons_terms AFTER INSERT OR DELETE OR UPDATE OF name, pinyin, ethnicity, kind, tags, status, archived ON persons
	FOR EACH ROW EXECUTE FUNCTION persons_terms_sync();

INSERT INTO person_terms (term, pinyin, person_id)
	SELECT w, p.pinyin, p.id FROM persons p, person_search_words(p.name, p.ethnicity, p.kind, p.tags) w
	WHERE p.status = 'active' AND p.archived = 0;
ANALYZE person_terms;
