import { z } from 'zod';
import { TICKET_STATES, type SentinelPolicy } from '../domain/index.ts';
import { offOrNumber, offOrNumberValue, offOrSection } from './off-or-section.ts';

/**
 * The limits a city gets unless it says otherwise: ROUTED (no department acknowledgement) and
 * NEW (back with 311). A city's own map is laid over these state by state, so adding a limit
 * for ON_HOLD keeps them; `off` for a state turns its limit off.
 */
export const DEFAULT_STATE_LIMITS: SentinelPolicy['stateLimitsMinutes'] = { ROUTED: 15, NEW: 60 };

const MAX_MINUTES = 525_600;

// One key per state, so that a state's null is refused naming its own default.
const stateLimitsSchema = z
  .object(
    Object.fromEntries(
      TICKET_STATES.map((state) => [
        state,
        offOrNumberValue(z.number().positive().max(MAX_MINUTES), DEFAULT_STATE_LIMITS[state] ?? null).optional(),
      ]),
    ),
  )
  .strict()
  .default({})
  .transform((own): SentinelPolicy['stateLimitsMinutes'] => {
    const merged = Object.entries({ ...DEFAULT_STATE_LIMITS, ...own });
    return Object.fromEntries(merged.filter((entry): entry is [string, number] => typeof entry[1] === 'number'));
  });

/**
 * The stuck-ticket sentinel: how long each expected movement may take. It runs in the
 * processor's timer sweep beside the SLA check; `sentinel: off` turns it off.
 */
const sentinelSectionSchema = z
  .object({
    /**
     * Minutes a ticket may stay in a lifecycle state, laid over the defaults (ROUTED: 15, no
     * department acknowledgement; NEW: 60); `off` turns a state's limit off.
     */
    stateLimitsMinutes: stateLimitsSchema,
    /** Minutes the CRM sink may take to confirm a status it was sent; `off`: not watched. */
    statusUnconfirmedMinutes: offOrNumber(z.number().positive().max(10_080), 5),
    /** Minutes an open work order may go without a department event (30 days); `off`: not watched. */
    workOrderSilenceMinutes: offOrNumber(z.number().positive().max(MAX_MINUTES), 43_200),
    /** Minutes an open work order's expected date may lie past with no new date (1 day); `off`: not watched. */
    expectedOverdueMinutes: offOrNumber(z.number().positive().max(MAX_MINUTES), 1_440),
  })
  .strict();

/** Left out: the defaults above; `off`: no sentinel (null); an empty section is refused (see offOrSection). */
export const sentinelSchema = offOrSection(sentinelSectionSchema, 'sentinel', 'the stuck-ticket sentinel');
