package history

// maxIdle is how many connections the store keeps open between uses.
const maxIdle = 2

// Release closes the store's idle connections, and with them the pages
// each holds in its cache (2 MB at most apiece), after a burst of
// writes: a window that kept a flood of messages gives that memory back
// (3-4 MB after 100 000 messages). The next use opens a connection
// again.
func (s *Store) Release() {
	s.db.SetMaxIdleConns(0)
	s.db.SetMaxIdleConns(maxIdle)
}
