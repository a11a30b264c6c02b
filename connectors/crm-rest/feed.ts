import {
  rawField,
  readChanges,
  type ConnectorContext,
  type CrmTicketEvent,
  type Source,
  type SourceWarning,
} from '../../src/sdk/index.ts';
import { changeSchema, type CrmChange, type UnreadFact } from './client.ts';
import type { CrmRestConfig } from './config.ts';
import { changeToEvent } from './mapping.ts';

/**
 * How long the source keeps warning of a date it could not read. A poll's warnings last only
 * until the next poll, and such a loss happens once: an hour is long enough for an operator or an
 * alert to see it, and it ends by itself, as there is nothing to undo.
 */
export const WARN_FOR_MS = 3_600_000;

/** The longest date quoted in a warning: enough to see its form, not a whole blob. */
const QUOTED = 60;

const quoted = (value: unknown) => {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > QUOTED ? `${text.slice(0, QUOTED)}...` : text;
};

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
  #last: { seq: number; ticketId: string; facts: readonly UnreadFact[]; at: number } | null = null;
  #count = 0;

  constructor(config: CrmRestConfig, ctx: ConnectorContext) {
    this.#config = config;
    this.#ctx = ctx;
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
        return changeToEvent(c, this.#config.jurisdiction);
      },
    });
  }

  /** The source with this feed's warnings added to every poll's batch. */
  warning(source: Source<CrmTicketEvent>): Source<CrmTicketEvent> {
    return {
      ...source,
      poll: async (cursor, signal) => {
        const batch = await source.poll(cursor, signal);
        return { ...batch, warnings: [...(batch.warnings ?? []), ...this.#warnings(this.#ctx.clock())] };
      },
    };
  }

  #note(c: CrmChange): void {
    const fields = c.unread.map((f) => f.field);
    const dates = c.unread.filter((f) => f.field === 'requestedAt' || f.field === 'dueAt');
    this.#ctx.logger.warn(
      { seq: c.seq, ticketId: c.ticketId, fields, ...Object.fromEntries(dates.map((f) => [f.field, quoted(f.value)])) },
      'CRM change has a fact the bridge cannot read; the change is published without it',
    );
    if (dates.length === 0) return;
    const now = this.#ctx.clock();
    if (this.#last === null || now - this.#last.at >= WARN_FOR_MS) this.#count = 0;
    this.#last = { seq: c.seq, ticketId: c.ticketId, facts: dates, at: now };
    this.#count += 1;
  }

  #warnings(now: number): SourceWarning[] {
    const last = this.#last;
    if (last === null || now - last.at >= WARN_FOR_MS) return [];
    const said = last.facts.map((f) => `${f.field} ${quoted(f.value)}`).join(' and ');
    const others = this.#count > 1 ? `; ${this.#count} such changes while this warning lasts` : '';
    return [
      {
        code: 'CL_SOURCE_DATE_UNREAD',
        detail:
          `CRM change seq ${last.seq} (ticket ${last.ticketId}) has ${said}, which names no instant; its event ` +
          `was published without it${others}. The CRM should write ISO 8601 (2024-11-05, ` +
          '2024-11-05T09:00:00-05:00) or epoch milliseconds',
      },
    ];
  }
}
