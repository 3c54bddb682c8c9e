import { describe, expect, it } from "vitest";
import { MAX_PEER_HOPS, PEER_AUTH_HEADER, PEER_CLIENT_HEADER, PEER_HOPS_HEADER, peerKey, stampPeerRequest, takePeerRequest } from "./peer-auth";

describe("peer auth", () => {
  const key = peerKey("platform-token");

  it("derives a key that is not the token and differs per token", () => {
    expect(key).not.toContain("platform-token");
    expect(peerKey("other-token")).not.toBe(key);
  });

  it("trusts the client address and hop count only with the right key, and always strips the headers", () => {
    const headers: Record<string, string> = {};
    stampPeerRequest(headers, key, "203.0.113.9", 0);
    expect(takePeerRequest(headers, key)).toEqual({ clientIp: "203.0.113.9", hops: 1 });
    expect(headers).toEqual({});

    const forged = { [PEER_AUTH_HEADER]: "guess", [PEER_CLIENT_HEADER]: "10.0.0.1", [PEER_HOPS_HEADER]: "1", host: "a.example" };
    expect(takePeerRequest(forged, key)).toBeUndefined();
    expect(forged).toEqual({ host: "a.example" });
  });

  it("counts a garbled hop count as the last hop, so it is never forwarded again", () => {
    const headers: Record<string, string> = {};
    stampPeerRequest(headers, key, "203.0.113.9", 0);
    headers[PEER_HOPS_HEADER] = "zero";
    expect(takePeerRequest(headers, key)?.hops).toBe(MAX_PEER_HOPS);
  });
});
