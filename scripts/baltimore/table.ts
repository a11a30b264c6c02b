import { percent } from '../../src/domain/kpi/index.ts';

/** A Markdown table, padded so that it also reads as plain text. */
export function table(header: readonly string[], rows: readonly (readonly (string | number | null)[])[]): string {
  const cells = [header, ...rows].map((r) => r.map((c) => (c === null ? '–' : String(c))));
  const widths = header.map((_, i) => Math.max(...cells.map((r) => r[i]?.length ?? 0)));
  const line = (r: readonly string[]) => `| ${r.map((c, i) => c.padEnd(widths[i] ?? 0)).join(' | ')} |`;
  const rule = `| ${widths.map((w) => '-'.repeat(w)).join(' | ')} |`;
  const [head, ...body] = cells;
  return [line(head ?? []), rule, ...body.map(line)].join('\n');
}

export const pct = (part: number, whole: number): string => {
  const p = percent(part, whole);
  return p === null ? '–' : p.toFixed(1);
};

export const fixed = (n: number | null | undefined): string => (n == null ? '–' : n.toFixed(2));
export const signed = (n: number): string => (n > 0 ? `+${n}` : n === 0 ? '0' : String(n));
