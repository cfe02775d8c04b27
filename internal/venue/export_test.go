package venue

// SetAfterCheck makes BookTx call f between its overlap check and its
// insert.
func SetAfterCheck(s *Service, f func()) { s.afterCheck = f }
