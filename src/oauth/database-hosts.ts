import dns from 'node:dns';
import net from 'node:net';
import type { DatabaseHostAllowList } from '../config';
import { err, ok, type Result } from '../lib/errors';

/**
 * Which address a database check may dial. Anyone with a connect link names the host, so without this
 * the server would open connections into its own network for them (SSRF): loopback services, the cloud
 * metadata endpoint, databases behind the firewall, and tell open ports from closed ones by the answer.
 * A host is resolved once, every address it resolves to must be public or allowed (a name that also
 * resolves to 10.0.0.5 is refused), and the check connects to the address that was checked, so a DNS
 * answer that changes between the check and the connection (rebinding) can't move it.
 */

/** Resolves a host name to every address it has, as `getaddrinfo` does (hosts file included). */
export type HostLookup = (hostname: string) => Promise<{ address: string; family: number }[]>;

const systemLookup: HostLookup = (hostname) => dns.promises.lookup(hostname, { all: true, verbatim: true });

/** The ranges refused unless DATABASE_CONNECT_HOSTS allows them, with the words the refusal uses. */
const NOT_PUBLIC: { label: string; networks: [address: string, prefix: number, family: 'ipv4' | 'ipv6'][] }[] = [
  // RFC 6890's special-purpose registries, the parts a database can't legitimately sit on for everyone.
  { label: 'a loopback address', networks: [['127.0.0.0', 8, 'ipv4'], ['::1', 128, 'ipv6']] },
  // 169.254.169.254 is the metadata endpoint of AWS, Google Cloud and Azure.
  { label: 'a link-local address (where cloud metadata endpoints live)', networks: [['169.254.0.0', 16, 'ipv4'], ['fe80::', 10, 'ipv6']] },
  // fd00:ec2::254 is AWS's IPv6 metadata endpoint.
  { label: 'a private address', networks: [['10.0.0.0', 8, 'ipv4'], ['172.16.0.0', 12, 'ipv4'], ['192.168.0.0', 16, 'ipv4'], ['fc00::', 7, 'ipv6'], ['fec0::', 10, 'ipv6']] },
  // Carrier-grade NAT; Alibaba Cloud's metadata endpoint is 100.100.100.200.
  { label: 'a shared (carrier-grade NAT) address', networks: [['100.64.0.0', 10, 'ipv4']] },
  {
    label: 'a reserved address',
    networks: [
      ['0.0.0.0', 8, 'ipv4'],
      ['192.0.0.0', 24, 'ipv4'],
      ['198.18.0.0', 15, 'ipv4'],
      ['240.0.0.0', 4, 'ipv4'],
      // The unspecified address, loopback and the deprecated IPv4-compatible addresses.
      ['::', 96, 'ipv6'],
      ['100::', 64, 'ipv6'],
      // RFC 8215's local-use NAT64 prefix reaches whatever the operator's translator does.
      ['64:ff9b:1::', 48, 'ipv6'],
    ],
  },
  { label: 'a multicast address', networks: [['224.0.0.0', 4, 'ipv4'], ['ff00::', 8, 'ipv6']] },
];

/**
 * One list per label. An IPv4 network also covers its IPv4-mapped IPv6 form (`::ffff:10.0.0.5`: Node's
 * BlockList does that), and here its NAT64 form (RFC 6052's `64:ff9b::10.0.0.5`), which a translator
 * would take to the IPv4 address.
 */
const REFUSED = NOT_PUBLIC.map(({ label, networks }) => {
  const list = new net.BlockList();
  for (const [address, prefix, family] of networks) {
    list.addSubnet(address, prefix, family);
    if (family === 'ipv4') list.addSubnet(`64:ff9b::${address}`, 96 + prefix, 'ipv6');
  }
  return { label, list };
});

function allowedNetworks(allowed: DatabaseHostAllowList): net.BlockList {
  const list = new net.BlockList();
  for (const { address, prefix, family } of allowed.networks) list.addSubnet(address, prefix, family);
  return list;
}

function nameAllowed(host: string, allowed: DatabaseHostAllowList): boolean {
  return allowed.names.some((name) => (name.startsWith('*.') ? host.endsWith(name.slice(1)) : host === name));
}

/**
 * The address to connect to for `host`, or why it may not be dialled (an error of the lookup itself, such
 * as ENOTFOUND, is thrown for the caller to report as unreachable). A name on the allow-list may resolve
 * anywhere; any other host needs every address public or inside an allowed network.
 */
export async function dialableAddress(host: string, allowed: DatabaseHostAllowList, lookup: HostLookup = systemLookup): Promise<Result<string, string>> {
  const literal = net.isIP(host) !== 0;
  const name = host.toLowerCase().replace(/\.$/, '');
  const addresses = literal ? [host] : (await lookup(host)).map((answer) => answer.address);
  if (addresses.length === 0) return err(`${host}, which resolves to no address`);
  if (!literal && nameAllowed(name, allowed)) return ok(addresses[0]!);
  const networks = allowedNetworks(allowed);
  for (const address of addresses) {
    // A zone id (fe80::1%eth0) names the interface, not the address BlockList compares.
    const bare = address.replace(/%.*$/, '');
    const family = net.isIPv6(bare) ? 'ipv6' : 'ipv4';
    if (networks.check(bare, family)) continue;
    const refused = REFUSED.find(({ list }) => list.check(bare, family));
    if (refused) return err(literal ? `${host}, ${refused.label}` : `${host}, which resolves to ${address}, ${refused.label}`);
  }
  return ok(addresses[0]!);
}
