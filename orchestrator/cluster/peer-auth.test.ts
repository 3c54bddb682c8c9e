import { describe, expect, it } from "vitest";
import { PEER_AUTH_HEADER, PEER_CLIENT_HEADER, peerKey, stampPeerRequest, takePeerClient } from "./peer-auth";

describe("peer auth", () => {
  const key = peerKey("platform-token");

  it("derives a key that is not the token and differs per token", () => {
    expect(key).not.toContain("platform-token");
    expect(peerKey("other-token")).not.toBe(key);
  });

  it("trusts the client address only with the right key, and always strips both headers", () => {
    const headers: Record<string, string> = {};
    stampPeerRequest(headers, key, "203.0.113.9");
    expect(takePeerClient(headers, key)).toBe("203.0.113.9");
    expect(headers[PEER_AUTH_HEADER]).toBeUndefined();

    const forged = { [PEER_AUTH_HEADER]: "guess", [PEER_CLIENT_HEADER]: "10.0.0.1", host: "a.example" };
    expect(takePeerClient(forged, key)).toBeUndefined();
    expect(forged).toEqual({ host: "a.example" });
  });
});
