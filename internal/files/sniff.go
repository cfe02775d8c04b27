package files

import (
	"cmp"
	"mime"
	"net/http"
	"path"
	"strings"

	"shiliu/internal/errs"
)

// Content types the store names. The sniffed type is the one kept and
// served, never the one the browser claimed.
const (
	JPEG = "image/jpeg"
	PNG  = "image/png"
	GIF  = "image/gif"
	WebP = "image/webp"
	PDF  = "application/pdf"
	XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
	DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
	CSV  = "text/csv"
	Text = "text/plain"
	ZIP  = "application/zip"
)

// Kind is what a purpose accepts: the types, the size cap and the form
// field its errors are reported on. Each owner of files declares its own
// (a case attachment is not a roster).
type Kind struct {
	// Name says what the files are, for logs.
	Name string
	// Field is the form field errors name ("file", "photo").
	Field string
	// Types are the sniffed content types accepted; empty accepts any
	// (only for files the program made or moved in itself).
	Types []string
	// MaxBytes caps the size; 0 is no cap.
	MaxBytes int64
	// Keys are the message keys of the refusals; empty ones take the
	// store's generic err.file_* keys.
	Keys Keys
}

// Keys are the message-catalog keys of a kind's refusals.
type Keys struct {
	Empty, Type, Mismatch, TooLarge string
}

func (k Kind) key(which string) string {
	switch which {
	case "empty":
		return cmp.Or(k.Keys.Empty, "err.file_empty")
	case "type":
		return cmp.Or(k.Keys.Type, "err.file_type")
	case "mismatch":
		return cmp.Or(k.Keys.Mismatch, "err.file_mismatch")
	}
	return cmp.Or(k.Keys.TooLarge, "err.file_too_large")
}

// refuse is the Invalid error of a refused file, naming the kind's field.
func (k Kind) refuse(which string) error {
	key := k.key(which)
	field := k.Field
	if field == "" {
		field = "file"
	}
	return &errs.Error{Kind: errs.Invalid, Key: key, Fields: map[string]string{field: key}}
}

func (k Kind) accepts(ct string) bool {
	if len(k.Types) == 0 {
		return true
	}
	for _, t := range k.Types {
		if t == ct {
			return true
		}
	}
	return false
}

// family groups the types a file's name may claim. An image named as
// another image format (phones and messaging apps rename freely) is still
// the image it is, so the images are one family; a file named as a
// document it is not (a PNG called scan.pdf) is refused, since whoever
// opens it later trusts the name.
func family(ct string) string {
	switch ct {
	case JPEG, PNG, GIF, WebP:
		return "image"
	case XLSX, DOCX, ZIP:
		// Office files are ZIP archives; the name says which.
		return ct
	case CSV, Text:
		return "text"
	}
	return ct
}

// extTypes are the extensions whose claim is checked against the content.
var extTypes = map[string]string{
	".jpg": JPEG, ".jpeg": JPEG, ".png": PNG, ".gif": GIF, ".webp": WebP,
	".pdf": PDF, ".xlsx": XLSX, ".docx": DOCX, ".csv": CSV, ".txt": Text,
}

// Sniff names the content type of a file from its first bytes (up to 512)
// and its name. The bytes decide; the name only tells the ZIP-based
// Office formats apart and CSV from plain text, which the bytes cannot.
// claimed is the type the name's extension claims ("" for an extension
// the store does not check).
func Sniff(head []byte, name string) (ct, claimed string) {
	ct, _, _ = mime.ParseMediaType(http.DetectContentType(head))
	ext := strings.ToLower(path.Ext(strings.ReplaceAll(name, `\`, "/")))
	claimed = extTypes[ext]
	switch {
	case ct == ZIP && (claimed == XLSX || claimed == DOCX):
		ct = claimed
	case ct == Text && claimed == CSV:
		ct = CSV
	}
	return ct, claimed
}

// Check refuses a file whose head (its first 512 bytes, or all of it when
// shorter) is not of a type the kind accepts, or whose name claims another
// family of type, and otherwise returns the sniffed type. Put checks the
// same; a service that validates a whole form first calls it to report
// the file's error beside the other fields'.
func (k Kind) Check(head []byte, name string) (string, error) {
	if len(head) == 0 {
		if len(k.Types) == 0 {
			return "application/octet-stream", nil
		}
		return "", k.refuse("empty")
	}
	ct, claimed := Sniff(head, name)
	if len(k.Types) == 0 {
		return ct, nil
	}
	if !k.accepts(ct) {
		return "", k.refuse("type")
	}
	if claimed != "" && family(claimed) != family(ct) {
		return "", k.refuse("mismatch")
	}
	return ct, nil
}

// CleanName keeps the last element of an uploaded file's name, without
// control characters, at most 100 characters: it is only ever shown.
func CleanName(s string) string {
	s = strings.ReplaceAll(s, "\\", "/")
	if i := strings.LastIndexByte(s, '/'); i >= 0 {
		s = s[i+1:]
	}
	s = strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f {
			return -1
		}
		return r
	}, s)
	s = strings.TrimSpace(s)
	if s == "." || s == ".." {
		return ""
	}
	if r := []rune(s); len(r) > 100 {
		s = string(r[len(r)-100:])
	}
	return s
}
