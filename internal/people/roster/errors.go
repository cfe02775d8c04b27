package roster

import (
	"fmt"
)

// Error is a problem with the file as a whole, which stops an import
// before anything is applied. Key is one of the Err* constants; Args fill
// its message.
type Error struct {
	Key  string
	Args []any
	// Err is the cause, for logs.
	Err error
}

// Keys of file-level errors.
const (
	ErrFormat      = "format"        // neither .xlsx nor .csv
	ErrEncrypted   = "encrypted"     // an encrypted workbook (or an .xls renamed)
	ErrMacro       = "macro"         // a workbook with macros
	ErrTooLarge    = "too_large"     // Args: the limit in MB
	ErrTooManyRows = "too_many_rows" // Args: the limit
	ErrUnzipLimit  = "unzip_limit"   // unpacks to more than allowed
	ErrUnreadable  = "unreadable"    // damaged or not what it claims
	ErrCSVSyntax   = "csv_syntax"    // Args: the line
	ErrNoHeader    = "no_header"     // no sheet with a header row
)

var fileMessages = map[string][2]string{
	ErrFormat:      {"只能导入 .xlsx（Excel 2007 及以上）或 .csv 文件；.xls 请先另存为 .xlsx", "Only .xlsx (Excel 2007 or later) and .csv files can be imported; save an .xls as .xlsx first"},
	ErrEncrypted:   {"工作簿已加密或是旧版 .xls 格式：请取消密码并另存为 .xlsx 后再导入", "The workbook is encrypted or an old .xls: remove the password and save it as .xlsx"},
	ErrMacro:       {"工作簿含有宏，不能导入：请另存为不含宏的 .xlsx 工作簿", "The workbook contains macros and cannot be imported: save it as a macro-free .xlsx"},
	ErrTooLarge:    {"文件过大（上限 %d MB）", "The file is too large (limit %d MB)"},
	ErrTooManyRows: {"数据行过多（上限 %d 行）", "Too many data rows (limit %d)"},
	ErrUnzipLimit:  {"工作簿解压后过大，不能导入", "The workbook unpacks to too much data to be imported"},
	ErrUnreadable:  {"文件无法读取，可能已损坏", "The file cannot be read; it may be damaged"},
	ErrCSVSyntax:   {"第 %d 行：CSV 格式错误", "Line %d: CSV syntax error"},
	ErrNoHeader:    {"找不到表头：每个工作表的前 10 行中须有一行至少包含“姓名”和“民族”两列", "No header row: a sheet needs a row with at least 姓名 and 民族 within its first 10 rows"},
}

func newError(key string, args ...any) *Error { return &Error{Key: key, Args: args} }

func wrapError(key string, err error, args ...any) *Error {
	return &Error{Key: key, Args: args, Err: err}
}

// Message returns the error's message in lang ("zh" or "en").
func (e *Error) Message(lang string) string {
	m, ok := fileMessages[e.Key]
	if !ok {
		return e.Key
	}
	t := m[0]
	if lang == "en" {
		t = m[1]
	}
	if len(e.Args) == 0 {
		return t
	}
	return fmt.Sprintf(t, e.Args...)
}

// Error returns the Chinese message.
func (e *Error) Error() string { return e.Message("zh") }

// Unwrap returns the cause.
func (e *Error) Unwrap() error { return e.Err }
