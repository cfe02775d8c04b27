package db

import "database/sql"

// Scanner is what *sql.Row and *sql.Rows share. It is an alias of the
// unnamed interface, not a new type, so that a package's
// scanX(sc interface{ Scan(...any) error }) is a func(Scanner) as it stands
// and can be handed to Collect without a wrapper.
type Scanner = interface{ Scan(dest ...any) error }

// Collect reads every row of a query with scan and closes the rows. It takes
// the query's error too (rows, err := q.Query(…); Collect(rows, err, scanX)),
// so that the caller checks one error, and the loop's easily forgotten steps
// (Close, the scan error, rows.Err after the loop, which is where a failure
// in the middle of the result shows) are written once. No rows give a nil slice, as the loops it
// replaces did, so an empty list encodes the same.
func Collect[T any](rows *sql.Rows, err error, scan func(Scanner) (T, error)) ([]T, error) {
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []T
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	return out, nil
}

// ScanID reads a row of one id, for Collect over a list of ids.
func ScanID(sc Scanner) (int64, error) {
	var id int64
	err := sc.Scan(&id)
	return id, err
}

// NullID stores a zero id as NULL: the foreign keys that may be absent are
// nullable columns, and 0 would name a row that does not exist.
func NullID(id int64) any {
	if id == 0 {
		return nil
	}
	return id
}

// NullBytes stores an empty value as NULL, as the sealed columns (an ID
// number or phone that was not given) expect.
func NullBytes(b []byte) any {
	if len(b) == 0 {
		return nil
	}
	return b
}
