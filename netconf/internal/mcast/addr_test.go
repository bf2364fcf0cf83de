package mcast

import (
	"net/netip"
	"strings"
	"testing"

	"github.com/groupcast/groupcast/netconf/internal/input"
)

func TestParseGroup(t *testing.T) {
	for _, tc := range []struct {
		in      string
		want    string // AddrPort, or "" when an error is expected
		field   string // InputError.Field when an error is expected
		mention string // a word the sentence must contain
	}{
		{"239.255.3.3:3333", "239.255.3.3:3333", "", ""},
		{" 224.0.0.100:8888 ", "224.0.0.100:8888", "", ""},
		{"239.1.2.3:1", "239.1.2.3:1", "", ""},
		{"239.1.2.3:65535", "239.1.2.3:65535", "", ""},
		{"10.0.0.1:3333", "", "group", "unicast"},
		{"192.168.1.7:3333", "", "group", "unicast"},
		{"255.255.255.255:3333", "", "group", "broadcast"},
		{"0.0.0.0:3333", "", "group", "not a multicast"},
		{"[ff02::1]:3333", "", "group", "IPv6"},
		{"239.255.3.3:70000", "", "port", "out of range"},
		{"239.255.3.3:0", "", "port", "out of range"},
		{"239.255.3.3:-1", "", "port", "out of range"},
		{"239.255.3.3:http", "", "port", "not a number"},
		{"nonsense", "", "group", "ADDRESS:PORT"},
		{"", "", "group", "ADDRESS:PORT"},
		{":3333", "", "group", "ADDRESS:PORT"},
		{"239.255.3.3:", "", "group", "ADDRESS:PORT"},
		{"example.com:3333", "", "group", "not an IPv4 address"},
		{"239.256.3.3:3333", "", "group", "not an IPv4 address"},
	} {
		t.Run(tc.in, func(t *testing.T) {
			got, err := ParseGroup(tc.in)
			if tc.want != "" {
				if err != nil || got != netip.MustParseAddrPort(tc.want) {
					t.Fatalf("ParseGroup(%q) = %v, %v; want %v", tc.in, got, err, tc.want)
				}
				return
			}
			ie, ok := err.(*input.Error)
			if !ok {
				t.Fatalf("ParseGroup(%q) err = %v (%T); want *input.Error", tc.in, err, err)
			}
			if ie.Field != tc.field || !strings.Contains(ie.Msg, tc.mention) {
				t.Fatalf("ParseGroup(%q) = field %q %q; want field %q mentioning %q", tc.in, ie.Field, ie.Msg, tc.field, tc.mention)
			}
		})
	}
}

func TestValidateTTL(t *testing.T) {
	for ttl, ok := range map[int]bool{-1: false, 0: true, 1: true, 255: true, 256: false, 300: false} {
		if err := ValidateTTL(ttl); (err == nil) != ok {
			t.Errorf("ValidateTTL(%d) = %v", ttl, err)
		}
	}
}

func TestScopeOf(t *testing.T) {
	for _, tc := range []struct {
		addr, name string
		warn       bool
	}{
		{"224.0.0.100", "link-local", true},
		{"224.0.0.251", "link-local", true},
		{"224.0.1.1", "global", false},
		{"239.255.3.3", "organisation-local 239.255/16", false},
		{"239.192.0.1", "organisation-local 239.192/14", false},
		{"239.1.2.3", "administratively scoped", false},
		{"232.1.1.1", "source-specific", true},
		{"10.0.0.1", "not multicast", false},
	} {
		s := ScopeOf(netip.MustParseAddr(tc.addr))
		if !strings.Contains(s.Name, tc.name) || (s.Warning != "") != tc.warn {
			t.Errorf("ScopeOf(%s) = %+v; want name with %q, warning %v", tc.addr, s, tc.name, tc.warn)
		}
	}
}
