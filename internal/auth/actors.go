package auth

import (
	"context"

	"shiliu/internal/errs"
)

// ActorByID rebuilds the actor of user id from the database, as a session
// would: its current role, unit and scope. Background jobs run as the user
// who asked for them through it, so a job sees what its user may see now,
// never more. A disabled or missing account is Unauthenticated.
func (s *Service) ActorByID(ctx context.Context, id int64) (*Actor, error) {
	u, err := s.userByID(ctx, id)
	if err != nil || u.Disabled {
		return nil, errs.E(errs.Unauthenticated, "err.login_required")
	}
	return u.Actor(), nil
}
