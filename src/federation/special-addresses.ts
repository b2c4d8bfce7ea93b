/**
 * The IANA IPv4 and IPv6 Special-Purpose Address Registries (RFC 6890 and its updates),
 * plus multicast and the IPv6 space outside global unicast (2000::/3). The node sends
 * nothing to any of them, even to the few the registries call globally reachable
 * (anycast DNS, AMT relays): no peer, DID document or webhook receiver lives there.
 * Translation prefixes that carry an IPv4 address are judged by the address they carry.
 */
import ipaddr from "ipaddr.js";

export interface SpecialRange {
  cidr: string;
  name: string;
}

export const IPV4_SPECIAL_RANGES: readonly SpecialRange[] = [
  { cidr: "0.0.0.0/8", name: '"This network"' },
  { cidr: "10.0.0.0/8", name: "Private-Use" },
  { cidr: "100.64.0.0/10", name: "Shared Address Space" },
  { cidr: "127.0.0.0/8", name: "Loopback" },
  { cidr: "169.254.0.0/16", name: "Link Local" },
  { cidr: "172.16.0.0/12", name: "Private-Use" },
  { cidr: "192.0.0.0/24", name: "IETF Protocol Assignments" },
  { cidr: "192.0.2.0/24", name: "Documentation (TEST-NET-1)" },
  { cidr: "192.31.196.0/24", name: "AS112-v4" },
  { cidr: "192.52.193.0/24", name: "AMT" },
  { cidr: "192.88.99.0/24", name: "Deprecated (6to4 Relay Anycast)" },
  { cidr: "192.168.0.0/16", name: "Private-Use" },
  { cidr: "192.175.48.0/24", name: "Direct Delegation AS112 Service" },
  { cidr: "198.18.0.0/15", name: "Benchmarking" },
  { cidr: "198.51.100.0/24", name: "Documentation (TEST-NET-2)" },
  { cidr: "203.0.113.0/24", name: "Documentation (TEST-NET-3)" },
  { cidr: "224.0.0.0/4", name: "Multicast" },
  { cidr: "240.0.0.0/4", name: "Reserved" },
  { cidr: "255.255.255.255/32", name: "Limited Broadcast" },
];

/** Refused outright; the translation prefixes below are judged by their IPv4 address. */
export const IPV6_SPECIAL_RANGES: readonly SpecialRange[] = [
  { cidr: "::/128", name: "Unspecified Address" },
  { cidr: "::1/128", name: "Loopback Address" },
  { cidr: "::/96", name: "IPv4-Compatible (deprecated)" },
  { cidr: "64:ff9b:1::/48", name: "IPv4-IPv6 Translation (local use)" },
  { cidr: "100::/64", name: "Discard-Only Address Block" },
  { cidr: "100:0:0:1::/64", name: "Dummy IPv6 Prefix" },
  { cidr: "2001::/23", name: "IETF Protocol Assignments" },
  { cidr: "2001::/32", name: "TEREDO" },
  { cidr: "2001:2::/48", name: "Benchmarking" },
  { cidr: "2001:3::/32", name: "AMT" },
  { cidr: "2001:4:112::/48", name: "AS112-v6" },
  { cidr: "2001:10::/28", name: "Deprecated (ORCHID)" },
  { cidr: "2001:20::/28", name: "ORCHIDv2" },
  { cidr: "2001:30::/28", name: "Drone Remote ID Protocol Entity Tags (DETs) Prefix" },
  { cidr: "2001:db8::/32", name: "Documentation" },
  { cidr: "2620:4f:8000::/48", name: "Direct Delegation AS112 Service" },
  { cidr: "3fff::/20", name: "Documentation" },
  { cidr: "5f00::/16", name: "Segment Routing (SRv6) SIDs" },
  { cidr: "fc00::/7", name: "Unique-Local" },
  { cidr: "fe80::/10", name: "Link-Local Unicast" },
  { cidr: "fec0::/10", name: "Site-Local (deprecated)" },
  { cidr: "ff00::/8", name: "Multicast" },
];

const IPV4_REFUSED = IPV4_SPECIAL_RANGES.map((r) => ipaddr.IPv4.parseCIDR(r.cidr));
const IPV6_REFUSED = IPV6_SPECIAL_RANGES.map((r) => ipaddr.IPv6.parseCIDR(r.cidr));
const GLOBAL_UNICAST = ipaddr.IPv6.parseCIDR("2000::/3");
const IPV4_MAPPED = ipaddr.IPv6.parseCIDR("::ffff:0:0/96");
const NAT64_WELL_KNOWN = ipaddr.IPv6.parseCIDR("64:ff9b::/96");
const SIX_TO_FOUR = ipaddr.IPv6.parseCIDR("2002::/16");

function isPublicIPv4(address: ipaddr.IPv4): boolean {
  return !IPV4_REFUSED.some((range) => address.match(range));
}

function ipv4From(bytes: number[], at: number): ipaddr.IPv4 {
  return new ipaddr.IPv4(bytes.slice(at, at + 4));
}

function isPublicIPv6(address: ipaddr.IPv6): boolean {
  const bytes = address.toByteArray();
  // The last 32 bits of a mapped or NAT64 address, bits 16–47 of a 6to4 one.
  if (address.match(IPV4_MAPPED) || address.match(NAT64_WELL_KNOWN))
    return isPublicIPv4(ipv4From(bytes, 12));
  if (address.match(SIX_TO_FOUR)) return isPublicIPv4(ipv4From(bytes, 2));
  if (IPV6_REFUSED.some((range) => address.match(range))) return false;
  return address.match(GLOBAL_UNICAST);
}

const TRAILING_DOTTED_QUAD = /:(\d{1,3}(?:\.\d{1,3}){3})$/;

/**
 * ipaddr.js reads any IPv6 literal ending in a dotted quad as IPv4-mapped ("::127.0.0.1"
 * becomes "::ffff:127.0.0.1"); writing the quad as two hex groups first keeps its prefix.
 */
function parseIPv6(address: string): ipaddr.IPv6 | undefined {
  let text = address;
  const quad = TRAILING_DOTTED_QUAD.exec(address);
  if (quad) {
    const dotted = quad[1] as string;
    if (!ipaddr.IPv4.isValidFourPartDecimal(dotted)) return undefined;
    const octets = Buffer.from(ipaddr.IPv4.parse(dotted).toByteArray());
    const groups = `${octets.readUInt16BE(0).toString(16)}:${octets.readUInt16BE(2).toString(16)}`;
    text = `${address.slice(0, quad.index + 1)}${groups}`;
  }
  return ipaddr.IPv6.isValid(text) ? ipaddr.IPv6.parse(text) : undefined;
}

/** Whether `address` (an IP literal, as a resolver returns it) is a public unicast address. */
export function isPublicUnicastAddress(address: string): boolean {
  // ipaddr.js also reads shorthand IPv4 ("127.1", "0x7f.1"); a resolver never returns it.
  if (ipaddr.IPv4.isValidFourPartDecimal(address)) return isPublicIPv4(ipaddr.IPv4.parse(address));
  const v6 = parseIPv6(address);
  return v6 !== undefined && isPublicIPv6(v6);
}
