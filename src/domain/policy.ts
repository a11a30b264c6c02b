import { scrubPii } from './pii.ts';
import type { SentinelPolicy } from './sentinel/types.ts';
import type { OrderingBounds } from './ordering.ts';
import type { SlaLookup } from './sla/types.ts';
import type { ClosureReason, WorkOrderState } from './types.ts';

/** What one raw department status code means. */
export interface StatusMappingEntry {
  readonly state: WorkOrderState;
  /** Plain-words note for the public; the department's own note is used when absent. */
  readonly publicNote?: string | undefined;
  /** For terminal codes that carry a documented reason (withdrawn, no action required, …). */
  readonly closureReason?: ClosureReason | undefined;
  /** The department system treats this code as closing its record. */
  readonly systemClosed?: boolean | undefined;
  /** "Not ours": the work order is rejected as misrouted and the ticket is re-routed. */
  readonly misroute?: boolean | undefined;
  /** For ON_HOLD codes: why, in upper snake (WEATHER, PARTS, …); SLA policies pause on some. */
  readonly holdReason?: string | undefined;
}

export interface StatusMapping {
  readonly system: string;
  readonly description?: string | undefined;
  /** Every code the system is documented to emit; each must be mapped. */
  readonly knownCodes: readonly string[];
  readonly codes: Readonly<Record<string, StatusMappingEntry>>;
  /** `withheld`: the department's own note never reaches the citizen (default `public`). */
  readonly departmentNotes?: 'public' | 'withheld' | undefined;
}

export interface RouteTarget {
  readonly department: string;
  readonly system: string;
}

/** The data decide() needs besides state and event; loaded from config, then frozen. */
export interface Policy {
  readonly jurisdiction: string;
  /** Service code → departments in order of preference; later ones take misroutes. */
  readonly routing: Readonly<Record<string, readonly RouteTarget[]>>;
  readonly mappings: Readonly<Record<string, StatusMapping>>;
  /** How long a closed ticket stays in state for late events and links. */
  readonly retentionMs: number;
  /** Priority scale: 1 is most urgent. */
  readonly defaultPriority: number;
  /** When a position is too far ahead to believe; DEFAULT_ORDERING when absent. */
  readonly ordering?: OrderingBounds;
  /** SLA policies and calendars; absent or null when none are configured (no clocks run). */
  readonly sla?: SlaLookup | null;
  /**
   * The routes (`system/department`) a configured connector sink serves; a route outside it is
   * quarantined as NO_CONNECTOR rather than sent where nothing reads it. Absent or null when
   * the config was loaded without connector checks (every route is then taken as served).
   */
  readonly served?: readonly string[] | null;
  /** Expected movements and their limits; absent or null when no sentinel runs. */
  readonly sentinel?: SentinelPolicy | null;
  /** Department → who answers for its stuck work (the service owner); '311' for the 311 desk. */
  readonly accountable?: Readonly<Record<string, string>>;
  /** Scrub contact data from the descriptions sent to departments (config privacy section). */
  readonly scrubDescriptions?: boolean;
}

/**
 * An agent's note as departments get it. Agents paste the resident's phone or e-mail into notes
 * as often as residents do into descriptions: a city that keeps contact data from departments
 * (privacy.scrubDepartmentDescriptions) keeps it out of both.
 */
export function forDepartments(policy: Policy, note: string | null): string | null {
  return note !== null && policy.scrubDescriptions === true ? scrubPii(note) : note;
}

export function isServed(policy: Policy, target: RouteTarget): boolean {
  return !policy.served || policy.served.includes(`${target.system}/${target.department}`);
}

// Own properties only: a code such as "constructor" must not find Object.prototype's.
export function lookupCode(policy: Policy, system: string, raw: string): StatusMappingEntry | undefined {
  const mapping = Object.hasOwn(policy.mappings, system) ? policy.mappings[system] : undefined;
  return mapping && Object.hasOwn(mapping.codes, raw) ? mapping.codes[raw] : undefined;
}

/**
 * What a work order shows the citizen of a department event: the code's own plain-words note,
 * else the note the department's staff wrote, unless the system's mapping withholds those (free
 * text may name a resident, which no scrubber can tell from a street's or a crew's name).
 */
export function publicNoteOf(
  policy: Policy,
  e: { readonly system: string; readonly note: string | null },
  entry: StatusMappingEntry,
): string | null {
  if (entry.publicNote !== undefined) return entry.publicNote;
  const mapping = Object.hasOwn(policy.mappings, e.system) ? policy.mappings[e.system] : undefined;
  return mapping?.departmentNotes === 'withheld' ? null : e.note;
}

export function hasMapping(policy: Policy, system: string): boolean {
  return Object.hasOwn(policy.mappings, system);
}

export function routesFor(policy: Policy, serviceCode: string | null): readonly RouteTarget[] {
  const code = serviceCode ?? '';
  return Object.hasOwn(policy.routing, code) ? (policy.routing[code] ?? []) : [];
}

/** Known codes of a mapping that it leaves unmapped; a shipped mapping must have none. */
export function unmappedKnownCodes(mapping: StatusMapping): string[] {
  return mapping.knownCodes.filter((code) => !(code in mapping.codes));
}
