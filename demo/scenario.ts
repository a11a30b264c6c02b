import { readFile } from 'node:fs/promises';
import { parse } from 'csv-parse/sync';

/** One request of the demo, drawn from a real Baltimore 311 record. */
export interface DemoRequest {
  readonly recordId: string;
  readonly serviceCode: string;
  /** The request type as Baltimore's CRM names it, without its agency prefix. */
  readonly serviceName: string;
  readonly department: string;
  /** How the request came in, as the CRM says it ("Phone", "API", "Internal", …). */
  readonly channel: string | null;
  /** Where the problem is: the record's public location, never the requester's. */
  readonly address: string | null;
  readonly latitude: number | null;
  readonly longitude: number | null;
  readonly district: string | null;
  readonly createdAt: number;
  /** Index of an earlier request of the same type this one duplicates. */
  readonly duplicateOf: number | null;
}

interface Row {
  ServiceRequestNum: string;
  SRType: string;
  SRStatus: string;
  Agency: string;
  CreatedDate: string;
  MethodReceived: string;
  Address: string;
  Latitude: string;
  Longitude: string;
  CouncilDistrict: string;
}

/**
 * A coordinate of the sample, or null. Some records carry the whole-degree placeholder
 * (39, -77), which lies outside the city: a pin there would mislead, so it counts as unknown.
 */
function coordinate(text: string, limit: number): number | null {
  const n = Number(text);
  return text.trim() !== '' && Number.isFinite(n) && !Number.isInteger(n) && Math.abs(n) <= limit ? n : null;
}

const text = (value: string | undefined): string | null => (value && value.trim() !== '' ? value.trim() : null);

export function slug(text: string): string {
  return text
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '');
}

// Agencies outside the city's own work-order systems (a utility, the call centre itself).
const EXTERNAL = new Set(['BGE', 'Call Center']);

/**
 * The first `count` referrals of the sample in time order, with the request types, agencies,
 * channels, public locations and duplicate marks of the real records. A "(Duplicate)" record is linked to the latest earlier
 * request of the same type, as an agent would.
 */
export async function loadScenario(csvPath: string, count: number): Promise<DemoRequest[]> {
  const rows = parse(await readFile(csvPath, 'utf8'), { columns: true, skip_empty_lines: true }) as Row[];
  const usable = rows
    .filter((r) => r.SRType && r.Agency && !EXTERNAL.has(r.Agency))
    .map((r) => ({ r, at: Date.parse(r.CreatedDate) }))
    .filter((x) => Number.isFinite(x.at))
    .sort((a, b) => a.at - b.at)
    .slice(0, count);
  const lastOfType = new Map<string, number>();
  return usable.map(({ r, at }, i) => {
    const earlier = lastOfType.get(r.SRType);
    lastOfType.set(r.SRType, i);
    const latitude = coordinate(r.Latitude, 90);
    const longitude = coordinate(r.Longitude, 180);
    const located = latitude !== null && longitude !== null;
    return {
      recordId: r.ServiceRequestNum,
      serviceCode: r.SRType,
      serviceName: r.SRType.replace(/^[A-Z]+-/, ''),
      department: slug(r.Agency),
      channel: text(r.MethodReceived),
      address: text(r.Address),
      latitude: located ? latitude : null,
      longitude: located ? longitude : null,
      district: text(r.CouncilDistrict) === null ? null : `Council district ${r.CouncilDistrict.trim()}`,
      createdAt: at,
      duplicateOf: r.SRStatus.includes('(Duplicate)') && earlier !== undefined ? earlier : null,
    };
  });
}

/** The system each agency runs: Baltimore's transportation crews work in a Maximo-like system. */
const SYSTEMS: Readonly<Record<string, string>> = { transportation: 'maximo' };

/**
 * Routing for the demo: each request type to its real agency on the system that agency runs. A
 * second department takes what a POSSE department rejects as "not ours"; Maximo has no such
 * status, so its work stays with the agency.
 */
export function demoRouting(
  requests: readonly DemoRequest[],
): Record<string, { department: string; system: string }[]> {
  const routing: Record<string, { department: string; system: string }[]> = {};
  for (const r of requests) {
    const system = SYSTEMS[r.department] ?? 'posse';
    routing[r.serviceCode] ??=
      system === 'posse'
        ? [
            { department: r.department, system },
            { department: r.department === 'housing' ? 'solid-waste' : 'housing', system },
          ]
        : [{ department: r.department, system }];
  }
  return routing;
}
