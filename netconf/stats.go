package netconf

import (
	"reflect"
	"sync/atomic"

	"github.com/groupcast/groupcast/netconf/event"
)

// The engine keeps a Stats, updated atomically by the loop and the
// readers (add) and copied field by field by Stats: the counters are
// listed once, in the type.

func add(c *uint64, n uint64) { event.Add(c, n) }

// Stats returns a snapshot of the counters; safe from any goroutine.
func (e *Engine) Stats() Stats {
	var s Stats
	from, to := reflect.ValueOf(&e.stats).Elem(), reflect.ValueOf(&s).Elem()
	for i := range from.NumField() {
		to.Field(i).SetUint(atomic.LoadUint64(from.Field(i).Addr().Interface().(*uint64)))
	}
	return s
}
