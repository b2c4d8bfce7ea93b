import { describe, expect, it } from "vitest";
import { isPublicUnicastAddress } from "../../../src/federation/index.js";

/**
 * From the IANA IPv4 and IPv6 Special-Purpose Address Registries (plus multicast and the
 * IPv6 space outside 2000::/3): the first and last address of every block, written out
 * here rather than computed, so a wrong prefix length in the guard shows.
 */
const REFUSED: [block: string, first: string, last: string][] = [
  ["0.0.0.0/8", "0.0.0.0", "0.255.255.255"],
  ["10.0.0.0/8", "10.0.0.0", "10.255.255.255"],
  ["100.64.0.0/10", "100.64.0.0", "100.127.255.255"],
  ["127.0.0.0/8", "127.0.0.0", "127.255.255.255"],
  ["169.254.0.0/16", "169.254.0.0", "169.254.255.255"],
  ["172.16.0.0/12", "172.16.0.0", "172.31.255.255"],
  ["192.0.0.0/24", "192.0.0.0", "192.0.0.255"],
  ["192.0.0.0/29 (IPv4 Service Continuity)", "192.0.0.0", "192.0.0.7"],
  ["192.0.0.9/32 (PCP anycast)", "192.0.0.9", "192.0.0.9"],
  ["192.0.0.170/32 (NAT64 discovery)", "192.0.0.170", "192.0.0.171"],
  ["192.0.2.0/24", "192.0.2.0", "192.0.2.255"],
  ["192.31.196.0/24", "192.31.196.0", "192.31.196.255"],
  ["192.52.193.0/24", "192.52.193.0", "192.52.193.255"],
  ["192.88.99.0/24", "192.88.99.0", "192.88.99.255"],
  ["192.168.0.0/16", "192.168.0.0", "192.168.255.255"],
  ["192.175.48.0/24", "192.175.48.0", "192.175.48.255"],
  ["198.18.0.0/15", "198.18.0.0", "198.19.255.255"],
  ["198.51.100.0/24", "198.51.100.0", "198.51.100.255"],
  ["203.0.113.0/24", "203.0.113.0", "203.0.113.255"],
  ["224.0.0.0/4 (multicast)", "224.0.0.0", "239.255.255.255"],
  ["240.0.0.0/4", "240.0.0.0", "255.255.255.254"],
  ["255.255.255.255/32", "255.255.255.255", "255.255.255.255"],
  ["::/128", "::", "::"],
  ["::1/128", "::1", "::1"],
  ["::/96 IPv4-compatible", "::0.0.0.2", "::255.255.255.255"],
  ["::/96 IPv4-compatible, loopback inside", "::127.0.0.1", "::7f00:1"],
  ["::/96 IPv4-compatible, public inside", "::8.8.8.8", "::808:808"],
  ["::ffff:0:0/96 mapped, special inside", "::ffff:127.0.0.1", "::ffff:169.254.169.254"],
  ["::ffff:0:0/96 mapped, hex form", "::ffff:7f00:1", "::ffff:a00:1"],
  ["64:ff9b::/96 NAT64, special inside", "64:ff9b::127.0.0.1", "64:ff9b::a9fe:a9fe"],
  ["64:ff9b:1::/48", "64:ff9b:1::", "64:ff9b:1:ffff:ffff:ffff:ffff:ffff"],
  ["100::/64", "100::", "100::ffff:ffff:ffff:ffff"],
  ["100:0:0:1::/64", "100:0:0:1::", "100:0:0:1:ffff:ffff:ffff:ffff"],
  ["2001::/23", "2001::", "2001:1ff:ffff:ffff:ffff:ffff:ffff:ffff"],
  [
    "2001::/32 Teredo",
    "2001:0:4136:e378:8000:63bf:3fff:fdd2",
    "2001:0:ffff:ffff:ffff:ffff:ffff:ffff",
  ],
  ["2001:1::1/128 PCP anycast", "2001:1::1", "2001:1::2"],
  ["2001:2::/48", "2001:2::", "2001:2:0:ffff:ffff:ffff:ffff:ffff"],
  ["2001:3::/32", "2001:3::", "2001:3:ffff:ffff:ffff:ffff:ffff:ffff"],
  ["2001:4:112::/48", "2001:4:112::", "2001:4:112:ffff:ffff:ffff:ffff:ffff"],
  ["2001:10::/28", "2001:10::", "2001:1f:ffff:ffff:ffff:ffff:ffff:ffff"],
  ["2001:20::/28", "2001:20::", "2001:2f:ffff:ffff:ffff:ffff:ffff:ffff"],
  ["2001:30::/28", "2001:30::", "2001:3f:ffff:ffff:ffff:ffff:ffff:ffff"],
  ["2001:db8::/32", "2001:db8::", "2001:db8:ffff:ffff:ffff:ffff:ffff:ffff"],
  ["2002::/16 6to4, special inside", "2002:7f00:1::1", "2002:a9fe:a9fe:ffff:ffff:ffff:ffff:ffff"],
  ["2002::/16 6to4, unspecified inside", "2002::", "2002:0:0:ffff:ffff:ffff:ffff:ffff"],
  ["2620:4f:8000::/48", "2620:4f:8000::", "2620:4f:8000:ffff:ffff:ffff:ffff:ffff"],
  ["3fff::/20", "3fff::", "3fff:fff:ffff:ffff:ffff:ffff:ffff:ffff"],
  ["5f00::/16", "5f00::", "5f00:ffff:ffff:ffff:ffff:ffff:ffff:ffff"],
  ["fc00::/7", "fc00::", "fdff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"],
  ["fe80::/10", "fe80::", "febf:ffff:ffff:ffff:ffff:ffff:ffff:ffff"],
  ["fec0::/10 site-local", "fec0::", "feff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"],
  ["ff00::/8 multicast", "ff00::", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"],
  ["outside 2000::/3", "1000::1", "e000::1"],
];

/** Public neighbours of the blocks above, and translations of public IPv4 addresses. */
const ADMITTED: [why: string, address: string][] = [
  ["before 100.64/10", "100.63.255.255"],
  ["after 100.64/10", "100.128.0.0"],
  ["after 172.16/12", "172.32.0.0"],
  ["after 192.0.0/24", "192.0.1.0"],
  ["before 198.18/15", "198.17.255.255"],
  ["after 198.18/15", "198.20.0.0"],
  ["before 224/4", "223.255.255.255"],
  ["public", "8.8.8.8"],
  ["public", "93.184.215.14"],
  ["public", "2606:4700:4700::1111"],
  ["after 2001::/23", "2001:200::1"],
  ["after 2002::/16", "2003::1"],
  ["mapped public", "::ffff:8.8.8.8"],
  ["NAT64 of a public address", "64:ff9b::8.8.8.8"],
  ["NAT64 of a public address, hex form", "64:ff9b::808:808"],
  ["6to4 of a public address", "2002:808:808::1"],
  ["last of 2000::/3", "3fff:ffff:ffff:ffff:ffff:ffff:ffff:fffe"],
];

describe("isPublicUnicastAddress", () => {
  it.each(REFUSED)("refuses %s: %s and %s", (_block, first, last) => {
    expect(isPublicUnicastAddress(first)).toBe(false);
    expect(isPublicUnicastAddress(last)).toBe(false);
  });

  it.each(ADMITTED)("admits %s: %s", (_why, address) => {
    expect(isPublicUnicastAddress(address)).toBe(true);
  });

  it.each(["not-an-ip", "", "127.1", "0x7f.0.0.1", "2130706433", "8.8.8.8.8", "[::1]"])(
    "refuses %j, which is not an address a resolver returns",
    (address) => {
      expect(isPublicUnicastAddress(address)).toBe(false);
    },
  );
});
