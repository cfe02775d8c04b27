package e2e

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
)

// seq numbers the records the tests create, so that they differ between
// runs of a test in one process (go test -count=N shares the database).
func seq() int { return int(counter.Add(1)) }

var counter atomic.Int32

// A street admin logs in, sees their name and role on the dashboard, and
// follows the navigation to the org tree: their subdistrict (和平街道 in the
// demo) with its committees.
func TestLoginDashboardAndOrgTree(t *testing.T) {
	h := setup(t)
	admin := h.accounts["admin"]
	u := h.user(t, "admin")
	b := h.newTab(t, "admin")

	// Not logged in: the app sends the user to the login page.
	b.open("/")
	b.wantPath("/login")
	b.loginAs("admin")

	b.wantText("h1", zh("dashboard.hello", u.DisplayName))
	b.wantText(".topbar .who-name", u.DisplayName)
	b.wantText(".topbar .who-role", zh("role.street_admin")+" · "+admin.Unit)
	b.wantText(".page-head p.muted", zh("role.street_admin")+" · "+admin.Unit)

	// The navigation, as the user sees it: no audit log for a street admin.
	nav := b.visibleTexts(".sidenav a")
	for _, k := range []string{"nav.dashboard", "nav.org", "nav.users", "nav.account"} {
		if !slices.Contains(nav, zh(k)) {
			t.Errorf("navigation %q lacks %q", nav, zh(k))
		}
	}
	if slices.Contains(nav, zh("nav.audit")) {
		t.Errorf("navigation %q offers the audit log to a street admin", nav)
	}

	if st := b.clickVisible(`.sidenav a[href="/org"]`); st != 200 {
		t.Fatalf("org page: status %d", st)
	}
	b.wantPath("/org")
	b.wantText("h1", zh("org.title"))
	if cur := b.visibleTexts(`.sidenav a[aria-current="page"]`); !slices.Equal(cur, []string{zh("nav.org")}) {
		t.Errorf("the navigation marks %q as the current page, want %q", cur, zh("nav.org"))
	}

	items := b.texts(".tree li")
	if len(items) == 0 || !strings.Contains(items[0], admin.Unit) || !strings.Contains(items[0], zh("kind.subdistrict")) {
		t.Fatalf("the tree should start with the subdistrict %s (%s); it shows %q", admin.Unit, zh("kind.subdistrict"), items[:min(3, len(items))])
	}
	for _, c := range h.committees(t) {
		found := false
		for _, it := range items {
			if strings.Contains(it, c.Name) && strings.Contains(it, zh("kind.committee")) && strings.Contains(it, c.Code) {
				found = true
				break
			}
		}
		if !found {
			t.Errorf("the tree does not show committee %s (%s)", c.Name, c.Code)
		}
	}
	// Only the admin's subdistrict: no other subdistrict, no district.
	subdistricts := 0
	for _, it := range items {
		if strings.HasPrefix(it, zh("kind.subdistrict")) {
			subdistricts++
		}
		if strings.HasPrefix(it, zh("kind.district")+" ") {
			t.Errorf("a street admin sees the district: %q", it)
		}
	}
	if subdistricts != 1 {
		t.Errorf("the tree shows %d subdistricts, want 1", subdistricts)
	}
}

// A street admin edits a committee through the form; the change shows, and
// the audit administrator, on another machine, finds it in the audit log.
func TestOrgEditIsAudited(t *testing.T) {
	h := setup(t)
	cs := h.committees(t)
	c := cs[len(cs)-1] // the other tests use the first two committees
	id := strconv.FormatInt(c.ID, 10)
	n := seq()
	newName := fmt.Sprintf("石榴籽测试%d居委会", n)
	newAddr := fmt.Sprintf("石榴区团结路 %d 号", 50+n)

	b := h.newTab(t, "admin")
	b.loginAs("admin")
	b.open("/org")
	if st := b.click(`.tree a[href="/org/` + id + `"]`); st != 200 {
		t.Fatalf("committee page: status %d", st)
	}
	b.wantPath("/org/" + id)
	b.wantContains("h1", c.Name)

	edit := `.page-head a[href="/org/` + id + `/edit"]`
	b.wantText(edit, zh("common.edit"))
	b.click(edit)
	b.wantPath("/org/" + id + "/edit")
	b.wantText("h1", zh("org.edit_title", c.Name))
	b.fill(`form.form input[name=name]`, newName)
	b.fill(`form.form input[name=address]`, newAddr)
	b.wantText(`form.form button.primary[type=submit]`, zh("common.save"))
	if st := b.click(`form.form button.primary[type=submit]`); st != 200 {
		t.Fatalf("save: status %d; page shows %q", st, b.text("main"))
	}

	b.wantPath("/org/" + id)
	b.wantText(".flash.ok", zh("org.saved"))
	b.wantText(".page-head h1", newName)
	if props := b.text("dl.props"); !strings.Contains(props, newAddr) {
		t.Errorf("details %q lack the new address %q", props, newAddr)
	}
	// The flash is shown once.
	b.open("/org/" + id)
	if got := b.text(".flash"); got != "" {
		t.Errorf("flash %q shown again after a reload", got)
	}

	// The audit administrator sees the update, filtered by object.
	a := h.newTab(t, "auditor")
	a.loginAs("auditor")
	a.clickVisible(`.sidenav a[href="/audit"]`)
	a.wantText("h1", zh("audit.title"))
	a.fill(`form.filters input[name=entity]`, "org_unit")
	a.fill(`form.filters input[name=entity_id]`, id)
	a.click(`form.filters button[type=submit]`)
	rows := a.texts("table.audit tbody tr")
	found := false
	for _, r := range rows {
		if strings.Contains(r, "admin") && strings.Contains(r, zh("action.update")) && strings.Contains(r, "org_unit #"+id) &&
			strings.Contains(r, newName) && strings.Contains(r, newAddr) && strings.Contains(r, zh("result.ok")) {
			found = true
		}
	}
	if !found {
		t.Errorf("the audit log lists no update of org_unit #%s by admin with the new name and address; rows:\n%s", id, strings.Join(rows, "\n"))
	}
}

// Committee staff open the address of a sibling committee: they get the
// not-found page, which does not reveal the sibling, and the refusal is in
// the audit log.
func TestCrossCommitteeAccessDenied(t *testing.T) {
	h := setup(t)
	own := h.user(t, "committee")
	cs := h.committees(t)
	mine, sibling := cs[0], cs[1]
	if mine.ID != own.OrgID {
		t.Fatalf("the committee account belongs to unit %d, expected the first committee %d (%s)", own.OrgID, mine.ID, mine.Name)
	}
	sid := strconv.FormatInt(sibling.ID, 10)

	b := h.newTab(t, "committee")
	b.loginAs("committee")
	b.wantText(".topbar .who-role", zh("role.committee_staff")+" · "+mine.Name)

	// The own committee opens…
	if st := b.open(fmt.Sprintf("/org/%d", mine.ID)); st != 200 {
		t.Fatalf("own committee: status %d", st)
	}
	b.wantContains("h1", mine.Name)

	// …the sibling's address, typed in, does not.
	if st := b.open("/org/" + sid); st != 404 {
		t.Errorf("sibling committee: status %d, want 404", st)
	}
	b.wantText(".error-code", "404")
	b.wantText("main h1", zh("err.not_found"))
	if body := eval[string](b, "document.title + '\\n' + document.body.innerText"); strings.Contains(body, sibling.Name) || strings.Contains(body, sibling.Code) {
		t.Errorf("the not-found page reveals the sibling %s (%s):\n%s", sibling.Name, sibling.Code, body)
	}
	if html := eval[string](b, "document.documentElement.outerHTML"); strings.Contains(html, sibling.Name) {
		t.Errorf("the HTML of the not-found page contains the sibling's name %s", sibling.Name)
	}
	// Nor does its edit form.
	if st := b.open("/org/" + sid + "/edit"); st == 200 {
		t.Errorf("sibling's edit form: status %d", st)
	}
	// An id that does not exist looks the same as one out of scope.
	b.open("/org/99999999")
	b.wantText("main h1", zh("err.not_found"))

	a := h.newTab(t, "auditor")
	a.loginAs("auditor")
	a.open(query("/audit", "user", "committee", "result", "denied"))
	rows := a.texts("table.audit tbody tr")
	found := false
	for _, r := range rows {
		if strings.Contains(r, "committee") && strings.Contains(r, zh("action.denied")) &&
			strings.Contains(r, `"path":"/org/`+sid+`"`) && strings.Contains(r, zh("result.denied")) {
			found = true
		}
	}
	if !found {
		t.Errorf("the audit log has no denied record of committee for /org/%s; rows:\n%s", sid, strings.Join(rows, "\n"))
	}
}

// Logging out ends the session on the server, not only in the browser.
func TestLogout(t *testing.T) {
	h := setup(t)
	b := h.newTab(t, "leader")
	b.loginAs("leader")
	session := b.cookie("shiliu_session")
	if session == "" {
		t.Fatal("no session cookie after login")
	}

	logout := `.topbar form.logout button[type=submit]`
	b.wantText(logout, zh("nav.logout"))
	if st := b.click(logout); st != 200 {
		t.Fatalf("logout: status %d", st)
	}
	b.wantPath("/login")
	b.wantText(".flash.ok", zh("login.logged_out"))
	if b.text(`form[action="/login"]`) == "" {
		t.Fatal("no login form after logout")
	}
	if got := b.cookie("shiliu_session"); got != "" {
		t.Errorf("session cookie still set after logout")
	}

	b.open("/")
	b.wantPath("/login")

	// Put the old cookie back: the server no longer knows the session.
	b.setCookie("shiliu_session", session)
	b.open("/")
	b.wantPath("/login")
	b.open("/org")
	b.wantPath("/login")
}

// On a phone, a liaison opens the navigation menu; no page is wider than
// the screen.
func TestPhoneMenu(t *testing.T) {
	h := setup(t)
	b := h.newTab(t, "liaison")
	b.phone()
	b.loginAs("liaison")
	u := h.user(t, "liaison")
	b.wantText("h1", zh("dashboard.hello", u.DisplayName))
	b.wantText(".topbar .who-name", u.DisplayName)
	b.noHorizontalScroll()

	// Closed: the summary shows, the links do not.
	if open := eval[bool](b, `document.querySelector("details.menu").open`); open {
		t.Fatal("the menu is open before it is tapped")
	}
	if vis := b.visibleTexts("details.menu > summary"); len(vis) != 1 {
		t.Fatal("the menu button is not visible on a phone")
	}
	if vis := b.visibleTexts(".sidenav a"); len(vis) != 0 {
		t.Errorf("closed menu shows links %q", vis)
	}
	if got := b.text(".topbar .who-role"); got != "" {
		t.Errorf("the role line %q should be hidden on a phone", got)
	}

	b.do("open menu", tapSummary())
	if open := eval[bool](b, `document.querySelector("details.menu").open`); !open {
		t.Fatal("the menu did not open")
	}
	links := b.visibleTexts(".sidenav a")
	for _, k := range []string{"nav.dashboard", "nav.account"} {
		if !slices.Contains(links, zh(k)) {
			t.Errorf("open menu %q lacks %q", links, zh(k))
		}
	}
	// A liaison works with people, not with the org tree or accounts.
	for _, k := range []string{"nav.org", "nav.users", "nav.audit"} {
		if slices.Contains(links, zh(k)) {
			t.Errorf("open menu %q offers %q to a liaison", links, zh(k))
		}
	}
	b.noHorizontalScroll()

	// A link of the menu leads to its page, where the menu is closed again.
	b.clickVisible(`.sidenav a[href="/account"]`)
	b.wantPath("/account")
	b.wantText("h1", zh("account.title"))
	b.noHorizontalScroll()
	if open := eval[bool](b, `document.querySelector("details.menu").open`); open {
		t.Error("the menu stays open on the new page")
	}
	if vis := b.visibleTexts(".sidenav a"); len(vis) != 0 {
		t.Errorf("closed menu shows links %q on the account page", vis)
	}
	// The other pages a liaison reaches fit the screen too.
	b.open("/password")
	b.noHorizontalScroll()
	b.open("/")
	b.wantContains("main", zh("dashboard.liaison_note"))
	b.noHorizontalScroll()
}

// An admin creates an account; its owner logs in with the one-time password
// and must set their own before anything else.
func TestForcedPasswordChange(t *testing.T) {
	h := setup(t)
	username := fmt.Sprintf("e2e.zhang%d", seq())
	const displayName = "张晓燕"
	const newPassword = "pomegranate seeds hold together 2026"

	b := h.newTab(t, "admin")
	b.loginAs("admin")
	quick := `.quick a[href="/users/new"]`
	b.wantText(quick, zh("users.new"))
	b.click(quick)
	b.wantPath("/users/new")
	b.wantText("h1", zh("users.new_title"))
	b.fill(`input[name=username]`, username)
	b.fill(`input[name=display_name]`, displayName)
	b.do("choose role", setSelect(`select[name=role]`, "street_staff"))
	if st := b.click(`form[action="/users"] button.primary[type=submit]`); st != 201 {
		t.Fatalf("create account: status %d; page shows %q", st, b.text("main"))
	}
	b.wantContains(".flash.ok", zh("users.password_once"))
	first := b.text("#new-password")
	if len(first) < 12 || strings.ContainsAny(first, " \n") {
		t.Fatalf("one-time password shown as %q", first)
	}
	b.wantContains(".page-head h1", username)
	b.wantContains("dl.props", zh("users.must_change"))

	n := h.newTab(t, "newuser")
	if st := n.login(username, first); st != 200 {
		t.Fatalf("first login: status %d", st)
	}
	n.wantPath("/password")
	n.wantText("h1", zh("password.title"))
	n.wantText(".flash.info", zh("password.forced"))
	// Nothing else opens before the password is changed.
	n.open("/org")
	n.wantPath("/password")
	n.open("/")
	n.wantPath("/password")

	// A mismatched confirmation is refused with a message at the field.
	n.fill(`input[name=old_password]`, first)
	n.fill(`input[name=password]`, newPassword)
	n.fill(`input[name=confirm]`, newPassword+"x")
	n.click(`form[action="/password"] button[type=submit]`)
	n.wantPath("/password")
	n.wantText("#err-confirm", zh("err.password_mismatch"))

	n.fill(`input[name=old_password]`, first)
	n.fill(`input[name=password]`, newPassword)
	n.fill(`input[name=confirm]`, newPassword)
	if st := n.click(`form[action="/password"] button[type=submit]`); st != 200 {
		t.Fatalf("change password: status %d; page shows %q", st, n.text("main"))
	}
	n.wantPath("/")
	n.wantText(".flash.ok", zh("password.changed"))
	n.wantText("h1", zh("dashboard.hello", displayName))
	n.wantText(".topbar .who-role", zh("role.street_staff")+" · "+h.accounts["admin"].Unit)

	// The new password works on another machine; the first one no longer.
	o := h.newTab(t, "newuser-again")
	if st := o.login(username, first); st != 401 {
		t.Errorf("login with the one-time password after the change: status %d, want 401", st)
	}
	o.wantText(`.flash.error`, zh("err.bad_login"))
	if st := o.login(username, newPassword); st != 200 {
		t.Fatalf("login with the new password: status %d", st)
	}
	o.wantPath("/")
}
