import dns2 from "dns2";

const { Packet } = dns2;
/** dns2's typings lack RCODE and want class instances for answers; it encodes the plain objects its README uses. */
const NXDOMAIN = (Packet as unknown as { RCODE: { NXDOMAIN: number } }).RCODE.NXDOMAIN;

/** Records a test publishes: per name, CNAME targets, TXT values and A addresses. */
export type Zone = Map<string, { cname?: string; txt?: string[]; a?: string[] }>;

/** A real DNS server (UDP, 127.0.0.1) answering from a zone the test edits while it runs. */
export type TestDns = {
  /** `127.0.0.1:<port>`, for DNS_RESOLVER. */
  address: string;
  zone: Zone;
  close: () => Promise<void>;
};

/**
 * Starts an authoritative-style server: a name in the zone answers its records of the asked type
 * (none: an empty NOERROR answer), any other name answers NXDOMAIN, as a real zone does.
 */
export async function startTestDns(): Promise<TestDns> {
  const zone: Zone = new Map();
  const server = dns2.createServer({
    udp: true,
    handle: (request, send) => {
      const response = Packet.createResponseFromRequest(request);
      const [question] = request.questions;
      const name = question?.name.toLowerCase() ?? "";
      const entry = zone.get(name);
      if (!question || !entry) {
        response.header.rcode = NXDOMAIN;
        send(response);
        return;
      }
      const base = { name: question.name, class: Packet.CLASS.IN, ttl: 1 };
      const answers = response.answers as unknown[];
      if (question.type === Packet.TYPE.CNAME && entry.cname) answers.push({ ...base, type: Packet.TYPE.CNAME, domain: entry.cname });
      if (question.type === Packet.TYPE.TXT) for (const data of entry.txt ?? []) answers.push({ ...base, type: Packet.TYPE.TXT, data });
      if (question.type === Packet.TYPE.A) for (const address of entry.a ?? []) answers.push({ ...base, type: Packet.TYPE.A, address });
      send(response);
    },
  });
  const addresses = await server.listen({ udp: { port: 0, address: "127.0.0.1" } });
  if (!addresses.udp) throw new Error("the test DNS server did not bind its UDP port");
  return {
    address: `127.0.0.1:${addresses.udp.port}`,
    zone,
    close: () => server.close(),
  };
}
