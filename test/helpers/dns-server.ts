import dns2 from "dns2";

const { Packet } = dns2;

export interface TestDnsServer {
  /** `127.0.0.1:<port>`, the form CALENDARIO_DNS_SERVERS takes. */
  address: string;
  port: number;
  /** Names (lowercase) to TXT records; a record given as an array is sent as several strings. */
  txt: Map<string, (string | string[])[]>;
  close(): Promise<void>;
}

/** A real DNS server over UDP on loopback that answers TXT questions from a table. */
export async function startDnsServer(
  records: Record<string, (string | string[])[]> = {},
): Promise<TestDnsServer> {
  const txt = new Map(Object.entries(records).map(([k, v]) => [k.toLowerCase(), v]));
  const server = dns2.createServer({
    udp: true,
    handle: (request, send) => {
      const response = Packet.createResponseFromRequest(request);
      const [question] = request.questions;
      const values = question ? txt.get(question.name.toLowerCase()) : undefined;
      if (question && values && question.type === Packet.TYPE.TXT) {
        for (const data of values)
          response.answers.push({
            name: question.name,
            type: Packet.TYPE.TXT,
            class: Packet.CLASS.IN,
            ttl: 300,
            data,
          } as never);
      } else {
        response.header.rcode = 3; // NXDOMAIN
      }
      send(response);
    },
  });
  const listening = new Promise<void>((resolve) => server.once("listening", () => resolve()));
  server.listen({ udp: { port: 0, address: "127.0.0.1" } });
  await listening;
  const port = (server.addresses() as { udp: { port: number } }).udp.port;
  return {
    address: `127.0.0.1:${port}`,
    port,
    txt,
    close: () => server.close(),
  };
}
