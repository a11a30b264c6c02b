import { z } from 'zod';
import type { SimulatorServer } from './http-server.ts';

/** How to garble a change: fields to set (to any JSON, such as an unknown enum value) and to leave out. */
export const corruptionSchema = z
  .object({
    set: z.record(z.string(), z.unknown()).default({}),
    unset: z.array(z.string()).default([]),
  })
  .strict();

export type Corruption = z.input<typeof corruptionSchema>;

/**
 * Changes a feed serves other than the system's contract promises, the way an upgrade of the
 * system (a new status, a new kind), a hand edit or a buggy export does: the next change that
 * reaches the feed after corruptNext() is served with those fields set or left out, every time
 * it is read, while the simulator's own state stays sound. Changes are named by the id each
 * simulator gives them (a sequence, a row stamp). Steerable over HTTP too:
 * `POST /_sim/corrupt-changes {set, unset}`.
 */
export class ChangeCorruptor {
  readonly #pending: z.infer<typeof corruptionSchema>[] = [];
  readonly #byChange = new Map<string, z.infer<typeof corruptionSchema>>();

  /** The next change to reach the feed is served garbled; returns how many are waiting. */
  corruptNext(corruption: Corruption): number {
    this.#pending.push(corruptionSchema.parse(corruption));
    return this.#pending.length;
  }

  /** A change reached the feed: it takes the oldest waiting corruption, if any. */
  reached(changeId: string): void {
    const next = this.#pending.shift();
    if (next) this.#byChange.set(changeId, next);
  }

  /** The change as the feed serves it. */
  serve<T extends object>(changeId: string, change: T): T | Record<string, unknown> {
    const c = this.#byChange.get(changeId);
    if (!c) return change;
    const out = Object.entries({ ...change, ...c.set }).filter(([key]) => !c.unset.includes(key));
    return Object.fromEntries(out);
  }

  serveOver(server: SimulatorServer): void {
    server.route(
      'POST',
      '/_sim/corrupt-changes',
      (r) => ({ status: 200, body: { pending: this.corruptNext(corruptionSchema.parse(r.body)) } }),
      true,
    );
  }
}
