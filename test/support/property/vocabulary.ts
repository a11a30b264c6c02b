/**
 * What the property tests' scenarios are made of (test/unit/domain/invariants.property.test.ts):
 * the tickets, the departments' systems and codes, the contact data no status may carry, the
 * origins and positions of events.
 */

export const NOW = 1_790_000_000_000;
export const HOUR = 3_600_000;

export const TICKETS = ['A', 'B', 'C', 'D'] as const;
export type Ticket = (typeof TICKETS)[number];

export const SYSTEMS = {
  maximo: ['WAPPR', 'APPR', 'WSCH', 'WMATL', 'WPCOND', 'INPRG', 'COMP', 'CLOSE', 'CAN'],
  posse: [
    'RECEIVED',
    'INTAKE_ACCEPTED',
    'INSPECTOR_ASSIGNED',
    'ASSIGNED_CLOSED',
    'INSPECTION_SCHEDULED',
    'INSPECTION_STARTED',
    'HOLD_OWNER',
    'HOLD_WEATHER',
    'HOLD_PERMIT',
    'COMPLIED',
    'ABATED',
    'NO_VIOLATION',
    'WITHDRAWN',
    'NOT_OURS',
    'REFERRED_EXTERNAL',
  ],
  'sap-pm': ['CRTD', 'REL', 'TECO', 'CLSD'],
} as const;
export type System = keyof typeof SYSTEMS;
/** The routes' departments, by system (testPolicy), and one no route names. */
export const DEPARTMENTS: Record<System, readonly string[]> = {
  maximo: ['transportation', 'solid-waste'],
  posse: ['housing'],
  'sap-pm': ['public-works'],
};
/** Contact data a note may carry, which no status may (§5). */
export const PHONE = '613-555-0100';
export const EMAIL = 'jane.doe@example.org';
export const DEPARTMENT_NOTES = ['Crew notes.', `Called the resident at ${PHONE}.`, `Resident: ${EMAIL}`, null];

/** Codes no mapping has, some of which are Object.prototype's own names. */
export const UNMAPPED = ['BOGUS', 'constructor', '__proto__', 'closed'];

export type Origin = 'live' | 'import' | 'reconcile' | 'echo';
export const ORIGINS: Record<Origin, string> = {
  live: 'crm-feed',
  import: 'import',
  reconcile: 'reconcile',
  echo: 'closeloop',
};

/**
 * A position: the source's next sequence number, a small one (so events come out of order), none
 * (occurredAt), or an absurd one.
 */
export type Position = { seq: number } | { at: number } | 'next';

/** A bridge-made work-order id (`<ticket>#n`), or for 0 one the department made up. */
export const woId = (ticket: string, n: number) => (n === 0 ? `${ticket}-JOB` : `${ticket}#${n}`);
