import { DateTime } from 'luxon';
import type { Decision, InboundEvent } from '../../src/domain/index.ts';
import type { Bridge } from './domain.ts';

/** A local time in Baltimore, the zone of the SLA test calendar. */
export const at = (iso: string): number => DateTime.fromISO(iso, { zone: 'America/New_York' }).toMillis();

/** Monday 16 November 2026, 10:00: the request time of the SLA scenarios. */
export const MON_16 = at('2026-11-16T10:00');

/** Delivers an event that happened at `iso`, processed a minute later unless told otherwise. */
export function sendAt(bridge: Bridge, input: InboundEvent, iso: string, processedAt = at(iso) + 60_000): Decision {
  const envelope = { ...input.event.envelope, occurredAt: at(iso) };
  bridge.now = processedAt;
  return bridge.send({ ...input, event: { ...input.event, envelope } } as InboundEvent);
}
