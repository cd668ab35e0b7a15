package webhooks

import (
	"net/netip"
	"net/url"
	"strings"
	"testing"
)

// special reports what net/netip classifies as not for outbound calls.
func special(ip netip.Addr) bool {
	ip = ip.Unmap()
	return ip.IsLoopback() || ip.IsPrivate() || ip.IsLinkLocalUnicast() || ip.IsLinkLocalMulticast() ||
		ip.IsInterfaceLocalMulticast() || ip.IsMulticast() || ip.IsUnspecified()
}

// FuzzGuardAllowed: whatever the address, the guard never lets through one
// that net/netip calls loopback, private, link-local, multicast or
// unspecified, nor one with a zone.
func FuzzGuardAllowed(f *testing.F) {
	for _, s := range []string{"127.0.0.1", "::1", "fe80::1", "::ffff:10.0.0.1", "fd00:ec2::254", "8.8.8.8", "2606:4700::1111",
		"64:ff9b::7f00:1", "2002:7f00:1::"} {
		ip := netip.MustParseAddr(s).As16()
		f.Add(ip[:], "")
	}
	f.Add(make([]byte, 16), "eth0")
	s, err := NewSender(SenderOptions{})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, raw []byte, zone string) {
		var b [16]byte
		copy(b[:], raw)
		ip := netip.AddrFrom16(b)
		if len(raw) == 4 {
			ip = netip.AddrFrom4([4]byte(raw))
		}
		if zone != "" && ip.Is6() {
			ip = ip.WithZone(zone)
		}
		if s.Allowed(ip) && (special(ip) || ip.Zone() != "") {
			t.Fatalf("Allowed(%s) = true", ip)
		}
	})
}

// FuzzGuardCheckURL: a URL the guard passes before resolving names no
// special address in any spelling a resolver would accept, and checking it
// never needs a resolver.
func FuzzGuardCheckURL(f *testing.F) {
	for _, h := range []string{"127.0.0.1", "[::1%25lo]", "2130706433", "0177.1", "127.1", "0x7f.1", "localhost.", "a.localhost",
		"[::ffff:127.0.0.1]", "example.com", "93.184.216.34", "[2606:4700::1111]", "1.2.3.4.5", "0", "[::]"} {
		f.Add("http://" + h + ":8080/x")
	}
	resolver, queries := countingResolver()
	s, err := NewSender(SenderOptions{Resolver: resolver})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		err := s.CheckURL(raw)
		if queries.Load() != 0 {
			t.Fatalf("CheckURL(%q) asked a resolver", raw)
		}
		if err != nil {
			return
		}
		u, perr := url.Parse(raw)
		if perr != nil {
			t.Fatalf("CheckURL(%q) passed a URL that does not parse: %v", raw, perr)
		}
		host := strings.ToLower(strings.TrimRight(u.Hostname(), "."))
		if host == "localhost" || strings.HasSuffix(host, ".localhost") || strings.Contains(host, "%") {
			t.Fatalf("CheckURL(%q) passed host %q", raw, host)
		}
		if ip, err := netip.ParseAddr(host); err == nil && special(ip) {
			t.Fatalf("CheckURL(%q) passed the special address %s", raw, ip)
		}
		if ip, ok := parseLegacyIPv4(host); ok && special(ip) {
			t.Fatalf("CheckURL(%q) passed %q, which resolvers read as %s", raw, host, ip)
		}
	})
}
