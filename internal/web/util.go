package web

import (
	"encoding/json"
	"net/http"
	"net/url"
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
