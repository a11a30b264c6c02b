import type { IncomingMessage } from 'node:http';
import { isIP } from 'node:net';
import { RateLimiterMemory, RateLimiterRes } from 'rate-limiter-flexible';

export interface RateLimitOptions {
  readonly points: number;
  readonly durationSeconds: number;
}

export type RateLimitVerdict =
  | { readonly allowed: true; readonly limit: number; readonly remaining: number }
  | { readonly allowed: false; readonly limit: number; readonly remaining: 0; readonly retryAfterSeconds: number };

/**
 * The client a request is counted against. X-Forwarded-For is believed only behind a proxy the
 * operator vouches for (trustProxy); otherwise anyone could pick a fresh key per request. Even
 * then only the rightmost hop is believed: the trusted proxy appends the address it saw, while
 * everything to its left arrived from the client and may be forged.
 */
export function clientKey(req: IncomingMessage, trustProxy: boolean): string {
  const socketAddress = normalise(req.socket.remoteAddress ?? 'unknown');
  if (!trustProxy) return socketAddress;
  const hop = lastForwardedHop(req.headers['x-forwarded-for']);
  return hop !== undefined && isIP(hop) !== 0 ? normalise(hop) : socketAddress;
}

// Node joins repeated header lines with ", " but a caller may hand over the raw array; either
// way the last non-empty entry of the last line is the one the proxy in front wrote.
function lastForwardedHop(header: string | string[] | undefined): string | undefined {
  const lines = typeof header === 'string' ? [header] : (header ?? []);
  const hops = lines.flatMap((line) => line.split(',')).map((hop) => hop.trim());
  return hops.filter((hop) => hop !== '').at(-1);
}

// One client seen over IPv4 and IPv4-mapped IPv6 is still one client; the prefix may arrive in
// upper case from a header.
function normalise(address: string): string {
  const mapped = address.slice(7);
  return address.toLowerCase().startsWith('::ffff:') && isIP(mapped) === 4 ? mapped : address;
}

/** A fixed window of `points` requests per `durationSeconds` per client, held in memory. */
export class ClientRateLimiter {
  readonly #limiter: RateLimiterMemory;
  readonly #points: number;

  constructor(options: RateLimitOptions) {
    if (!Number.isInteger(options.points) || options.points < 1) throw new RangeError('rateLimit.points must be ≥ 1');
    if (!Number.isInteger(options.durationSeconds) || options.durationSeconds < 1)
      throw new RangeError('rateLimit.durationSeconds must be ≥ 1');
    this.#points = options.points;
    this.#limiter = new RateLimiterMemory({
      keyPrefix: 'status-api',
      points: options.points,
      duration: options.durationSeconds,
    });
  }

  async take(key: string): Promise<RateLimitVerdict> {
    try {
      const res = await this.#limiter.consume(key);
      return { allowed: true, limit: this.#points, remaining: res.remainingPoints };
    } catch (rejection: unknown) {
      if (!(rejection instanceof RateLimiterRes)) throw rejection;
      const retryAfterSeconds = Math.max(1, Math.ceil(rejection.msBeforeNext / 1000));
      return { allowed: false, limit: this.#points, remaining: 0, retryAfterSeconds };
    }
  }
}
