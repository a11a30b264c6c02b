import { registryStatus } from './registry-errors.ts';

/** How long a schema id the registry answers 404 for is asked for again, by default. */
export const DEFAULT_UNKNOWN_ID_WAIT_MS = 5_000;

const FIRST_PAUSE_MS = 100;
const MAX_PAUSE_MS = 1_000;
/** Ids waited for in vain, remembered so that each is waited for once; forgotten all at once past this. */
const MAX_GIVEN_UP = 1_000;

const pause = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Fetches schemas by id, waiting out a registry that does not know one yet. A producer can only
 * have got its schema id from a registry, so a 404 for an id is more likely a replica behind its
 * leader than an id no one registered: a Confluent follower or an Apicurio replica answers 404
 * until it has caught up (confluentinc/schema-registry#437). Dead-lettered at once, each record of
 * a schema just registered elsewhere would be refused for good. So the id is asked for again,
 * with backoff, for up to `waitMs` before the 404 stands (the caller's CL_SCHEMA_UNKNOWN_ID, a
 * dead letter). Records of one id share one wait; an id waited for in vain is asked for once,
 * without waiting, from then on, so records of an id no one registered (or of bytes whose id is
 * garbage) do not hold their partition for `waitMs` each.
 */
export class RegistryLag {
  readonly #waitMs: number;
  readonly #givenUp = new Set<number>();
  readonly #pending = new Map<number, Promise<unknown>>();

  constructor(waitMs = DEFAULT_UNKNOWN_ID_WAIT_MS) {
    this.#waitMs = waitMs;
  }

  /** What `get` gives for schema `id`, asked for again while the registry answers 404. */
  fetch<T>(id: number, get: () => Promise<T>): Promise<T> {
    const pending = this.#pending.get(id);
    if (pending) return pending as Promise<T>;
    const fetching = this.#fetch(id, get).finally(() => this.#pending.delete(id));
    this.#pending.set(id, fetching);
    return fetching;
  }

  async #fetch<T>(id: number, get: () => Promise<T>): Promise<T> {
    const deadline = Date.now() + (this.#givenUp.has(id) ? 0 : this.#waitMs);
    for (let next = FIRST_PAUSE_MS; ; next = Math.min(2 * next, MAX_PAUSE_MS)) {
      try {
        const found = await get();
        this.#givenUp.delete(id);
        return found;
      } catch (err) {
        if (registryStatus(err) !== 404) throw err;
        const left = deadline - Date.now();
        if (left <= 0) {
          if (this.#givenUp.size >= MAX_GIVEN_UP) this.#givenUp.clear();
          this.#givenUp.add(id);
          throw err;
        }
        await pause(Math.min(next, left));
      }
    }
  }
}
