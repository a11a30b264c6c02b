// Seeded load generator: tickets and work-order event sequences whose request types, agencies,
// durations, duplicate share and open share are drawn from the real Baltimore 311 records.
import { readFile } from 'node:fs/promises';
import { parse } from 'csv-parse/sync';
import type { CrmTicketEvent, InboundEvent, RouteTarget, WorkOrderEvent } from '../src/domain/index.ts';
import { seededRandom } from '../src/sdk/index.ts';
import { slug } from '../demo/scenario.ts';

interface Row {
  SRType: string;
  SRStatus: string;
  Agency: string;
  CreatedDate: string;
  CloseDate: string;
}

export interface RequestType {
  readonly serviceCode: string;
  readonly department: string;
  readonly weight: number;
  /** Real open-to-close durations of this type, ms; empty when none of its records closed. */
  readonly durationsMs: readonly number[];
}

export interface LoadProfile {
  readonly types: readonly RequestType[];
  readonly duplicateShare: number;
  /** Share of non-duplicate requests still open in the sample: their plans stop part-way. */
  readonly openShare: number;
  readonly records: number;
}

// Agencies outside the city's own work-order systems (a utility, the call centre itself).
const EXTERNAL = new Set(['BGE', 'Call Center']);

export async function loadProfile(csvPath: string): Promise<LoadProfile> {
  const rows = parse(await readFile(csvPath, 'utf8'), { columns: true, skip_empty_lines: true }) as Row[];
  const usable = rows.filter((r) => r.SRType && r.Agency && !EXTERNAL.has(r.Agency));
  const byType = new Map<string, { department: string; weight: number; durationsMs: number[] }>();
  let duplicates = 0;
  let open = 0;
  for (const r of usable) {
    const code = slug(r.SRType);
    const t = byType.get(code) ?? { department: slug(r.Agency), weight: 0, durationsMs: [] };
    t.weight += 1;
    const took = Date.parse(r.CloseDate) - Date.parse(r.CreatedDate);
    if (Number.isFinite(took) && took >= 0) t.durationsMs.push(took);
    byType.set(code, t);
    if (r.SRStatus.includes('(Duplicate)')) duplicates += 1;
    else if (!r.SRStatus.startsWith('Closed')) open += 1;
  }
  const types = [...byType.entries()]
    .map(([serviceCode, t]) => ({ serviceCode, ...t }))
    .sort((a, b) => b.weight - a.weight || a.serviceCode.localeCompare(b.serviceCode));
  return {
    types,
    duplicateShare: duplicates / usable.length,
    openShare: open / (usable.length - duplicates),
    records: usable.length,
  };
}

/** Draws request types in proportion to their share of the sample. */
export function typePicker(profile: LoadProfile, random: () => number): () => RequestType {
  const total = profile.types.reduce((a, t) => a + t.weight, 0);
  return () => {
    let x = random() * total;
    for (const t of profile.types) if ((x -= t.weight) < 0) return t;
    return profile.types[0] as RequestType;
  };
}

const SYSTEMS = ['posse', 'maximo', 'sap-pm'] as const;

/** Each agency runs one of the three department systems, spread evenly by agency rank. */
export function routingFor(profile: LoadProfile): Record<string, RouteTarget[]> {
  const departments = [...new Set(profile.types.map((t) => t.department))];
  const systemOf = new Map(departments.map((d, i) => [d, SYSTEMS[i % SYSTEMS.length] ?? 'posse']));
  return Object.fromEntries(
    profile.types.map((t) => [
      t.serviceCode,
      [{ department: t.department, system: systemOf.get(t.department) ?? 'posse' }],
    ]),
  );
}

/** Typical raw status sequences of each system, from intake to completion. */
function planFor(system: string, r: () => number): string[] {
  switch (system) {
    case 'maximo':
      return ['WAPPR', 'APPR', 'WSCH', ...(r() < 0.15 ? ['WMATL', 'WSCH'] : []), 'INPRG', 'COMP', 'CLOSE'];
    case 'sap-pm':
      return ['CRTD', 'REL', 'TECO', 'CLSD'];
    default:
      return [
        'RECEIVED',
        'INTAKE_ACCEPTED',
        'INSPECTOR_ASSIGNED',
        'INSPECTION_SCHEDULED',
        ...(r() < 0.15 ? [r() < 0.5 ? 'HOLD_OWNER' : 'HOLD_WEATHER', 'INSPECTION_SCHEDULED'] : []),
        'INSPECTION_STARTED',
        r() < 0.15 ? 'NO_VIOLATION' : 'COMPLIED',
      ];
  }
}

export interface GeneratedLoad {
  readonly tickets: number;
  /** OPENED and DUPLICATE_DECLARED, in time order. */
  readonly crm: readonly InboundEvent[];
  /** Department events, in time order; each follows its ticket's OPENED. */
  readonly dept: readonly InboundEvent[];
}

const HOUR = 3_600_000;

/** `n` tickets starting at `start`, one every `spacingMs`; the same seed gives the same load. */
export function generate(
  profile: LoadProfile,
  n: number,
  seed: number,
  start = Date.UTC(2026, 9, 1, 13),
): GeneratedLoad {
  const r = seededRandom(seed);
  const routing = routingFor(profile);
  const pick = typePicker(profile, r);
  const crm: { at: number; e: InboundEvent }[] = [];
  const dept: { at: number; e: InboundEvent }[] = [];
  const lastOpenOfType = new Map<string, string>();
  const spacing = (30 * 86_400_000) / Math.max(n, 1);
  for (let i = 0; i < n; i += 1) {
    const type = pick();
    const id = `BL-${seed}-${i}`;
    const at = Math.round(start + i * spacing);
    const envelope = (suffix: string, seq: number, t: number) => ({
      eventId: `${id}-${suffix}`,
      jurisdiction: 'baltimore',
      source: 'bench',
      sequence: seq,
      occurredAt: t,
      origin: 'bench',
      correlationId: null,
    });
    const opened: CrmTicketEvent = {
      envelope: envelope('o', 1, at),
      ticketId: id,
      kind: 'OPENED',
      serviceCode: type.serviceCode,
      serviceName: null,
      description: 'Reported through the 311 app.',
      requestedAt: at,
      duplicateOf: null,
      followUpOf: null,
      closureReason: null,
      note: null,
    };
    crm.push({ at, e: { type: 'crm', event: opened } });
    const parent = lastOpenOfType.get(type.serviceCode);
    if (parent && r() < profile.duplicateShare) {
      const event: CrmTicketEvent = {
        ...opened,
        envelope: envelope('d', 2, at + HOUR),
        kind: 'DUPLICATE_DECLARED',
        duplicateOf: parent,
      };
      crm.push({ at: at + HOUR, e: { type: 'crm', event } });
      continue;
    }
    lastOpenOfType.set(type.serviceCode, id);
    const route = routing[type.serviceCode]?.[0] ?? { department: type.department, system: 'posse' };
    let plan = planFor(route.system, r);
    if (r() < profile.openShare) plan = plan.slice(0, 1 + Math.floor(r() * (plan.length - 1)));
    const took =
      type.durationsMs.length > 0 ? (type.durationsMs[Math.floor(r() * type.durationsMs.length)] ?? HOUR) : HOUR;
    plan.forEach((code, k) => {
      const t = at + Math.round(((k + 1) / plan.length) * Math.max(took, plan.length * 1000));
      const event: WorkOrderEvent = {
        envelope: envelope(`w${k}`, k + 1, t),
        ticketId: id,
        workOrderId: `${id}#1`,
        system: route.system,
        department: route.department,
        rawStatus: code,
        rawStatusLabel: null,
        systemClosed: ['CLOSE', 'CLSD', 'COMPLIED', 'NO_VIOLATION'].includes(code),
        note: null,
        expectedAt: null,
      };
      dept.push({ at: t, e: { type: 'dept', event } });
    });
  }
  const byTime = (a: { at: number }, b: { at: number }) => a.at - b.at;
  return { tickets: n, crm: crm.sort(byTime).map((x) => x.e), dept: dept.sort(byTime).map((x) => x.e) };
}
