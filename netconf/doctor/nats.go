package doctor

import (
	"errors"
	"fmt"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/groupcast/groupcast/netconf"
	"github.com/groupcast/groupcast/netconf/internal/natsnet"
)

// checkNATS connects to the NATS server, measures a round trip, and
// says what failed in words: not reachable, not authorised, TLS.
func checkNATS(o netconf.NATSOptions) Check {
	if o.Name == "" {
		o.Name = "groupcast doctor"
	}
	nc, err := natsnet.Connect(o)
	switch {
	case errors.Is(err, nats.ErrAuthorization), errors.Is(err, nats.ErrAuthExpired):
		return Check{Detail: fmt.Sprintf("the NATS server at %s refused these credentials; check the token or the credentials file", o.Redacted())}
	case err != nil:
		return Check{Detail: err.Error()}
	}
	defer nc.Close()
	rtt, err := nc.RTT()
	if err != nil {
		return Check{Detail: fmt.Sprintf("connected to %s, but it does not answer: %v", nc.ConnectedUrlRedacted(), err)}
	}
	return Check{OK: true, Detail: fmt.Sprintf("reached %s (server %s), round trip %s", nc.ConnectedUrlRedacted(), nc.ConnectedServerName(), rtt.Round(10*time.Microsecond))}
}
