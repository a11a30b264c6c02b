import { z } from 'zod';
import {
  HOLIDAY_TYPES,
  SLA_UNITS,
  createCalendar,
  parseDate,
  regionProblem,
  ruleProblem,
  typesProblem,
  type BusinessCalendar,
  type SlaLookup,
  type SlaPolicy,
  type SlaTarget,
  type SlaUnit,
} from '../domain/sla/index.ts';
import { timeZoneSchema } from '../sdk/time-zone.ts';

const dateSchema = z.string().refine((s) => parseDate(s) !== undefined, { message: 'a real date as YYYY-MM-DD' });

const holidaysSchema = z
  .object({
    country: z.string().optional(),
    state: z.string().optional(),
    region: z.string().optional(),
    types: z
      .array(z.enum(HOLIDAY_TYPES))
      .min(1, `at least one holiday type (${HOLIDAY_TYPES.join(', ')}); leave out country for no library holidays`)
      .default(['public']),
    /** Recurring city holidays in date-holidays' rule grammar, e.g. { rule: '09-30', name: … }. */
    rules: z
      .array(
        z
          .object({ rule: z.string().min(1), name: z.string().min(1) })
          .strict()
          .superRefine((r, ctx) => {
            const problem = ruleProblem(r.rule);
            if (problem) ctx.addIssue({ code: 'custom', path: ['rule'], message: problem });
          }),
      )
      .default([]),
    /** One-off holidays: "YYYY-MM-DD" or { date, name }. */
    extra: z
      .array(
        z.preprocess(
          (v) => (typeof v === 'string' ? { date: v } : v),
          z.object({ date: dateSchema, name: z.string().min(1).optional() }).strict(),
        ),
      )
      .default([]),
    exclude: z.array(dateSchema).default([]),
  })
  .strict()
  .superRefine((h, ctx) => {
    const problem = regionProblem(h.country, h.state, h.region);
    if (problem) ctx.addIssue({ code: 'custom', path: [problem.field], message: problem.message });
    else if (h.country) {
      const none = typesProblem(h.country, h.state, h.region, h.types);
      if (none) ctx.addIssue({ code: 'custom', path: ['types'], message: none });
    }
  });

export const calendarDefinitionSchema = z
  .object({
    name: z.string().regex(/^[a-z0-9-]+$/, 'lower-case letters, digits and dashes'),
    timeZone: timeZoneSchema,
    workingDays: z
      .array(
        z.number().int().min(1, 'ISO weekday 1 (Monday) to 7 (Sunday)').max(7, 'ISO weekday 1 (Monday) to 7 (Sunday)'),
      )
      .min(1, 'at least one working day')
      .refine((days) => new Set(days).size === days.length, { message: 'a weekday is listed twice' })
      .default([1, 2, 3, 4, 5]),
    holidays: holidaysSchema.prefault({}),
  })
  .strict();

const COMPACT_TARGET = new RegExp(`^\\s*(\\d+(?:\\.\\d+)?)\\s+(${SLA_UNITS.join('|')})\\s*$`);

/*
 * Upper bounds catch a slipped digit before addBusinessDays walks the calendar day by day toward
 * it. A year is far beyond any service promise; fractions stay allowed in both units because the
 * calendar accrues business time continuously.
 */
export const MAX_BUSINESS_DAYS = 365;
/** One leap year of hours. */
export const MAX_CALENDAR_HOURS = 8_784;

const MAX_AMOUNT: Readonly<Record<SlaUnit, number>> = {
  business_days: MAX_BUSINESS_DAYS,
  calendar_hours: MAX_CALENDAR_HOURS,
};

const targetObjectSchema = z
  .object(
    {
      amount: z.number({ error: 'amount must be a finite number' }).positive('amount must be more than 0'),
      unit: z.enum(SLA_UNITS),
    },
    {
      error: (iss) =>
        iss.code === 'invalid_type' ? 'write { amount, unit } or "<amount> business_days|calendar_hours"' : undefined,
    },
  )
  .strict()
  .superRefine((t, ctx) => {
    const max = MAX_AMOUNT[t.unit];
    if (t.amount > max) {
      ctx.addIssue({
        code: 'custom',
        path: ['amount'],
        message: `${show(t)} is too long: at most ${max} ${t.unit}`,
      });
    }
  });

/** { amount, unit } or the compact "5 business_days" / "48 calendar_hours". */
export const slaTargetSchema = z.preprocess((v) => {
  if (typeof v !== 'string') return v;
  const m = COMPACT_TARGET.exec(v);
  return m ? { amount: Number(m[1]), unit: m[2] } : v;
}, targetObjectSchema);

export const slaPolicySchema = z
  .object({
    calendar: z.string().min(1),
    response: slaTargetSchema,
    completion: slaTargetSchema,
    pauseReasons: z
      .array(z.string().regex(/^[A-Z][A-Z0-9_]*$/, 'an upper-snake hold reason, e.g. AWAITING_REQUESTOR'))
      .default([]),
  })
  .strict()
  .superRefine((p, ctx) => {
    if (p.response.unit === p.completion.unit && p.completion.amount < p.response.amount) {
      ctx.addIssue({
        code: 'custom',
        path: ['completion'],
        message: `completion target (${show(p.completion)}) is shorter than the response target (${show(p.response)})`,
      });
    }
  });

const show = (t: SlaTarget): string => `${t.amount} ${t.unit}`;

/** Service code (or "default") → policy, as in config/sla/policies.yaml. */
export const slaPoliciesSchema = z.record(z.string().min(1), slaPolicySchema);

export const slaSectionSchema = z
  .object({ calendars: z.array(calendarDefinitionSchema), policies: slaPoliciesSchema })
  .strict()
  .superRefine((s, ctx) => {
    const names = s.calendars.map((c) => c.name);
    names.forEach((name, i) => {
      if (names.indexOf(name) !== i) {
        ctx.addIssue({
          code: 'custom',
          path: ['calendars', i, 'name'],
          message: `calendar "${name}" is defined twice`,
        });
      }
    });
    for (const [code, policy] of Object.entries(s.policies)) {
      if (!names.includes(policy.calendar)) {
        const known = names.length > 0 ? names.join(', ') : 'none';
        ctx.addIssue({
          code: 'custom',
          path: ['policies', code, 'calendar'],
          message: `policy ${code} uses calendar "${policy.calendar}", which is not defined (defined: ${known})`,
        });
      }
    }
  });

export type CalendarDefinitionInput = z.input<typeof calendarDefinitionSchema>;
export type SlaSectionInput = z.input<typeof slaSectionSchema>;
export type SlaSection = z.infer<typeof slaSectionSchema>;

export interface SlaTables extends SlaLookup {
  readonly calendars: ReadonlyMap<string, BusinessCalendar>;
  /** The calendar a policy names. */
  calendarFor(policy: SlaPolicy): BusinessCalendar;
}

export const DEFAULT_POLICY = 'default';

export function buildSlaTables(section: SlaSection): SlaTables {
  const calendars = new Map(section.calendars.map((def) => [def.name, createCalendar(def)] as const));
  const policies = new Map<string, SlaPolicy>();
  for (const [name, p] of Object.entries(section.policies)) {
    if (!calendars.has(p.calendar)) throw new Error(`policy ${name} uses undefined calendar "${p.calendar}"`);
    policies.set(name, Object.freeze({ name, ...p, pauseReasons: Object.freeze([...p.pauseReasons]) }));
  }
  return {
    calendars,
    policyNamed: (name) => policies.get(name),
    calendarNamed: (name) => calendars.get(name),
    policyFor: (code) => (code !== null ? policies.get(code) : undefined) ?? policies.get(DEFAULT_POLICY) ?? null,
    calendarFor: (policy) => {
      const cal = calendars.get(policy.calendar);
      if (!cal) throw new Error(`no calendar "${policy.calendar}" for policy ${policy.name}`);
      return cal;
    },
  };
}
