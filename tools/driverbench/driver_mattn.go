//go:build !nomattn

package main

import (
	_ "github.com/mattn/go-sqlite3" // registers driver "sqlite3" (cgo)
)

func init() {
	drivers["mattn"] = driverInfo{
		sqlName: "sqlite3",
		module:  "github.com/mattn/go-sqlite3 v1.14.53",
		dsn: func(path string) string {
			return "file:" + path +
				"?_busy_timeout=5000&_journal_mode=WAL&_synchronous=NORMAL&_foreign_keys=on"
		},
	}
}
