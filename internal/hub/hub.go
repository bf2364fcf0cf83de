// Package hub runs the NATS server a school without one joins its
// networks through (`groupcast hub`, docs/BRIDGE.md): nats-server,
// embedded, with limits sized for Groupcast's datagrams.
package hub

import (
	"fmt"
	"net"
	"net/url"
	"strconv"
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
}

// Limits that fit Groupcast: a datagram and its trailer are under 1.5
// KiB, so a larger payload is refused by the server itself.
const (
	MaxPayload     = 2048
	MaxConnections = 4096
	MaxSubs        = 64
	MaxPending     = 32 << 20
)

// Server is a running hub.
type Server struct{ s *server.Server }

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
	opts.NoSigs, opts.NoLog = true, true
	opts.ServerName = "groupcast-hub"
	if o.TLSCert != "" || o.TLSKey != "" {
		tc, err := server.GenTLSConfig(&server.TLSConfigOpts{CertFile: o.TLSCert, KeyFile: o.TLSKey})
		if err != nil {
			return nil, fmt.Errorf("hub TLS: %w", err)
		}
		opts.TLSConfig, opts.TLS = tc, true
	}
	if err := setLeafNodes(opts, o); err != nil {
		return nil, err
	}
	s, err := server.NewServer(opts)
	if err != nil {
		return nil, fmt.Errorf("hub: %w", err)
	}
	go s.Start()
	if !s.ReadyForConnections(10 * time.Second) {
		s.Shutdown()
		return nil, fmt.Errorf("hub: cannot listen on %s:%d (is another program using the port?)", opts.Host, opts.Port)
	}
	return &Server{s}, nil
}

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

// URL is where clients reach the hub (nats://ADDR:PORT).
func (h *Server) URL() string { return h.s.ClientURL() }

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
