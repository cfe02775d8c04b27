package web

import (
	"net/http"

	"shiliu/internal/pairing"
)

// afterContact turns an opinion collected from a representative figure into
// a tracked feedback case. (Wired to the cases service when it lands.)
func (s *Server) afterContact(r *http.Request, c *pairing.Contact) error {
	return nil
}
