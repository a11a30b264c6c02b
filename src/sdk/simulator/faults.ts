import { z } from 'zod';

/**
 * What a simulator does wrong on purpose. Rates are probabilities per request, drawn from a
 * seeded generator so a run can be repeated.
 */
export const faultSettingsSchema = z
  .object({
    latencyMs: z.number().min(0).default(0),
    jitterMs: z.number().min(0).default(0),
    errorRate: z.number().min(0).max(1).default(0),
    throttleRate: z.number().min(0).max(1).default(0),
    timeoutRate: z.number().min(0).max(1).default(0),
    malformedRate: z.number().min(0).max(1).default(0),
    /**
     * Writes (every method but GET) carried out, then answered 204 with no body, as some servers
     * do for a PUT or POST whose result they see no reason to send.
     */
    noContentRate: z.number().min(0).max(1).default(0),
    /**
     * Writes carried out at once, then answered only after lateAnswerMs: set past the client's
     * time-out, the caller cannot tell whether its write took (and a blind retry writes twice).
     */
    lateAnswerRate: z.number().min(0).max(1).default(0),
    lateAnswerMs: z.number().min(0).default(30_000),
    /**
     * Writes answered 200 with an HTML page by a web application firewall or proxy in front of
     * the system (a block or maintenance page): the system never sees them.
     */
    proxyPageRate: z.number().min(0).max(1).default(0),
    /**
     * Writes that take slowWriteMs to carry out, answered when done, as on a busy app server. The
     * system does not notice a caller that gave up: set past the client's time-out, the write
     * takes effect after the caller stopped waiting, and a read in between does not see it yet.
     */
    slowWriteRate: z.number().min(0).max(1).default(0),
    slowWriteMs: z.number().min(0).default(5_000),
    /** Epoch-ms windows during which every request gets 503. */
    outages: z.array(z.object({ from: z.number(), until: z.number() }).strict()).default([]),
  })
  .strict();

export type FaultSettings = z.infer<typeof faultSettingsSchema>;

export type FaultOutcome =
  | { readonly kind: 'pass' }
  | { readonly kind: 'outage' }
  | { readonly kind: 'error' }
  | { readonly kind: 'throttle' }
  | { readonly kind: 'timeout' }
  | { readonly kind: 'malformed' }
  | { readonly kind: 'no-content' }
  | { readonly kind: 'late' }
  | { readonly kind: 'proxy-page' }
  | { readonly kind: 'slow' };

/** mulberry32: small, fast and good enough to make fault patterns repeatable. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

export class FaultInjector {
  #settings: FaultSettings;
  readonly #random: () => number;
  readonly #clock: () => number;

  constructor(settings: Partial<FaultSettings> = {}, seed = 1, clock: () => number = Date.now) {
    this.#settings = faultSettingsSchema.parse(settings);
    this.#random = seededRandom(seed);
    this.#clock = clock;
  }

  get settings(): FaultSettings {
    return this.#settings;
  }

  /** Replaces the settings; invalid ones are refused with zod's issues, all at once. */
  update(settings: unknown): FaultSettings {
    this.#settings = faultSettingsSchema.parse(settings);
    return this.#settings;
  }

  delayMs(): number {
    const { latencyMs, jitterMs } = this.#settings;
    return latencyMs + (jitterMs > 0 ? this.#random() * jitterMs : 0);
  }

  /** The fault for one request; write faults (no-content, late, proxy-page, slow) pass a GET by. */
  next(method = 'GET'): FaultOutcome {
    const s = this.#settings;
    const now = this.#clock();
    if (s.outages.some((o) => now >= o.from && now < o.until)) return { kind: 'outage' };
    const roll = this.#random();
    let edge = s.errorRate;
    if (roll < edge) return { kind: 'error' };
    edge += s.throttleRate;
    if (roll < edge) return { kind: 'throttle' };
    edge += s.timeoutRate;
    if (roll < edge) return { kind: 'timeout' };
    edge += s.malformedRate;
    if (roll < edge) return { kind: 'malformed' };
    const write = method !== 'GET';
    edge += s.noContentRate;
    if (roll < edge) return write ? { kind: 'no-content' } : { kind: 'pass' };
    edge += s.lateAnswerRate;
    if (roll < edge) return write ? { kind: 'late' } : { kind: 'pass' };
    edge += s.proxyPageRate;
    if (roll < edge) return write ? { kind: 'proxy-page' } : { kind: 'pass' };
    edge += s.slowWriteRate;
    if (roll < edge) return write ? { kind: 'slow' } : { kind: 'pass' };
    return { kind: 'pass' };
  }
}
