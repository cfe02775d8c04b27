package web

import (
	"net/http"

	"shiliu/internal/partner"
	"shiliu/internal/venue"
)

type apiHours struct {
	Weekday int    `json:"weekday" doc:"ISO: 1 Monday … 7 Sunday; a day not listed is closed"`
	Opens   string `json:"opens" doc:"HH:MM China time"`
	Closes  string `json:"closes"`
}

type apiVenue struct {
	ID       int64      `json:"id"`
	UnitID   int64      `json:"unit_id"`
	Unit     string     `json:"unit"`
	Name     string     `json:"name"`
	Address  string     `json:"address"`
	Capacity int        `json:"capacity" doc:"people it holds; 0 not stated"`
	Note     string     `json:"note"`
	Active   bool       `json:"active"`
	Hours    []apiHours `json:"hours"`
	Version  int        `json:"version"`
}

type apiVenueInput struct {
	UnitID   int64      `json:"unit_id" doc:"default: the caller's unit"`
	Name     string     `json:"name"`
	Address  string     `json:"address"`
	Capacity int        `json:"capacity"`
	Note     string     `json:"note"`
	Active   *bool      `json:"active" doc:"PUT only; default true"`
	Hours    []apiHours `json:"hours"`
	Version  int        `json:"version" doc:"PUT: the version read"`
}

type apiBooking struct {
	ID           int64  `json:"id"`
	VenueID      int64  `json:"venue_id"`
	Venue        string `json:"venue"`
	UnitID       int64  `json:"unit_id" doc:"the unit that booked"`
	Unit         string `json:"unit"`
	ActivityID   int64  `json:"activity_id,omitempty" doc:"the activity occurrence it is for"`
	What         string `json:"what" doc:"the activity's title, or the outside group and purpose"`
	GroupName    string `json:"group_name,omitempty"`
	Purpose      string `json:"purpose,omitempty"`
	People       int    `json:"people"`
	StartsAt     string `json:"starts_at" doc:"China time, YYYY-MM-DDTHH:MM"`
	EndsAt       string `json:"ends_at"`
	Status       string `json:"status" enum:"booked,cancelled"`
	CancelReason string `json:"cancel_reason,omitempty"`
	Note         string `json:"note,omitempty"`
}

type apiBookingInput struct {
	ActivityID int64  `json:"activity_id" doc:"book for an activity occurrence (date and times default to the activity's)"`
	Date       string `json:"date" doc:"YYYY-MM-DD"`
	StartTime  string `json:"start_time" doc:"HH:MM China time"`
	EndTime    string `json:"end_time"`
	GroupName  string `json:"group_name" doc:"an outside group (required without activity_id)"`
	Purpose    string `json:"purpose"`
	People     int    `json:"people" doc:"people expected, checked against the capacity"`
	Note       string `json:"note"`
}

type apiPartner struct {
	ID           int64  `json:"id"`
	UnitID       int64  `json:"unit_id"`
	Unit         string `json:"unit"`
	Name         string `json:"name"`
	Type         string `json:"type" enum:"restaurant,care_home,judicial,school,firm,hospital,other"`
	ContactName  string `json:"contact_name"`
	ContactPhone string `json:"contact_phone"`
	Address      string `json:"address"`
	Note         string `json:"note"`
	Active       bool   `json:"active"`
	Current      int    `json:"current_agreements"`
	Ending       int    `json:"ending_agreements" doc:"agreements ending within 30 days"`
	Ended        int    `json:"ended_agreements"`
	Version      int    `json:"version"`
}

type apiPartnerInput struct {
	UnitID       int64  `json:"unit_id" doc:"default: the caller's unit"`
	Name         string `json:"name"`
	Type         string `json:"type" enum:"restaurant,care_home,judicial,school,firm,hospital,other"`
	ContactName  string `json:"contact_name"`
	ContactPhone string `json:"contact_phone"`
	Address      string `json:"address"`
	Note         string `json:"note"`
	Active       *bool  `json:"active" doc:"PUT only; default true"`
	Version      int    `json:"version" doc:"PUT: the version read"`
}

type apiAgreement struct {
	ID       int64  `json:"id"`
	Title    string `json:"title"`
	SignedOn string `json:"signed_on,omitempty"`
	StartsOn string `json:"starts_on"`
	EndsOn   string `json:"ends_on,omitempty" doc:"empty: no end"`
	State    string `json:"state" enum:"current,ending,ended,future"`
	HasFile  bool   `json:"has_file" doc:"a scan is kept (opened on the partner's page)"`
	Note     string `json:"note,omitempty"`
	Version  int    `json:"version"`
}

type apiAgreementInput struct {
	Title    string `json:"title"`
	SignedOn string `json:"signed_on"`
	StartsOn string `json:"starts_on" doc:"default: signed_on"`
	EndsOn   string `json:"ends_on"`
	Note     string `json:"note"`
	// Version is the agreement's version as read, on an update.
	Version int `json:"version,omitempty" doc:"on update: the version read (a stale one is a 409)"`
}

// input is the agreement the service takes (its scan is uploaded on the
// partner's page).
func (in apiAgreementInput) input() partner.AgreementInput {
	return partner.AgreementInput{Title: in.Title, SignedOn: in.SignedOn, StartsOn: in.StartsOn, EndsOn: in.EndsOn, Note: in.Note}
}

func toAPIVenue(v *venue.Venue) apiVenue {
	out := apiVenue{ID: v.ID, UnitID: v.OrgID, Unit: v.OrgName, Name: v.Name, Address: v.Address, Capacity: v.Capacity, Note: v.Note, Active: v.Active,
		Version: v.Version, Hours: []apiHours{}}
	for _, h := range v.Hours {
		out.Hours = append(out.Hours, apiHours{Weekday: h.Weekday, Opens: h.Opens, Closes: h.Closes})
	}
	return out
}

func (in apiVenueInput) input() venue.Input {
	out := venue.Input{OrgID: in.UnitID, Name: in.Name, Address: in.Address, Capacity: in.Capacity, Note: in.Note, Active: in.Active == nil || *in.Active,
		Version: in.Version}
	for _, h := range in.Hours {
		out.Hours = append(out.Hours, venue.Hours{Weekday: h.Weekday, Opens: h.Opens, Closes: h.Closes})
	}
	return out
}

func toAPIBooking(b *venue.Booking) apiBooking {
	return apiBooking{ID: b.ID, VenueID: b.VenueID, Venue: b.VenueName, UnitID: b.OrgID, Unit: b.OrgName, ActivityID: b.ActivityID, What: b.What(),
		GroupName: b.GroupName, Purpose: b.Purpose, People: b.People, StartsAt: b.StartsAt, EndsAt: b.EndsAt, Status: string(b.Status),
		CancelReason: b.CancelReason, Note: b.Note}
}

func toAPIPartner(p *partner.Partner) apiPartner {
	return apiPartner{ID: p.ID, UnitID: p.OrgID, Unit: p.OrgName, Name: p.Name, Type: string(p.Type), ContactName: p.ContactName, ContactPhone: p.ContactPhone,
		Address: p.Address, Note: p.Note, Active: p.Active, Current: p.Current, Ending: p.Ending, Ended: p.Ended, Version: p.Version}
}

func (in apiPartnerInput) input() partner.Input {
	return partner.Input{OrgID: in.UnitID, Name: in.Name, Type: partner.Type(in.Type), ContactName: in.ContactName, ContactPhone: in.ContactPhone,
		Address: in.Address, Note: in.Note, Active: in.Active == nil || *in.Active, Version: in.Version}
}

func toAPIAgreement(g *partner.Agreement) apiAgreement {
	return apiAgreement{ID: g.ID, Title: g.Title, SignedOn: g.SignedOn, StartsOn: g.StartsOn, EndsOn: g.EndsOn, State: g.State, HasFile: g.FileID != 0, Note: g.Note,
		Version: g.Version}
}

func (s *Server) apiVenueList(w http.ResponseWriter, r *http.Request) {
	list, err := s.Venue.Venues(r.Context(), actorOf(r), r.URL.Query().Get("all") == "true")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	items := make([]apiVenue, 0, len(list))
	for _, v := range list {
		items = append(items, toAPIVenue(v))
	}
	writeJSON(w, http.StatusOK, apiList[apiVenue]{Items: items, Total: len(items), Limit: len(items)})
}

func (s *Server) apiVenueGet(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	var v *venue.Venue
	if err == nil {
		v, err = s.Venue.Venue(r.Context(), actorOf(r), id)
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, toAPIVenue(v))
}

func (s *Server) apiVenueCreate(w http.ResponseWriter, r *http.Request) {
	var in apiVenueInput
	if err := decode(r, &in); err != nil {
		s.fail(w, r, err)
		return
	}
	v, err := s.Venue.Create(r.Context(), actorOf(r), in.input())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, toAPIVenue(v))
}

func (s *Server) apiVenueUpdate(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	var in apiVenueInput
	if err == nil {
		err = decode(r, &in)
	}
	var v *venue.Venue
	if err == nil {
		v, err = s.Venue.Update(r.Context(), actorOf(r), id, in.input())
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, toAPIVenue(v))
}

// bookingList answers bookings of a filter as JSON.
func (s *Server) bookingList(w http.ResponseWriter, r *http.Request, f venue.BookingFilter) {
	q := r.URL.Query()
	f.From, f.To, f.WithCancelled = q.Get("from"), q.Get("to"), q.Get("cancelled") == "true"
	if f.From == "" && f.To == "" {
		f.From = s.Venue.Today()
	}
	list, err := s.Venue.Bookings(r.Context(), actorOf(r), f)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	items := make([]apiBooking, 0, len(list))
	for _, b := range list {
		items = append(items, toAPIBooking(b))
	}
	writeJSON(w, http.StatusOK, apiList[apiBooking]{Items: items, Total: len(items), Limit: len(items)})
}

func (s *Server) apiBookingList(w http.ResponseWriter, r *http.Request) {
	s.bookingList(w, r, venue.BookingFilter{})
}

func (s *Server) apiVenueBookings(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err == nil {
		_, err = s.Venue.Venue(r.Context(), actorOf(r), id)
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.bookingList(w, r, venue.BookingFilter{VenueID: id})
}

func (s *Server) apiBookingCreate(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err == nil {
		_, err = s.Venue.Venue(r.Context(), actorOf(r), id) // not found before any field is read
	}
	var in apiBookingInput
	if err == nil {
		err = decode(r, &in)
	}
	var b *venue.Booking
	if err == nil {
		b, err = s.Venue.Book(r.Context(), actorOf(r), venue.BookingInput{VenueID: id, ActivityID: in.ActivityID, Date: in.Date, StartTime: in.StartTime,
			EndTime: in.EndTime, GroupName: in.GroupName, Purpose: in.Purpose, People: in.People, Note: in.Note})
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, toAPIBooking(b))
}

func (s *Server) apiBookingCancel(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	var in struct {
		Reason string `json:"reason"`
	}
	if err == nil && r.ContentLength != 0 {
		err = decode(r, &in)
	}
	if err == nil {
		err = s.Venue.Cancel(r.Context(), actorOf(r), id, in.Reason)
	}
	var b *venue.Booking
	if err == nil {
		b, err = s.Venue.Booking(r.Context(), actorOf(r), id)
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, toAPIBooking(b))
}

func (s *Server) apiPartnerList(w http.ResponseWriter, r *http.Request) {
	f := partnerFilter(r)
	f.Ending = r.URL.Query().Get("ending") == "true"
	f.Limit, f.Offset = limitOffset(r)
	list, total, err := s.Partner.List(r.Context(), actorOf(r), f)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	items := make([]apiPartner, 0, len(list))
	for _, p := range list {
		items = append(items, toAPIPartner(p))
	}
	writeJSON(w, http.StatusOK, apiList[apiPartner]{Items: items, Total: total, Limit: f.Limit, Offset: f.Offset})
}

func (s *Server) apiPartnerGet(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	var p *partner.Partner
	if err == nil {
		p, err = s.Partner.Get(r.Context(), actorOf(r), id)
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, toAPIPartner(p))
}

func (s *Server) apiPartnerCreate(w http.ResponseWriter, r *http.Request) {
	var in apiPartnerInput
	if err := decode(r, &in); err != nil {
		s.fail(w, r, err)
		return
	}
	p, err := s.Partner.Create(r.Context(), actorOf(r), in.input())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, toAPIPartner(p))
}

func (s *Server) apiPartnerUpdate(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	var in apiPartnerInput
	if err == nil {
		err = decode(r, &in)
	}
	var p *partner.Partner
	if err == nil {
		p, err = s.Partner.Update(r.Context(), actorOf(r), id, in.input())
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, toAPIPartner(p))
}

func (s *Server) apiAgreementList(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	var p *partner.Partner
	if err == nil {
		p, err = s.Partner.Get(r.Context(), actorOf(r), id)
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	items := make([]apiAgreement, 0, len(p.Agreements))
	for _, g := range p.Agreements {
		items = append(items, toAPIAgreement(g))
	}
	writeJSON(w, http.StatusOK, items)
}

func (s *Server) apiAgreementCreate(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	var in apiAgreementInput
	if err == nil {
		err = decode(r, &in)
	}
	var g *partner.Agreement
	if err == nil {
		g, err = s.Partner.AddAgreement(r.Context(), actorOf(r), id, in.input())
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, toAPIAgreement(g))
}

func (s *Server) apiAgreementUpdate(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	var in apiAgreementInput
	if err == nil {
		err = decode(r, &in)
	}
	var g *partner.Agreement
	if err == nil {
		g, err = s.Partner.UpdateAgreement(r.Context(), actorOf(r), id, in.Version, in.input())
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, toAPIAgreement(g))
}
