import dns2 from "dns2";

const { Packet } = dns2;

export interface TestDnsServer {
  /** `127.0.0.1:<port>`, the form CALENDARIO_DNS_SERVERS takes. */
  address: string;
  port: number;
  /** Names (lowercase) to TXT records; a record given as an array is sent as several strings. */
  txt: Map<string, (string | string[])[]>;
  /** Names (lowercase) to IPv4 addresses. */
  a: Map<string, string[]>;
  /** Names (lowercase) to IPv6 addresses. */
  aaaa: Map<string, string[]>;
  /** The TTL (seconds) of every answer; may be changed between queries. */
  ttl: number;
  /** Every question asked, in order: `{ name, type: "A" | "AAAA" | "TXT" | … }`. */
  queries: { name: string; type: string }[];
  /** How many questions of `type` for `name` were asked. */
  count(name: string, type: string): number;
  close(): Promise<void>;
}

export interface DnsRecords {
  a?: Record<string, string[]>;
  aaaa?: Record<string, string[]>;
  /** Seconds; 300 unless given. */
  ttl?: number;
}

const TYPE_NAMES = new Map<number, string>(
  Object.entries(Packet.TYPE).map(([name, code]) => [code as number, name]),
);
const lower = <V>(records: Record<string, V> = {}) =>
  new Map(Object.entries(records).map(([k, v]) => [k.toLowerCase(), v]));

/**
 * A real DNS server over UDP on loopback that answers TXT, A and AAAA questions from
 * tables: NXDOMAIN for a name in no table, an empty answer for a known name without
 * records of the type asked.
 */
export async function startDnsServer(
  records: Record<string, (string | string[])[]> = {},
  more: DnsRecords = {},
): Promise<TestDnsServer> {
  const state = {
    txt: lower(records),
    a: lower(more.a),
    aaaa: lower(more.aaaa),
    ttl: more.ttl ?? 300,
    queries: [] as { name: string; type: string }[],
  };
  const server = dns2.createServer({
    udp: true,
    handle: (request, send) => {
      const response = Packet.createResponseFromRequest(request);
      const [question] = request.questions;
      if (!question) {
        response.header.rcode = 1; // FORMERR
        return send(response);
      }
      const name = question.name.toLowerCase();
      state.queries.push({ name, type: TYPE_NAMES.get(question.type) ?? String(question.type) });
      const answer = (type: number, data: Record<string, unknown>) =>
        response.answers.push({
          name: question.name,
          type,
          class: Packet.CLASS.IN,
          ttl: state.ttl,
          ...data,
        } as never);
      if (question.type === Packet.TYPE.TXT)
        for (const data of state.txt.get(name) ?? []) answer(Packet.TYPE.TXT, { data });
      if (question.type === Packet.TYPE.A)
        for (const address of state.a.get(name) ?? []) answer(Packet.TYPE.A, { address });
      if (question.type === Packet.TYPE.AAAA)
        for (const address of state.aaaa.get(name) ?? []) answer(Packet.TYPE.AAAA, { address });
      const known = state.txt.has(name) || state.a.has(name) || state.aaaa.has(name);
      if (!known) response.header.rcode = 3; // NXDOMAIN
      send(response);
    },
  });
  const listening = new Promise<void>((resolve) => server.once("listening", () => resolve()));
  server.listen({ udp: { port: 0, address: "127.0.0.1" } });
  await listening;
  const port = (server.addresses() as { udp: { port: number } }).udp.port;
  return Object.assign(state, {
    address: `127.0.0.1:${port}`,
    port,
    count: (name: string, type: string) =>
      state.queries.filter((q) => q.name === name.toLowerCase() && q.type === type).length,
    close: () => server.close(),
  });
}
