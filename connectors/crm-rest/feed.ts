import {
  LastingWarning,
  quotedValue,
  rawField,
  readChanges,
  type ConnectorContext,
  type SourceWarning,
} from '../../src/sdk/index.ts';
import { changeSchema, type CrmChange } from './client.ts';
import type { CrmRestConfig } from './config.ts';
import { changeToEvent } from './mapping.ts';
import { UnreadReasons } from './unread-reasons.ts';

/**
 * The referral feed's changes as events, and what they lost: an optional fact the CRM wrote
 * but the bridge cannot read goes as none (see changeSchema), logged (warn) with the change and
 * field, and a date among them is also a source warning (CL_SOURCE_DATE_UNREAD) for an hour
 * after, so a due date the citizen is not shown is not lost silently. Coordinates are named,
 * not quoted: a value that is no number may be any text typed into a form.
 */
export class ChangeFeed {
  readonly #config: CrmRestConfig;
  readonly #ctx: ConnectorContext;
  readonly #schema: ReturnType<typeof changeSchema>;
  readonly #unreadDates = new LastingWarning('CL_SOURCE_DATE_UNREAD');
  readonly #unreadReasons: UnreadReasons;

  constructor(config: CrmRestConfig, ctx: ConnectorContext) {
    this.#config = config;
    this.#ctx = ctx;
    this.#unreadReasons = new UnreadReasons(ctx);
    this.#schema = changeSchema(config.timeZone);
  }

  /** A page's changes, one by one: one that cannot be read is rejected with its position. */
  read(changes: readonly unknown[], after: number) {
    return readChanges(changes, {
      what: 'CRM change',
      schema: this.#schema,
      position: (raw, i) => `seq ${rawField(raw, 'seq') ?? `? (change ${i + 1} after ${after})`}`,
      key: (raw) => rawField(raw, 'ticketId'),
      map: (c) => {
        if (c.unread.length > 0) this.#note(c);
        this.#unreadReasons.check(c);
        return changeToEvent(c, this.#config.jurisdiction);
      },
    });
  }

  /** This feed's warnings, said on every poll while they last. */
  warnings(now: number): SourceWarning[] {
    return [...this.#unreadDates.warnings(now), ...this.#unreadReasons.warnings(now)];
  }

  #note(c: CrmChange): void {
    const fields = c.unread.map((f) => f.field);
    const dates = c.unread.filter((f) => f.field === 'requestedAt' || f.field === 'dueAt');
    this.#ctx.logger.warn(
      {
        seq: c.seq,
        ticketId: c.ticketId,
        fields,
        ...Object.fromEntries(dates.map((f) => [f.field, quotedValue(f.value)])),
      },
      'CRM change has a fact the bridge cannot read; the change is published without it',
    );
    if (dates.length === 0) return;
    const said = dates.map((f) => `${f.field} ${quotedValue(f.value)}`).join(' and ');
    this.#unreadDates.note((count) => {
      const others = count > 1 ? `; ${count} such changes while this warning lasts` : '';
      return (
        `CRM change seq ${c.seq} (ticket ${c.ticketId}) has ${said}, which names no instant; its event ` +
        `was published without it${others}. The CRM should write ISO 8601 (2024-11-05, ` +
        '2024-11-05T09:00:00-05:00) or epoch milliseconds'
      );
    }, this.#ctx.clock());
  }
}
