/**
 * Runs once when the Next server starts; Next awaits it before handling any request. It records
 * each request's TCP peer address for the rate limits (lib/peer-stamp.ts explains why).
 */
export async function register(): Promise<void> {
  // NEXT_RUNTIME is not configuration: Next sets it per bundle, and this guard is how the Node-only
  // import stays out of the Edge build of this file (the platform has no Edge routes).
  if (process.env.NEXT_RUNTIME !== "nodejs") return;
  const { installPeerStamp } = await import("@/lib/peer-stamp");
  installPeerStamp();
}
