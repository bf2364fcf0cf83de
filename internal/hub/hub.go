// Package hub runs the NATS server a school without one joins its
// networks through (`groupcast hub`, docs/BRIDGE.md): nats-server,
// embedded, closed to whoever has not its token, with limits sized for
// Groupcast's datagrams that bound what it may hold (docs/SECURITY.md,
// "The hub").
package hub

import (
	"fmt"
	"net"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/nats-io/nats-server/v2/server"
)

// Options of a hub. Zero values are the defaults.
type Options struct {
	Listen  string // ADDR:PORT to serve clients on; default 0.0.0.0:4222
	TLSCert string // with TLSKey: serve TLS only
	TLSKey  string
	// Config is a nats-server configuration file (accounts, leaf nodes,
	// clusters); the options above override what it says.
	Config string
	// LeafListen, when set, accepts leaf nodes (a second site's hub) on
	// ADDR:PORT; Remote, when set, makes this hub a leaf node of the hub
	// at that URL (nats-leaf://HOST:7422): it dials out, so the second
	// site opens no port.
	LeafListen string
	Remote     string
	// Open lets anyone who reaches the hub use it, without a token.
	Open bool
	// Token is what clients must present (nats://TOKEN@HOST:4222): when
	// unset, the one kept in TokenFile (made there the first time), or
	// with no TokenFile a new one for this run. Ignored when Open, and
	// when Config has accounts or users of its own.
	Token     string
	TokenFile string
}

// Limits that fit Groupcast: a datagram and its trailer are under 1.5
// KiB, so a larger payload is refused by the server itself. What the hub
// holds for its clients is bounded by them: at most MaxConnections
// connections (those still introducing themselves included), each
// holding at most MaxPending bytes it has not taken yet — a client
// slower than that is disconnected, as nats-server does with a slow
// consumer, and reconnects — plus what a connection costs the server
// itself (buffers up to 64 KiB each way): 1 024 × (512 + 128) KiB, 640
// MiB at the very most (docs/SECURITY.md, "The hub", with the figures
// measured).
const (
	MaxPayload     = 2048
	MaxConnections = 1024
	// MaxPerAddress bounds the connections from one address, so that
	// one computer cannot take all of them.
	MaxPerAddress = 32
	MaxSubs       = 64
	MaxPending    = 512 << 10
	// WriteDeadline is how long a client may block the hub's writes to
	// it before it is disconnected; pingEvery and maxPingsOut how soon a
	// silent connection is found dead.
	WriteDeadline = 5 * time.Second
	pingEvery     = 20 * time.Second
	maxPingsOut   = 3
)

// Server is a running hub.
type Server struct {
	s     *server.Server
	token string // "": open (or the configuration's accounts decide)
	gate  *gate
	own   bool // closed by Groupcast (not by a configuration's accounts)
}

// Start starts a hub and waits until it accepts clients.
func Start(o Options) (*Server, error) {
	opts := &server.Options{}
	if o.Config != "" {
		var err error
		if opts, err = server.ProcessConfigFile(o.Config); err != nil {
			return nil, fmt.Errorf("hub configuration %s: %w", o.Config, err)
		}
	}
	listen := o.Listen
	if listen == "" && o.Config == "" {
		listen = "0.0.0.0:4222"
	}
	if listen != "" {
		host, port, err := splitHostPort(listen)
		if err != nil {
			return nil, err
		}
		opts.Host, opts.Port = host, port
		if port != server.RANDOM_PORT {
			// nats-server only logs a port it cannot take: say so at once.
			l, err := net.Listen("tcp", net.JoinHostPort(host, strconv.Itoa(port)))
			if err != nil {
				return nil, fmt.Errorf("hub: cannot listen on %s (is another program using the port?): %w", listen, err)
			}
			_ = l.Close()
		}
	}
	opts.MaxPayload, opts.MaxConn, opts.MaxSubs, opts.MaxPending = MaxPayload, MaxConnections, MaxSubs, MaxPending
	opts.WriteDeadline, opts.PingInterval, opts.MaxPingsOut = WriteDeadline, pingEvery, maxPingsOut
	opts.NoSigs, opts.NoLog = true, true
	opts.ServerName = "groupcast-hub"
	if o.TLSCert != "" || o.TLSKey != "" {
		tc, err := server.GenTLSConfig(&server.TLSConfigOpts{CertFile: o.TLSCert, KeyFile: o.TLSKey})
		if err != nil {
			return nil, fmt.Errorf("hub TLS: %w", err)
		}
		opts.TLSConfig, opts.TLS = tc, true
	}
	h := &Server{}
	if err := h.restrict(opts, o); err != nil {
		return nil, err
	}
	if err := setLeafNodes(opts, o); err != nil {
		return nil, err
	}
	s, err := server.NewServer(opts)
	if err != nil {
		return nil, fmt.Errorf("hub: %w", err)
	}
	h.s = s
	if h.gate != nil {
		h.gate.srv = s
	}
	go s.Start()
	if !s.ReadyForConnections(10 * time.Second) {
		s.Shutdown()
		return nil, fmt.Errorf("hub: cannot listen on %s:%d (is another program using the port?)", opts.Host, opts.Port)
	}
	return h, nil
}

// restrict sets in opts who may use the hub: whoever has the token (o's,
// the one kept in o.TokenFile, or a new one), or anyone when o.Open; a
// configuration with accounts or users of its own decides alone. Leaf
// nodes (another site's hub) present the token too, as user "leaf".
func (h *Server) restrict(opts *server.Options, o Options) error {
	if opts.Authorization != "" || opts.Username != "" || len(opts.Users) > 0 || len(opts.Nkeys) > 0 ||
		len(opts.TrustedOperators) > 0 || len(opts.TrustedKeys) > 0 || opts.AuthCallout != nil || opts.CustomClientAuthentication != nil {
		return nil // the configuration's own
	}
	h.own = true
	if !o.Open {
		h.token = o.Token
		if h.token == "" && o.TokenFile != "" {
			var err error
			if h.token, _, err = LoadToken(o.TokenFile); err != nil {
				return fmt.Errorf("hub: %w", err)
			}
		}
		if h.token == "" {
			h.token = NewToken()
		}
		if err := validToken(h.token); err != nil {
			return fmt.Errorf("hub: %w", err)
		}
		if o.LeafListen != "" && opts.LeafNode.Username == "" && len(opts.LeafNode.Users) == 0 {
			opts.LeafNode.Username, opts.LeafNode.Password = LeafUser, h.token
		}
	}
	h.gate = &gate{token: h.token, by: map[string][]uint64{}}
	opts.CustomClientAuthentication = h.gate
	return nil
}

// LeafUser is the user another site's hub joins this one's leaf-node port
// as (nats-leaf://leaf:TOKEN@HOST:7422).
const LeafUser = "leaf"

// setLeafNodes sets in opts how this hub meets another site's:
// accepting it (o.LeafListen), or dialling it (o.Remote).
func setLeafNodes(opts *server.Options, o Options) error {
	if o.LeafListen != "" {
		host, port, err := splitHostPort(o.LeafListen)
		if err != nil {
			return err
		}
		opts.LeafNode.Host, opts.LeafNode.Port = host, port
	}
	if o.Remote != "" {
		u, err := url.Parse(o.Remote)
		if err != nil || u.Host == "" {
			return fmt.Errorf("%q is not a hub's leaf-node address; write nats-leaf://HOST:7422", o.Remote)
		}
		opts.LeafNode.Remotes = append(opts.LeafNode.Remotes, &server.RemoteLeafOpts{URLs: []*url.URL{u}})
	}
	return nil
}

func splitHostPort(hp string) (string, int, error) {
	host, p, err := net.SplitHostPort(hp)
	if err != nil {
		return "", 0, fmt.Errorf("%q: write ADDR:PORT, for example 0.0.0.0:4222", hp)
	}
	port, err := strconv.Atoi(p)
	if err != nil || port < 0 || port > 65535 {
		return "", 0, fmt.Errorf("%q: the port must be 0-65535", hp)
	}
	if port == 0 {
		port = server.RANDOM_PORT // any free port
	}
	return host, port, nil
}

// URL is where clients on this computer reach the hub, token included
// (nats://TOKEN@127.0.0.1:PORT).
func (h *Server) URL() string { return h.withToken(h.s.ClientURL()) }

// URLs are the addresses other computers reach the hub at, token
// included: the address it listens on, or when that is every address,
// this computer's addresses on its networks.
func (h *Server) URLs() []string {
	addr, ok := h.s.Addr().(*net.TCPAddr)
	if !ok {
		return []string{h.URL()}
	}
	scheme := "nats"
	if strings.HasPrefix(h.s.ClientURL(), "tls:") {
		scheme = "tls"
	}
	var hosts []string
	if addr.IP.IsUnspecified() {
		ifaddrs, _ := net.InterfaceAddrs()
		for _, a := range ifaddrs {
			if n, ok := a.(*net.IPNet); ok && n.IP.To4() != nil && !n.IP.IsLoopback() && !n.IP.IsLinkLocalUnicast() {
				hosts = append(hosts, n.IP.String())
			}
		}
	}
	if len(hosts) == 0 {
		hosts = []string{addr.IP.String()}
		if addr.IP.IsUnspecified() {
			hosts = []string{"127.0.0.1"}
		}
	}
	var urls []string
	for _, host := range hosts {
		urls = append(urls, h.withToken(scheme+"://"+net.JoinHostPort(host, strconv.Itoa(addr.Port))))
	}
	return urls
}

func (h *Server) withToken(u string) string {
	if h.token == "" {
		return u
	}
	scheme, rest, _ := strings.Cut(u, "://")
	return scheme + "://" + h.token + "@" + rest
}

// Token is the token clients present ("": open, or the configuration's
// accounts decide).
func (h *Server) Token() string { return h.token }

// Open says whether anyone who reaches the hub may use it.
func (h *Server) Open() bool { return h.own && h.token == "" }

// Refused is how many connections were refused: without the token (or
// with another), and over MaxPerAddress from one address.
func (h *Server) Refused() (token, crowded uint64) {
	if h.gate == nil {
		return 0, 0
	}
	return h.gate.refused.Load(), h.gate.crowded.Load()
}

// Addr is the address the hub listens on.
func (h *Server) Addr() net.Addr { return h.s.Addr() }

// Clients is how many clients are connected.
func (h *Server) Clients() int { return h.s.NumClients() }

// Leafs is how many leaf nodes are connected.
func (h *Server) Leafs() int { return h.s.NumLeafNodes() }

// Close stops the hub.
func (h *Server) Close() {
	h.s.Shutdown()
	h.s.WaitForShutdown()
}
