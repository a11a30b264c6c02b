import type { ClosureReason } from '../domain/types.ts';
import type { ImportMapping } from './mapping.ts';
import type { RuleUse } from './rows.ts';

/**
 * How often each of the mapping's patterns gave the imported rows their meaning. A pattern
 * copied from another city that never matches is silent otherwise: every duplicate imported as
 * WORK_COMPLETED, and, as event ids are stable, no re-run can change it.
 */
export interface RuleCounts {
  /** Imported rows the export shows closed. */
  readonly closed: number;
  /** Per closure rule, in the mapping's order: the closed rows it matched (the first match wins). */
  readonly closureRules: readonly {
    readonly reason: ClosureReason;
    readonly pattern: string;
    readonly matched: number;
  }[];
  /** Closed rows no rule matched, given defaults.closureReason. */
  readonly closureDefault: { readonly reason: ClosureReason; readonly count: number };
  /** Closed rows closed as DUPLICATE because they name a parent. */
  readonly closedAsDuplicate: number;
  /** values.duplicateOf and the imported rows whose parent it named; null without one. */
  readonly duplicateOf: { readonly pattern: string; readonly matched: number } | null;
  /** Imported rows whose channel value was not in values.channel, given defaults.channel. */
  readonly channelDefaulted: number;
  /** Imported rows in all. */
  readonly rows: number;
}

export class RuleTally {
  readonly #m: ImportMapping;
  readonly #rules: number[];
  #closed = 0;
  #default = 0;
  #parent = 0;
  #duplicateOf = 0;
  #channel = 0;
  #rows = 0;

  constructor(m: ImportMapping) {
    this.#m = m;
    this.#rules = m.values.closure.map(() => 0);
  }

  add(use: RuleUse): void {
    this.#rows += 1;
    if (use.duplicateOfMatched) this.#duplicateOf += 1;
    if (use.channelDefaulted) this.#channel += 1;
    if (use.closure === null) return;
    this.#closed += 1;
    if (use.closure === 'default') this.#default += 1;
    else if (use.closure === 'parent') this.#parent += 1;
    else this.#rules[use.closure] = (this.#rules[use.closure] ?? 0) + 1;
  }

  counts(): RuleCounts {
    const m = this.#m;
    return {
      closed: this.#closed,
      closureRules: m.values.closure.map((r, i) => ({
        reason: r.reason,
        pattern: r.pattern,
        matched: this.#rules[i] ?? 0,
      })),
      closureDefault: { reason: m.defaults.closureReason, count: this.#default },
      closedAsDuplicate: this.#parent,
      duplicateOf: m.values.duplicateOf ? { pattern: m.values.duplicateOf, matched: this.#duplicateOf } : null,
      channelDefaulted: this.#channel,
      rows: this.#rows,
    };
  }
}

const n = (x: number) => x.toLocaleString('en-US');

/** The closure reasons the imported closed rows were given, and by which rule. */
export function ruleLines(r: RuleCounts): string[] {
  const lines: string[] = [];
  if (r.closed > 0) {
    const parts = [
      ...r.closureRules.map((x, i) => (x.matched > 0 ? `${x.reason} ${n(x.matched)} (rule ${i + 1})` : '')),
      r.closedAsDuplicate > 0 ? `DUPLICATE ${n(r.closedAsDuplicate)} (naming a parent)` : '',
      r.closureDefault.count > 0 ? `${r.closureDefault.reason} ${n(r.closureDefault.count)} (default)` : '',
    ].filter((p) => p !== '');
    lines.push(`closure reasons: ${parts.join(', ')}`);
  }
  if (r.duplicateOf)
    lines.push(`duplicateOf pattern named a parent on ${n(r.duplicateOf.matched)} of ${n(r.rows)} row(s)`);
  if (r.channelDefaulted > 0)
    lines.push(`channel: ${n(r.channelDefaulted)} row(s) given the default (value not in values.channel)`);
  return lines;
}

/** A warning for every pattern that matched none of the rows it could apply to. */
export function ruleWarnings(r: RuleCounts): string[] {
  const warnings: string[] = [];
  // Rows a rule could apply to: closed rows not already closed as duplicates of a named parent.
  const applicable = r.closed - r.closedAsDuplicate;
  for (const [i, x] of r.closureRules.entries()) {
    if (x.matched === 0 && applicable > 0) {
      warnings.push(
        `warning: closure rule ${i + 1} ('${x.pattern}' → ${x.reason}) matched none of ${n(applicable)} closed row(s): ` +
          "check the pattern against the export's text",
      );
    }
  }
  if (r.duplicateOf && r.duplicateOf.matched === 0 && r.rows > 0) {
    warnings.push(
      `warning: the duplicateOf pattern ('${r.duplicateOf.pattern}') named a parent on none of ${n(r.rows)} row(s): ` +
        "check the pattern against the export's text",
    );
  }
  return warnings;
}
