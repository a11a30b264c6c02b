import {
  defineConnector,
  healthFrom,
  isCloseloopError,
  positionAdvances,
  positionLimits,
  positionProblem,
  seqFeedPoll,
  seqOf,
  type ConnectorContext,
  type CrmTicketEvent,
  type Lookup,
  type Sink,
  type Source,
  type TicketStatusChange,
} from '../../src/sdk/index.ts';
import { CrmClient, notApplied, outOfOrder } from './client.ts';
import { crmRestConfig, type CrmRestConfig } from './config.ts';
import { ChangeFeed } from './feed.ts';
import { statusToUpdate, ticketToObservation } from './mapping.ts';
import { fitNotes } from './notes.ts';

function client(config: CrmRestConfig, env: NodeJS.ProcessEnv): CrmClient {
  return new CrmClient({
    baseUrl: config.baseUrl,
    token: env[config.tokenEnv],
    timeoutMs: config.timeoutMs,
    maxResponseBytes: config.maxResponseBytes,
    timeZone: config.timeZone,
  });
}

/** The version the CRM holds, read after a 409 or 423 answered a status it has already. */
interface Held {
  readonly held: number;
}

/**
 * A later version than the status's is held: said at warn with the ticket and versions only (no
 * note, no contact data) and counted (ctx.heldNewer). After a redelivery that is a
 * status sent before; otherwise the CRM is ahead of the bridge and drops its statuses as repeats,
 * which reconciliation heals (CRM_AHEAD). Holding this very version is a plain repeat.
 */
function heldAs(ctx: ConnectorContext, status: TicketStatusChange, held: number, how: string): void {
  const said = { ticketId: status.ticketId, version: status.version, currentVersion: held };
  if (held === status.version) {
    ctx.logger.debug(said, `CRM ${how} and had this version`);
    return;
  }
  ctx.heldNewer?.();
  ctx.logger.warn(
    said,
    `CRM ${how} and holds a later version; counted as delivered (a redelivery, or a CRM ahead of the bridge)`,
  );
}

/**
 * A status update answered 2xx with no body says nothing of whether the CRM applied it, and a CRM
 * that declines one (an agent holds the ticket open) may answer so too: counted as delivered, its
 * receipt would confirm a status the CRM never shows. The version the ticket holds settles it:
 * this one or a later one is delivered; an older one is not applied (retriable, as a decline is).
 */
async function confirmedByVersion(crm: CrmClient, ctx: ConnectorContext, status: TicketStatusChange): Promise<void> {
  const held = await crm.heldVersion(status.ticketId);
  if (held === null || held < status.version) throw notApplied(status.ticketId, status.version, held ?? 0);
  heldAs(ctx, status, held, 'answered the status update with no body');
}

/**
 * A 409 to a status update says the versions disagree, or that the ticket is locked (an agent
 * editing it: "being edited by another user"); a 423 says it is locked. The CRM's own ticket says
 * which. Holding this version or a later one, it has the update ('held', delivered: some CRMs
 * answer a repeat so); holding the version before it, the update was next in line, so the CRM
 * held it off for a lock: not applied, retriable, waiting as long as its Retry-After asks (a
 * lock clears when the agent saves, and the ticket's later statuses wait behind this one);
 * holding one below that, an earlier status is missing (outOfOrder). Any other failure stays the
 * error it was.
 */
async function versionConflict(crm: CrmClient, status: TicketStatusChange, err: unknown): Promise<Held> {
  const httpStatus = isCloseloopError(err) ? err.details['httpStatus'] : undefined;
  const conflict = isCloseloopError(err, 'CL_CONNECTOR_REJECTED') && httpStatus === 409;
  const locked = isCloseloopError(err, 'CL_CONNECTOR_RETRIABLE') && httpStatus === 423;
  if (!isCloseloopError(err) || !(conflict || locked)) throw err;
  const held = await crm.heldVersion(status.ticketId);
  if (held === null) throw err;
  if (held >= status.version) return { held };
  // A gap is a gap whatever the lock: waiting the lock out could never apply this status.
  if (held < status.version - 1) throw outOfOrder(status.ticketId, status.version, held, err);
  throw notApplied(status.ticketId, status.version, held, {
    cause: err,
    httpStatus: locked ? 423 : 409,
    retryAfterMs: err.details['retryAfterMs'],
  });
}

/**
 * The 311 CRM over its REST API. Source: referral changes by cursor, as crm.ticket-events.v1.
 * Sink: bridge.ticket-status.v1 applied as versioned status updates. Lookup: a ticket's current
 * status and version, for reconciliation.
 */
export const crmRest = defineConnector<typeof crmRestConfig, TicketStatusChange, CrmTicketEvent>({
  name: 'crm-rest',
  description: '311 CRM REST API: referral changes in, versioned ticket statuses out.',
  config: crmRestConfig,
  sourceTopic: 'crmEvents',
  cursorProblem: positionProblem,
  sinkTopic: 'status',
  credentials: (config) => [config.tokenEnv],
  source: (config, ctx): Source<CrmTicketEvent> => {
    const crm = client(config, ctx.env);
    const feed = new ChangeFeed(config, ctx);
    const limits = positionLimits(config.holeWaitSeconds);
    return {
      // A feed numbered by a sequence, as an outbox table is: the SDK's poll waits at a hole in
      // the seqs for a change committed late, and never goes past a page's last change whatever
      // its nextCursor (see seqFeedPoll, pageEnd).
      poll: seqFeedPoll<CrmTicketEvent>(
        {
          system: 'CRM',
          cursorName: 'nextCursor',
          holes: 'a rolled-back save, a sequence gap',
          pageSize: config.pageSize,
          holeWaitSeconds: config.holeWaitSeconds,
          page: async (after, limit) => {
            const page = await crm.changes(after, limit);
            return { changes: page.changes, watermark: page.nextCursor ?? ownEnd(page.changes, after) };
          },
          read: (raws, after) => feed.read(raws, after),
          warnings: (now) => feed.warnings(now),
        },
        ctx,
      ),
      // Ordered by the highest seq read (see the SDK's FeedPosition): a page of changes must end
      // past the one asked after, and an empty page that ends below it is a feed gone back (a
      // restored backup: CL_SOURCE_CURSOR_BEHIND).
      cursorAdvances: (given, next) => positionAdvances(given, next, limits),
      health: () => healthFrom(() => crm.ping()),
    };
  },
  sink: (config, ctx): Sink<TicketStatusChange> => {
    const crm = client(config, ctx.env);
    return {
      async deliver(status, signal) {
        // The CRM can trace an update back to the event that caused it, across every hop.
        const trace = status.envelope.correlationId ?? status.envelope.eventId;
        const { update, cuts } = fitNotes(statusToUpdate(status), config);
        // The lengths alone: a note may quote what a citizen or an agent wrote.
        for (const cut of cuts)
          ctx.logger.info(
            { ticketId: status.ticketId, version: status.version, ...cut },
            "note cut to the CRM's length",
          );
        // The runner's stop ends the call: the status is delivered again by the partition's next owner.
        const result = await crm
          .putStatus(status.ticketId, update, trace, signal)
          .catch((err: unknown) => versionConflict(crm, status, err));
        if (result !== null && 'held' in result) {
          heldAs(ctx, status, result.held, 'answered 409');
          return;
        }
        if (result === null) await confirmedByVersion(crm, ctx, status);
        else if (!result.applied) {
          // applied: false is a repeat only when the CRM holds this version or a later one. Below
          // it, the CRM declined the update (an agent's open edit locks the ticket, a workflow
          // rule): counted as delivered, its receipt would confirm a status the CRM never shows.
          if (result.currentVersion < status.version)
            throw notApplied(status.ticketId, status.version, result.currentVersion);
          heldAs(ctx, status, result.currentVersion, 'answered applied: false');
        }
      },
      health: () => healthFrom(() => crm.ping()),
    };
  },
  lookup: (config, ctx): Lookup => {
    const crm = client(config, ctx.env);
    return {
      async ticket(ticketId) {
        const t = await crm.ticket(ticketId);
        // The ticket asked about, as the bridge names it: a CRM may name it by a number of its own.
        return t && { ...ticketToObservation(t), ticketId };
      },
      health: () => healthFrom(() => crm.ping()),
    };
  },
});

/**
 * Where a page without a nextCursor ends: at its highest readable seq, or, empty or of changes
 * whose seq cannot be read, where it was asked after (the feed's end as far as it says). So a
 * change whose seq cannot be read last on it is read, and dead-lettered, again until the feed
 * shows what follows, as on a page whose nextCursor is its head (see the SDK's pageEnd).
 */
function ownEnd(changes: readonly unknown[], after: number): number {
  return changes.reduce<number>((end, raw) => Math.max(end, seqOf(raw) ?? end), after);
}
