import { request } from 'undici';
import { z } from 'zod';
import type { SimulatorServer } from './http-server.ts';
import { callLimit } from '../call-limit.ts';

/** Where a simulator rings when it has new changes; a token is sent as a bearer token. */
export const webhookTargetSchema = z.object({ url: z.url().nullable(), token: z.string().min(1).optional() }).strict();

export type WebhookTarget = z.infer<typeof webhookTargetSchema>;

/**
 * A simulator's outgoing webhook, as systems that can push offer it: a POST saying "something
 * changed", with no data, so the bridge polls the feed. Rings that come while one is on its way
 * are folded into one more after it, so a burst of changes costs two calls, not one per change.
 * A failed call is counted and dropped, as most systems do: the bridge's idle poll covers it.
 */
export class WebhookBell {
  #target: WebhookTarget = { url: null };
  #sending = false;
  #pending = false;
  /** Calls answered with 2xx, and calls refused or failed. */
  sent = 0;
  failed = 0;

  configure(target: WebhookTarget): void {
    this.#target = webhookTargetSchema.parse(target);
  }

  /** Lets tests and demos point the webhook elsewhere at run time: `PUT /_sim/webhook {url, token}`. */
  serve(server: SimulatorServer): void {
    server.route(
      'PUT',
      '/_sim/webhook',
      (r) => {
        this.configure(webhookTargetSchema.parse(r.body));
        return { status: 200, body: { url: this.#target.url } };
      },
      true,
    );
  }

  get target(): WebhookTarget {
    return this.#target;
  }

  ring(): void {
    if (this.#target.url === null) return;
    if (this.#sending) {
      this.#pending = true;
      return;
    }
    this.#sending = true;
    // After the current task: the changes made together in it ring once.
    setImmediate(() => void this.#send());
  }

  async #send(): Promise<void> {
    const { url, token } = this.#target;
    const limit = callLimit(5_000);
    try {
      if (url === null) return;
      // undici's own request, not fetch: the simulator shares its process, often its event loop,
      // with the worker it rings, and fetch's web streams cost several times as much CPU a call.
      const res = await request(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
        body: JSON.stringify({ event: 'changes' }),
        signal: limit.signal,
      });
      await res.body.dump().catch(() => undefined);
      if (res.statusCode >= 200 && res.statusCode < 300) this.sent += 1;
      else this.failed += 1;
    } catch {
      this.failed += 1;
    } finally {
      limit.release();
      this.#sending = false;
      if (this.#pending) {
        this.#pending = false;
        this.ring();
      }
    }
  }
}
