/**
 * With PROPERTY_STATS=1, what the runs reached, printed once at the end: how many records were
 * taken, dead-lettered (by code) and spoilt but read anyway, and the violations and statuses
 * they made. A fault kind that never reaches its path shows here first.
 */
import { DLQ_HEADERS } from '../../../src/processor/index.ts';
import type { Outcome } from './run.ts';

export class Stats {
  readonly #counts = new Map<string, number>();

  #count(what: string, n = 1): void {
    this.#counts.set(what, (this.#counts.get(what) ?? 0) + n);
  }

  add(o: Outcome): void {
    this.#count('runs');
    for (const s of o.sent) this.#count(`sent ${s.fate}${s.item.fault ? ` ${s.item.fault.k}` : ''}`);
    for (const l of o.letters) this.#count(`dead-lettered ${l.headers[DLQ_HEADERS.code]?.toString() ?? '?'}`);
    for (const v of o.violations) this.#count(`quarantined ${v.kind}`);
    this.#count('statuses', o.statuses.length);
    this.#count('misplaced', o.sent.filter((s) => s.misplaced).length);
    this.#count('forwarded', o.forwarded);
  }

  print(): void {
    if (!process.env['PROPERTY_STATS']) return;
    const lines = [...this.#counts].sort(([a], [b]) => a.localeCompare(b)).map(([k, n]) => `  ${k}: ${n}`);
    console.log(`input property runs reached:\n${lines.join('\n')}`);
  }
}
