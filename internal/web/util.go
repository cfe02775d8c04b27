package web

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"shiliu/internal/files"
)

func encodeQuery(q map[string][]string) string { return url.Values(q).Encode() }

// urlPathEscape escapes a file name for Content-Disposition's filename*.
func urlPathEscape(s string) string { return url.PathEscape(s) }

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(code)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(true)
	enc.Encode(v)
}

type apiError struct {
	Error apiErrorBody `json:"error"`
}

type apiErrorBody struct {
	Code      string            `json:"code"`
	Message   string            `json:"message"`
	Fields    map[string]string `json:"fields,omitempty"`
	RequestID string            `json:"request_id"`
}

// serveStored answers with a file of the store the service has opened for
// the actor: images and PDFs inline, never cached by the browser.
func serveStored(w http.ResponseWriter, r *http.Request, f *files.Reader) {
	defer f.Close()
	disp := "attachment"
	if strings.HasPrefix(f.MIME, "image/") || f.MIME == "application/pdf" {
		disp = "inline"
	}
	w.Header().Set("Content-Type", f.MIME)
	w.Header().Set("Content-Disposition", disp+`; filename="file-`+strconv.FormatInt(f.ID, 10)+extFor(f.MIME)+`"`)
	w.Header().Set("Cache-Control", "private, no-store")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	http.ServeContent(w, r, "", now(), f)
}
