package netconf

import (
	"net/netip"
	"testing"

	"github.com/groupcast/groupcast/internal/testnet"
)

func TestConfigCheck(t *testing.T) {
	lo := testnet.Loopback(t)
	base := DefaultConfig()
	base.Nick, base.Interface = "Alice", lo
	for _, tc := range []struct {
		name  string
		mod   func(*Config)
		field string
		warn  bool
	}{
		{"fine", func(*Config) {}, "", false},
		{"link-local warns", func(c *Config) { c.Group = netip.MustParseAddrPort("224.0.0.100:8888") }, "", true},
		{"ttl 300", func(c *Config) { c.TTL = 300 }, "ttl", false},
		{"unknown interface", func(c *Config) { c.Interface = "nosuch0" }, "interface", false},
		{"empty nick", func(c *Config) { c.Nick = "" }, "name", false},
		{"no group", func(c *Config) { c.Group = netip.AddrPort{} }, "group", false},
		{"unicast group", func(c *Config) { c.Group = netip.MustParseAddrPort("10.1.1.1:5") }, "group", false},
		{"port 0", func(c *Config) { c.Group = netip.MustParseAddrPort("239.1.1.1:0") }, "port", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := base
			tc.mod(&c)
			choice, warnings, err := c.Check()
			if tc.field == "" {
				if err != nil {
					t.Fatalf("Check: %v", err)
				}
				if choice.Name != lo {
					t.Fatalf("interface = %q; want %q", choice.Name, lo)
				}
				if (len(warnings) > 0) != tc.warn {
					t.Fatalf("warnings = %q; want some: %v", warnings, tc.warn)
				}
				return
			}
			ie, ok := err.(*InputError)
			if !ok || ie.Field != tc.field {
				t.Fatalf("Check err = %v; want InputError on %q", err, tc.field)
			}
		})
	}
}
