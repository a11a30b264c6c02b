import type { SimResponse } from '../../src/sdk/index.ts';

/**
 * How the CRM simulator answers a status update an agent's open edit holds off, as CRMs do:
 * `declined`, 200 `{applied: false, currentVersion}` with the version it still holds; `conflict`,
 * 409 "being edited by another user" (RFC 9110 names a lock as a cause of 409); `locked`, 423
 * Locked (RFC 4918).
 */
export type LockAnswer = 'declined' | 'conflict' | 'locked';

/** The tickets agents hold open for editing, and how the CRM answers an update to one. */
export class TicketLocks {
  readonly #locked = new Set<string>();
  readonly #answer: LockAnswer;
  readonly #retryAfterSeconds: number | null;

  constructor(answer: LockAnswer = 'declined', retryAfterSeconds: number | null = null) {
    this.#answer = answer;
    this.#retryAfterSeconds = retryAfterSeconds;
  }

  lock(id: string): void {
    this.#locked.add(id);
  }

  unlock(id: string): void {
    this.#locked.delete(id);
  }

  has(id: string): boolean {
    return this.#locked.has(id);
  }

  /** The answer to an update of ticket `id` that the lock holds off; the ticket holds `currentVersion`. */
  refusal(id: string, currentVersion: number): SimResponse {
    const headers: Record<string, string> =
      this.#retryAfterSeconds === null ? {} : { 'retry-after': String(this.#retryAfterSeconds) };
    switch (this.#answer) {
      case 'declined':
        return { status: 200, body: { applied: false, currentVersion }, headers };
      case 'conflict':
        return { status: 409, body: { error: `Ticket ${id} is locked: being edited by another user` }, headers };
      case 'locked':
        return { status: 423, body: { error: `Ticket ${id} is locked` }, headers };
    }
  }
}
