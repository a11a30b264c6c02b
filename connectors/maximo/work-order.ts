import { z } from 'zod';
import { CloseloopError, withOffsetIn } from '../../src/sdk/index.ts';

/*
 * A Maximo work order as the bridge reads it, and its dates. Its own module beside client.ts,
 * which is kept under 400 lines.
 */

/**
 * A work order as the MXWO object structure returns it (lean JSON: null attributes are left out,
 * which is why every attribute that may be empty is optional).
 */
export const workOrderSchema = z
  .object({
    href: z.string().min(1),
    _rowstamp: z.string().min(1),
    workorderid: z.number().int(),
    wonum: z.string().min(1),
    siteid: z.string().min(1),
    status: z.string().min(1),
    // The internal value of the site's status (its WOSTATUS synonym): what Maximo's own rules go
    // by. A Maximo that does not answer it leaves the status to be read as it is.
    status_maxvalue: z.string().min(1).optional(),
    status_description: z.string().optional(),
    statusdate: z.iso.datetime({ offset: true }),
    changedate: z.iso.datetime({ offset: true }),
    description: z.string().optional(),
    wopriority: z.number().int().optional(),
    origrecordid: z.string().optional(),
    origrecordclass: z.string().optional(),
    externalrefid: z.string().optional(),
    // Only the expected date of scheduled work: a ticket can do without it, and would not move at
    // all if its work order's status change were dead-lettered for it. An unreadable one is none.
    schedstart: z.iso.datetime({ offset: true }).optional().catch(undefined),
    // Only what tells the bridge's own entries (see noteRef in mapping.ts) from the others.
    worklog: z.array(z.object({ description_longdescription: z.string().optional() }).loose()).optional(),
  })
  .loose();

/** The dates of a work order, which a Maximo may write in its server's local time, without an offset. */
const DATES = ['changedate', 'statusdate', 'schedstart'] as const;

/**
 * A work order's raw JSON with its local dates given their offset in `timeZone` (the Maximo
 * server's zone, when the connector is told it); without a zone such a date stays unreadable.
 */
export function datesIn(raw: unknown, timeZone: string | undefined): unknown {
  if (timeZone === undefined || raw === null || typeof raw !== 'object') return raw;
  const wo = { ...(raw as Record<string, unknown>) };
  for (const field of DATES) {
    const value = wo[field];
    if (typeof value === 'string') wo[field] = withOffsetIn(value, timeZone);
  }
  return wo;
}

/** workOrderSchema for a Maximo whose local dates are in `timeZone` (see datesIn). */
export function workOrderIn(timeZone: string | undefined) {
  return z.preprocess((raw) => datesIn(raw, timeZone), workOrderSchema);
}

export type MaximoWorkOrder = z.infer<typeof workOrderSchema>;

/**
 * workOrderIn for the feed's changes. A work order opened from a service request (origrecordclass
 * SR) that names no request is one the bridge cannot route, and its ticket would never hear of it:
 * it is unreadable (dead-lettered, naming the field, for someone to link it in Maximo), not passed
 * over unseen. A work order of another class is no ticket's, and is passed over (see fromTicket).
 */
export function feedChangeIn(timeZone: string | undefined) {
  return workOrderIn(timeZone).superRefine((wo, ctx) => {
    if (wo.origrecordclass === 'SR' && (wo.origrecordid ?? '').trim() === '')
      ctx.addIssue({
        code: 'custom',
        path: ['origrecordid'],
        message: 'a work order opened from a service request (origrecordclass SR) names no ticket',
      });
  });
}

/**
 * A work order's status date, read by the sink's and lookup's schema as text, where it must name
 * an instant (a lookup's observation). One without an offset, from a Maximo that writes its
 * server's local time while the connector has no timeZone, is a configuration fault that no retry
 * mends: CL_CONFIG_INVALID, naming the setting.
 */
export function statusInstant(wo: MaximoWorkOrder): string {
  if (workOrderSchema.shape.statusdate.safeParse(wo.statusdate).success) return wo.statusdate;
  throw new CloseloopError(
    'CL_CONFIG_INVALID',
    `Maximo work order ${wo.siteid}/${wo.wonum} has a statusdate without a UTC offset (${wo.statusdate}), ` +
      "which names no instant: set the connector's timeZone to the Maximo server's IANA zone",
    { details: { wonum: wo.wonum, siteid: wo.siteid, field: 'statusdate' } },
  );
}
