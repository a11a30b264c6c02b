import type { Recomputation } from './recompute.ts';
import { pct, table } from './table.ts';

/** Per SR type: the unit its DueDate implies, and the figure if the amount were read in the other unit. */
export function targetsSection(r: Recomputation): string {
  const units = new Map<string, number>();
  for (const t of r.targets) units.set(t.unit, (units.get(t.unit) ?? 0) + 1);
  const sum = (pick: (t: (typeof r.targets)[number]) => number) => r.targets.reduce((s, t) => s + pick(t), 0);
  const lines = [
    `\nImplicit target unit per SR type: ${[...units].map(([u, n]) => `${u} ${n}`).join(', ')} (of ${r.targets.length} types with a real target)\n`,
    table(
      ['SR type', 'Agency', 'Rows', 'Days', 'Unit', 'Due on wknd/hol', 'v1 % as given', 'v1 % other unit'],
      [
        ...r.targets
          .slice(0, 15)
          .map((t) => [
            t.type,
            t.agency,
            t.rows,
            t.days,
            t.unit,
            t.dueOnNonBusinessDay,
            pct(t.asGiven.onTime, t.asGiven.due),
            pct(t.otherWay.onTime, t.otherWay.due),
          ]),
        [
          `all ${r.targets.length} types`,
          '',
          sum((t) => t.rows),
          '',
          '',
          sum((t) => t.dueOnNonBusinessDay),
          `${pct(
            sum((t) => t.asGiven.onTime),
            sum((t) => t.asGiven.due),
          )} (${sum((t) => t.asGiven.onTime)}/${sum((t) => t.asGiven.due)})`,
          `${pct(
            sum((t) => t.otherWay.onTime),
            sum((t) => t.otherWay.due),
          )} (${sum((t) => t.otherWay.onTime)}/${sum((t) => t.otherWay.due)})`,
        ],
      ],
    ),
  ];
  return lines.join('\n');
}
