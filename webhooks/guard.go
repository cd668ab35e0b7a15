package webhooks

import (
	"fmt"
	"net/netip"
	"net/url"
	"strings"
	"syscall"
)

// The SSRF guard refuses outbound connections to loopback, private,
// link-local, metadata and other special addresses. It runs twice: on the
// URL's host before anything is resolved (so an IP literal in disguise is
// refused without asking a resolver what it means), and on the resolved
// address just before connect (so a DNS answer that changes between check
// and use does not get through).

// forbidden are the ranges the guard refuses by default.
var forbidden = func() []netip.Prefix {
	var out []netip.Prefix
	for _, s := range []string{
		"0.0.0.0/8",       // unspecified, "this network"
		"10.0.0.0/8",      // RFC 1918
		"100.64.0.0/10",   // CGNAT
		"127.0.0.0/8",     // loopback
		"169.254.0.0/16",  // link-local, includes 169.254.169.254 (metadata)
		"172.16.0.0/12",   // RFC 1918
		"192.0.0.0/24",    // IETF protocol assignments
		"192.0.2.0/24",    // documentation
		"192.168.0.0/16",  // RFC 1918
		"198.18.0.0/15",   // benchmarking
		"198.51.100.0/24", // documentation
		"203.0.113.0/24",  // documentation
		"224.0.0.0/4",     // multicast
		"240.0.0.0/4",     // reserved, broadcast
		"::/96",           // unspecified, loopback, IPv4-compatible (embeds any IPv4 address)
		"::ffff:0:0:0/96", // IPv4-translated (embeds any IPv4 address)
		"64:ff9b::/96",    // NAT64 (could reach any IPv4 address)
		"64:ff9b:1::/48",  // local-use NAT64
		"100::/64",        // discard
		"2001::/32",       // Teredo (embeds an IPv4 address)
		"2001:db8::/32",   // documentation
		"2002::/16",       // 6to4, embeds any IPv4 address
		"fc00::/7",        // unique-local, includes fd00:ec2::254 (metadata)
		"fe80::/10",       // link-local
		"fec0::/10",       // site-local (deprecated)
		"ff00::/8",        // multicast
	} {
		out = append(out, netip.MustParsePrefix(s))
	}
	return out
}()

// Allowed reports whether the guard lets a connection to ip through. A
// zoned address (fe80::1%eth0) is always refused: a zone only makes sense
// for link-local destinations, and prefixes never contain zoned addresses.
func (s *Sender) Allowed(ip netip.Addr) bool {
	if !ip.IsValid() || ip.Zone() != "" {
		return false
	}
	ip = ip.Unmap()
	for _, p := range s.prefixes {
		if p.Contains(ip) {
			return true
		}
	}
	for _, p := range forbidden {
		if p.Contains(ip) {
			return false
		}
	}
	return true
}

// CheckURL refuses, without resolving or connecting, a URL the guard would
// refuse: one whose host is a forbidden IP literal (in any spelling), a
// zoned address or a localhost name. A host name passes: what it resolves
// to is checked at every connect.
func (s *Sender) CheckURL(rawURL string) error {
	u, err := url.Parse(rawURL)
	if err != nil {
		return fmt.Errorf("%w: %v", ErrForbiddenAddress, err)
	}
	_, err = s.checkHost(u.Hostname())
	return err
}

// checkHost is the guard's look at a URL host before resolution. It returns
// the host name still to be resolved ("" when the host is an IP literal or
// allowlisted) or ErrForbiddenAddress.
func (s *Sender) checkHost(raw string) (string, error) {
	host := strings.ToLower(strings.TrimRight(raw, "."))
	refuse := func(why string) (string, error) {
		return "", fmt.Errorf("%w: %q %s", ErrForbiddenAddress, raw, why)
	}
	switch {
	case host == "":
		return refuse("has no host")
	case s.hosts[host]:
		return "", nil
	case strings.Contains(host, "%"):
		return refuse("is a zoned address")
	case host == "localhost" || strings.HasSuffix(host, ".localhost"):
		return refuse("is a loopback name")
	}
	if ip, err := netip.ParseAddr(host); err == nil {
		if !s.Allowed(ip) {
			return refuse("is a forbidden address")
		}
		return "", nil
	}
	if looksNumeric(host) {
		// 2130706433, 0177.1, 0x7f.1, 127.1: resolvers read these as IPv4
		// addresses (inet_aton). Refuse what they mean, never ask what it is.
		ip, ok := parseLegacyIPv4(host)
		if !ok {
			return refuse("is not a valid address")
		}
		if !s.Allowed(ip) {
			return refuse("is a forbidden address")
		}
		return "", nil
	}
	return host, nil
}

// control runs after name resolution, just before connect: address is the
// IP that is about to be dialled.
func (s *Sender) control(network, address string, _ syscall.RawConn) error {
	ap, err := netip.ParseAddrPort(address)
	if err != nil || !s.Allowed(ap.Addr()) {
		return fmt.Errorf("%w: %s", ErrForbiddenAddress, address)
	}
	return nil
}

// looksNumeric reports whether a host's last label is a number (decimal or
// 0x hex), which makes the whole host an IPv4 address or invalid, as the
// WHATWG URL standard reads it.
func looksNumeric(host string) bool {
	last := host[strings.LastIndexByte(host, '.')+1:]
	if strings.HasPrefix(last, "0x") {
		last = last[2:]
		return strings.Trim(last, "0123456789abcdef") == ""
	}
	return last != "" && strings.Trim(last, "0123456789") == ""
}

// parseLegacyIPv4 reads an IPv4 address as inet_aton does: one to four
// parts, each decimal, octal (leading 0) or hex (0x); the last part fills
// the remaining bytes.
func parseLegacyIPv4(host string) (netip.Addr, bool) {
	parts := strings.Split(host, ".")
	if len(parts) > 4 {
		return netip.Addr{}, false
	}
	var n uint64
	for i, p := range parts {
		v, ok := parseLegacyPart(p)
		if !ok {
			return netip.Addr{}, false
		}
		if i < len(parts)-1 {
			if v > 0xff {
				return netip.Addr{}, false
			}
			n = n<<8 | v
			continue
		}
		bits := 8 * uint(5-len(parts))
		if v >= 1<<bits {
			return netip.Addr{}, false
		}
		n = n<<bits | v
	}
	return netip.AddrFrom4([4]byte{byte(n >> 24), byte(n >> 16), byte(n >> 8), byte(n)}), true
}

func parseLegacyPart(p string) (uint64, bool) {
	base, digits := uint64(10), p
	switch {
	case strings.HasPrefix(p, "0x"):
		base, digits = 16, p[2:]
		if digits == "" {
			return 0, true
		}
	case len(p) > 1 && p[0] == '0':
		base, digits = 8, p[1:]
	}
	if digits == "" || len(digits) > 32 {
		return 0, false
	}
	var v uint64
	for _, c := range digits {
		d := uint64(strings.IndexRune("0123456789abcdef", c))
		if d >= base { // IndexRune's -1 wraps to a huge value
			return 0, false
		}
		v = v*base + d
		if v > 0xffffffff {
			return 0, false
		}
	}
	return v, true
}
