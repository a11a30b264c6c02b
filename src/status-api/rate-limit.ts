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

/**
 * The key one client is counted under. IPv4 is one address, and IPv4-mapped IPv6 (`::ffff:a.b.c.d`,
 * in any case or spelling) is that IPv4 address: one client seen either way. IPv6 is counted by its
 * /64, as is common practice: a single home or server is handed a whole /64 and may pick a fresh
 * address from it for every request, so counting full addresses would not limit it at all.
 */
function normalise(address: string): string {
  if (isIP(address) !== 6) return address;
  const groups = ipv6Groups(address);
  if (!groups) return address;
  const mapped = groups.slice(0, 5).every((g) => g === 0) && groups[5] === 0xffff;
  if (mapped) {
    const [high = 0, low = 0] = groups.slice(6);
    return [high >> 8, high & 0xff, low >> 8, low & 0xff].join('.');
  }
  return `${groups
    .slice(0, 4)
    .map((g) => g.toString(16))
    .join(':')}::/64`;
}

/** The eight 16-bit groups of an IPv6 address Node's isIP accepted; null if it cannot be read. */
function ipv6Groups(address: string): number[] | null {
  // A zone (fe80::1%eth0) names the interface, not the address.
  let text = address.split('%')[0] ?? '';
  // A trailing IPv4 part (::ffff:1.2.3.4) is two groups written in decimal.
  const v4 = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(text);
  if (v4) {
    const [a, b, c, d] = v4.slice(1).map(Number) as [number, number, number, number];
    text = `${text.slice(0, v4.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head = '', tail] = text.split('::');
  const part = (p: string | undefined) => (p === undefined || p === '' ? [] : p.split(':'));
  const left = part(head);
  const right = part(tail);
  const missing = 8 - left.length - right.length;
  if (tail === undefined ? missing !== 0 : missing < 1) return null;
  const groups = [...left, ...Array<string>(tail === undefined ? 0 : missing).fill('0'), ...right].map((g) =>
    Number.parseInt(g, 16),
  );
  return groups.every((g) => Number.isInteger(g) && g >= 0 && g <= 0xffff) ? groups : null;
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
