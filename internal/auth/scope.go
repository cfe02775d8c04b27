package auth

import "shiliu/internal/access"

// Scope is an org subtree, given by the path of its root, with the helpers
// every package reads its records through (the subtree range, a liaison's
// reach beside their group, "assigned to this liaison"). It lives in the
// leaf package access so that the audit package can use it too.
type Scope = access.Scope
