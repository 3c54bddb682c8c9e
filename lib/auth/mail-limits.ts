import { RateLimiterMemory } from "rate-limiter-flexible";
import { consumeOrThrow } from "../rate-limit";

/** Mails of one kind one address may be sent in `perEmailWindowSeconds`, whoever asks. */
export const mailsPerEmailLimit = 5;
const perEmailWindowSeconds = 60 * 60;
/** Mail requests (password resets, verification mails) one client address may make in `perClientWindowSeconds`. */
export const mailRequestsPerClientLimit = 20;
const perClientWindowSeconds = 15 * 60;

/** What a mail request asks for: each kind has its own count per address. */
export type MailKind = "reset-password" | "verify-email";

let perEmail: RateLimiterMemory | undefined;
let perClient: RateLimiterMemory | undefined;

const minutes = (seconds: number) => `${Math.ceil(seconds / 60)} minute${Math.ceil(seconds / 60) === 1 ? "" : "s"}`;

/**
 * Counts a request for a mail to `email` from `clientIp`; over either limit it throws a 429 with
 * Retry-After. Counted whether or not an account has that address, so the answer never tells. Kept
 * in memory per web process.
 */
export async function assertMailRequestAllowed(kind: MailKind, email: string, clientIp: string): Promise<void> {
  perClient ??= new RateLimiterMemory({ keyPrefix: "mail-client", points: mailRequestsPerClientLimit, duration: perClientWindowSeconds });
  perEmail ??= new RateLimiterMemory({ keyPrefix: "mail-email", points: mailsPerEmailLimit, duration: perEmailWindowSeconds });
  await consumeOrThrow(perClient, clientIp, (s) => `Too many requests from your network. Try again in ${minutes(s)}.`);
  await consumeOrThrow(perEmail, `${kind}|${email}`, (s) => `Too many mails were asked for this address. Try again in ${minutes(s)}.`);
}
