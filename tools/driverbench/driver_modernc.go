//go:build !nomodernc

package main

import (
	"net/url"

	_ "modernc.org/sqlite" // registers driver "sqlite" (pure Go)
)

func init() {
	drivers["modernc"] = driverInfo{
		sqlName: "sqlite",
		module:  "modernc.org/sqlite v1.62.0",
		dsn: func(path string) string {
			q := url.Values{}
			q.Add("_pragma", "busy_timeout(5000)")
			q.Add("_pragma", "journal_mode(WAL)")
			q.Add("_pragma", "foreign_keys(ON)")
			q.Add("_pragma", "synchronous(NORMAL)")
			return "file:" + path + "?" + q.Encode()
		},
	}
}
