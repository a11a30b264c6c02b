import { appendFileSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';

/**
 * The fault suite (test/integration/faults) writes one row per stall path it provokes; the
 * integration project's global teardown prints them as one table. Scenarios run in several
 * vitest workers, so rows meet in a file rather than in memory.
 */
export interface FaultRow {
  /** The stall path, as the issue that found it names it. */
  readonly path: string;
  /** From provoking the fault to readiness, a metric or an alert naming it; null when it never was. */
  readonly detectedAfterMs: number | null;
  /** Every ticket converged once the cause was removed. */
  readonly recovered: boolean;
  /** Applied updates the CRM never received. */
  readonly lost: number;
  /** Applied updates the CRM received more than once. */
  readonly duplicated: number;
}

export const FAULT_ROWS = path.resolve('reports', 'fault-suite.jsonl');

export function recordFault(row: FaultRow): void {
  mkdirSync(path.dirname(FAULT_ROWS), { recursive: true });
  appendFileSync(FAULT_ROWS, `${JSON.stringify(row)}\n`);
}

export function resetFaultRows(): void {
  rmSync(FAULT_ROWS, { force: true });
}

export function readFaultRows(): FaultRow[] {
  let text: string;
  try {
    text = readFileSync(FAULT_ROWS, 'utf8');
  } catch {
    return [];
  }
  return text
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as FaultRow)
    .sort((a, b) => a.path.localeCompare(b.path, 'en', { numeric: true }));
}

/** `path | detected after | recovered | lost | duplicated`, as a Markdown table. */
export function faultTable(rows: readonly FaultRow[]): string {
  const cells = rows.map((r) => [
    r.path,
    r.detectedAfterMs === null ? 'never' : `${(r.detectedAfterMs / 1000).toFixed(1)} s`,
    r.recovered ? 'yes' : 'no',
    String(r.lost),
    String(r.duplicated),
  ]);
  const head = ['path', 'detected after', 'recovered', 'lost', 'duplicated'];
  const widths = head.map((h, i) => Math.max(h.length, ...cells.map((c) => (c[i] ?? '').length)));
  const line = (c: readonly string[]) => `| ${c.map((x, i) => x.padEnd(widths[i] ?? 0)).join(' | ')} |`;
  return [line(head), `| ${widths.map((w) => '-'.repeat(w)).join(' | ')} |`, ...cells.map(line)].join('\n');
}

/**
 * Lost and duplicated status versions, counted from the status topic itself (for scenarios
 * without the CRM simulator): per ticket, versions missing below its highest are lost, versions
 * written more than once are duplicated.
 */
export function statusTally(statuses: readonly { ticketId: string; version: number }[]): {
  lost: number;
  duplicated: number;
} {
  const byTicket = new Map<string, number[]>();
  for (const s of statuses) byTicket.set(s.ticketId, [...(byTicket.get(s.ticketId) ?? []), s.version]);
  let lost = 0;
  let duplicated = 0;
  for (const versions of byTicket.values()) {
    const distinct = new Set(versions);
    lost += Math.max(...versions) - distinct.size;
    duplicated += versions.length - distinct.size;
  }
  return { lost, duplicated };
}
