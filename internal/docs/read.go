package docs

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"shiliu/internal/auth"
	"shiliu/internal/db"
	"shiliu/internal/errs"
	"shiliu/internal/files"
)

// Doc is a document of the library.
type Doc struct {
	ID         int64
	OrgID      int64
	OrgName    string
	Category   Category
	Topic      Topic
	Title      string
	CurrentSeq int
	Version    int
	CreatedBy  string
	CreatedAt  string
	UpdatedAt  string
	// Current is the current version's description (nil before one).
	Current *Version
	// Versions, newest first (Get only).
	Versions []Version
	// Snippet is the text around a search's match (List with Q).
	Snippet string
	// Body is the current version's text (Get only).
	Body string
}

// Version is one uploaded version.
type Version struct {
	ID        int64
	Seq       int
	Name      string
	MIME      string
	Size      int64
	Note      string
	HasText   bool
	CreatedBy string
	CreatedAt string
}

const docCols = `d.id, d.org_id, o.name, d.category, d.topic, d.title, d.current_seq, d.version, COALESCE(NULLIF(u.display_name, ''), u.username, ''),
	d.created_at, d.updated_at, COALESCE(v.id, 0), COALESCE(v.name, ''), COALESCE(v.mime, ''), COALESCE(v.size, 0), COALESCE(v.created_at, '')`

const docFrom = ` FROM docs d JOIN org_units o ON o.id = d.org_id LEFT JOIN users u ON u.id = d.created_by
	LEFT JOIN doc_versions v ON v.doc_id = d.id AND v.seq = d.current_seq`

func scanDoc(sc db.Scanner) (*Doc, error) {
	var d Doc
	var cat, topic string
	var v Version
	err := sc.Scan(&d.ID, &d.OrgID, &d.OrgName, &cat, &topic, &d.Title, &d.CurrentSeq, &d.Version, &d.CreatedBy, &d.CreatedAt, &d.UpdatedAt,
		&v.ID, &v.Name, &v.MIME, &v.Size, &v.CreatedAt)
	d.Category, d.Topic = Category(cat), Topic(topic)
	if v.ID != 0 {
		v.Seq = d.CurrentSeq
		d.Current = &v
	}
	return &d, err
}

// get reads a document the actor may read.
func (s *Service) get(ctx context.Context, q db.Querier, a *auth.Actor, id int64) (*Doc, error) {
	cond, args := visible(a, "d.org_id")
	d, err := scanDoc(q.QueryRow(ctx, `SELECT `+docCols+docFrom+` WHERE d.id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, errs.ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("get doc %d: %w", id, err)
	}
	var one int
	err = q.QueryRow(ctx, `SELECT 1 FROM docs d WHERE d.id = ? AND `+cond, append([]any{id}, args...)...).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, errs.ErrOutOfScope
	}
	return d, err
}

// writable reads a document of the actor's own subtree (a unit above the
// actor's is read, not changed: not found for a change).
func (s *Service) writable(ctx context.Context, q db.Querier, a *auth.Actor, id int64) (*Doc, error) {
	d, err := s.get(ctx, q, a, id)
	if err != nil {
		return nil, err
	}
	cond, args := a.Scope().InSubtree("d.org_id")
	var one int
	err = q.QueryRow(ctx, `SELECT 1 FROM docs d WHERE d.id = ? AND `+cond, append([]any{id}, args...)...).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, errs.ErrOutOfScope
	}
	return d, err
}

// Get returns a document with its versions and current text.
func (s *Service) Get(ctx context.Context, a *auth.Actor, id int64) (*Doc, error) {
	if err := a.Require(auth.DocView); err != nil {
		return nil, err
	}
	d, err := s.get(ctx, s.DB, a, id)
	if err != nil {
		return nil, err
	}
	rows, err := s.DB.Query(ctx, `SELECT v.id, v.seq, v.name, v.mime, v.size, v.note, CASE WHEN v.body <> '' THEN 1 ELSE 0 END,
		COALESCE(NULLIF(u.display_name, ''), u.username, ''), v.created_at FROM doc_versions v LEFT JOIN users u ON u.id = v.created_by
		WHERE v.doc_id = ? ORDER BY v.seq DESC`, id)
	d.Versions, err = db.Collect(rows, err, func(sc db.Scanner) (Version, error) {
		var v Version
		var text int
		err := sc.Scan(&v.ID, &v.Seq, &v.Name, &v.MIME, &v.Size, &v.Note, &text, &v.CreatedBy, &v.CreatedAt)
		v.HasText = text == 1
		return v, err
	})
	if err != nil {
		return nil, fmt.Errorf("doc versions: %w", err)
	}
	if err := s.DB.QueryRow(ctx, `SELECT body FROM docs WHERE id = ?`, id).Scan(&d.Body); err != nil {
		return nil, err
	}
	return d, nil
}

// Filter selects documents.
type Filter struct {
	// Q is found in the title or the current version's text.
	Q        string
	Category Category
	Topic    Topic
	// OrgID: the documents of this unit only.
	OrgID  int64
	Limit  int
	Offset int
}

// likeEscape escapes LIKE's wildcards in s (with \ as the escape).
func likeEscape(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}

// List returns the documents the actor may read matching f, rules first
// and then by title, and their total. A search (Q) matches the title or
// the text, case-insensitively, on both engines.
func (s *Service) List(ctx context.Context, a *auth.Actor, f Filter) ([]*Doc, int, error) {
	if err := a.Require(auth.DocView); err != nil {
		return nil, 0, err
	}
	cond, args := visible(a, "d.org_id")
	conds := []string{cond}
	add := func(c string, v ...any) { conds = append(conds, c); args = append(args, v...) }
	q := strings.TrimSpace(f.Q)
	if q != "" {
		pat := "%" + likeEscape(strings.ToLower(q)) + "%"
		add(`(lower(d.title) LIKE ? ESCAPE '\' OR lower(d.body) LIKE ? ESCAPE '\')`, pat, pat)
	}
	if f.Category != "" {
		add("d.category = ?", string(f.Category))
	}
	if f.Topic != "" {
		add("d.topic = ?", string(f.Topic))
	}
	if f.OrgID != 0 {
		add("d.org_id = ?", f.OrgID)
	}
	where := " WHERE " + strings.Join(conds, " AND ")
	var total int
	if err := s.DB.QueryRow(ctx, `SELECT COUNT(*) FROM docs d`+where, args...).Scan(&total); err != nil {
		return nil, 0, fmt.Errorf("count docs: %w", err)
	}
	if total == 0 {
		return nil, 0, nil
	}
	if f.Limit <= 0 {
		f.Limit = 50
	}
	// the text only for a search's snippets
	body := "''"
	if q != "" {
		body = "d.body"
	}
	rows, err := s.DB.Query(ctx, `SELECT `+docCols+`, `+body+docFrom+where+`
		ORDER BY CASE d.category WHEN 'rule' THEN 0 WHEN 'policy' THEN 1 WHEN 'minutes' THEN 2 ELSE 3 END, d.title, d.id LIMIT ? OFFSET ?`,
		append(args, f.Limit, f.Offset)...)
	out, err := db.Collect(rows, err, func(sc db.Scanner) (*Doc, error) {
		var text string
		d, err := scanDoc(scanTail{sc, &text})
		if err == nil && q != "" {
			d.Snippet = Snippet(text, q, 80)
		}
		return d, err
	})
	if err != nil {
		return nil, 0, fmt.Errorf("list docs: %w", err)
	}
	return out, total, nil
}

// scanTail scans a row of docCols followed by one more column.
type scanTail struct {
	sc   db.Scanner
	tail any
}

func (t scanTail) Scan(dest ...any) error { return t.sc.Scan(append(dest, t.tail)...) }

// OpenVersion opens the file of a version of a document the actor may
// read, with the name it was uploaded with.
func (s *Service) OpenVersion(ctx context.Context, a *auth.Actor, versionID int64) (*files.Reader, string, error) {
	if err := a.Require(auth.DocView); err != nil {
		return nil, "", err
	}
	var docID, fileID int64
	var name string
	err := s.DB.QueryRow(ctx, `SELECT doc_id, file_id, name FROM doc_versions WHERE id = ?`, versionID).Scan(&docID, &fileID, &name)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, "", errs.ErrNotFound
	}
	if err != nil {
		return nil, "", err
	}
	if _, err := s.get(ctx, s.DB, a, docID); err != nil {
		return nil, "", err
	}
	r, err := s.Files.Open(ctx, fileID)
	return r, name, err
}
