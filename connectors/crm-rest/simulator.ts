import type { z } from 'zod';
import {
  ChangeCorruptor,
  FaultInjector,
  HttpError,
  seededRandom,
  SimulatorServer,
  WebhookBell,
  type Corruption,
} from '../../src/sdk/index.ts';
import { serveAgentApi } from './simulator-agent.ts';
import { ChangeLog } from './simulator-feed.ts';
import { TicketLocks } from './simulator-locks.ts';
import type { CrmSimulatorOptions } from './simulator-options.ts';
import {
  newTicketSchema,
  noteTooLong,
  requestFacts,
  statusUpdateSchema,
  type AppliedUpdate,
  type Change,
  type ChangeKind,
  type CrmBackup,
  type CrmTicket,
} from './simulator-model.ts';

export type { AppliedUpdate, Change, ChangeKind, Contact, CrmBackup, CrmTicket } from './simulator-model.ts';
export type { CrmSimulatorOptions } from './simulator-options.ts';
export type { LockAnswer } from './simulator-locks.ts';

/**
 * A stand-in for a city's 311 CRM: tickets with citizen contact data, an agent API, a change
 * feed for referrals (no contact data), and a status API that applies versioned updates in order
 * and records each one. Faults are injected in front of the integration API.
 */
export class CrmSimulator {
  readonly server: SimulatorServer;
  readonly tickets = new Map<string, CrmTicket>();
  readonly applied: AppliedUpdate[] = [];
  /** The outgoing webhook: rung whenever a change reaches the feed. */
  readonly webhook = new WebhookBell();
  /** Garbles changes on their way out of the feed (an unknown kind, a missing field). */
  readonly corruptor = new ChangeCorruptor();
  /** Status updates received, whatever became of them (applied, acknowledged as repeats, refused). */
  statusRequests = 0;
  /** Updates whose version was already applied: acknowledged, not applied again. */
  repeatedUpdates = 0;
  /** Updates declined because an agent holds the ticket open: answered, not applied. */
  declinedUpdates = 0;
  /** Tickets an agent holds open for editing: the CRM applies no status update to them. */
  readonly #locks: TicketLocks;
  readonly #clock: () => number;
  readonly #omitEmpty: boolean;
  readonly #repeatConflict: boolean;
  readonly #noteLength: number | undefined;
  #token: string | undefined;
  readonly #headCursor: boolean;
  /** The feed answers, but with nothing: a CRM whose integration outbox has stalled. */
  feedPaused = false;
  #nextId = 1;
  readonly #backups = new Map<string, CrmBackup>();
  readonly #log: ChangeLog;

  constructor(options: CrmSimulatorOptions = {}) {
    this.#clock = options.clock ?? Date.now;
    this.#token = options.token;
    this.#headCursor = options.nextCursor === 'head';
    this.#omitEmpty = options.omitEmptyFields ?? false;
    this.#repeatConflict = options.repeatConflict ?? false;
    this.#noteLength = options.noteLength;
    this.#locks = new TicketLocks(options.lockAnswer, options.lockRetryAfterSeconds ?? null);
    // A stream of its own: turning late commits on leaves the faults' draws as they were.
    this.#log = new ChangeLog(
      { lateCommitRate: options.lateCommitRate ?? 0, commitLagMs: options.commitLagMs ?? 10_000 },
      seededRandom((options.seed ?? 1) + 1),
    );
    this.server = new SimulatorServer(new FaultInjector(options.faults, options.seed ?? 1, this.#clock));
    const s = this.server;
    if (options.webhook) this.webhook.configure(options.webhook);
    this.webhook.serve(s);
    this.corruptor.serveOver(s);
    serveAgentApi(s, this, (id) => this.#ticket(id));
    s.route('GET', '/_sim/applied', () => ({ status: 200, body: this.applied }), true);
    s.driftHooks({
      items: 'tickets',
      remove: (id) => this.deleteTicket(id),
      setFeedPaused: (paused) => this.setFeedPaused(paused),
      feedPaused: () => this.feedPaused,
    });
    s.route(
      'POST',
      '/_sim/backups',
      () => {
        const id = `backup-${this.#backups.size + 1}`;
        const backup = this.snapshot();
        this.#backups.set(id, backup);
        return { status: 201, body: { id, takenAt: backup.takenAt, tickets: backup.tickets.length } };
      },
      true,
    );
    s.route(
      'POST',
      '/_sim/backups/:id/restore',
      (r) => {
        const backup = this.#backups.get(r.params['id'] ?? '');
        if (!backup) throw new HttpError(404, `no backup ${r.params['id'] ?? ''}`);
        this.restoreBackup(backup, { feed: r.query.get('feed') === 'true' });
        return { status: 200, body: { restored: backup.tickets.length } };
      },
      true,
    );
    // Integration API: what the bridge's connector calls.
    s.route('GET', '/api/v1/referrals/changes', (r) =>
      this.#authorized(r.headers.authorization, () => this.#feed(r.query)),
    );
    s.route('GET', '/api/v1/tickets/:id', (r) =>
      this.#authorized(r.headers.authorization, () => ({
        status: 200,
        body: this.#public(this.#ticket(r.params['id'])),
      })),
    );
    s.route('PUT', '/api/v1/tickets/:id/status', (r) =>
      this.#authorized(r.headers.authorization, () =>
        this.#applyStatus(r.params['id'] ?? '', r.body, r.headers['x-correlation-id']),
      ),
    );
  }

  /** Every change saved, in seq order, committed or not (see ChangeLog). */
  get changes(): readonly Change[] {
    return this.#log.changes;
  }

  /** The next `count` changes commit `commitLagMs` after they are saved, shown after later ones. */
  commitLate(count = 1): void {
    this.#log.commitLate(count);
  }

  start(port = 0): Promise<string> {
    return this.server.start(port);
  }

  stop(): Promise<void> {
    return this.server.stop();
  }

  /**
   * The system's administrators rotate the integration's token (undefined: none required). Every
   * call with the old token is refused with 401 from then on, as a real system does.
   */
  rotateToken(token: string | undefined): void {
    this.#token = token;
  }

  createTicket(input: z.input<typeof newTicketSchema>): CrmTicket {
    const t = newTicketSchema.parse(input);
    for (const link of [t.duplicateOf, t.followUpOf]) if (link) this.#ticket(link);
    const ticket: CrmTicket = {
      id: `SR-${String(this.#nextId++).padStart(6, '0')}`,
      serviceCode: t.serviceCode,
      serviceName: t.serviceName,
      description: t.description,
      requestedAt: t.requestedAt ?? this.#clock(),
      contact: t.contact,
      ...requestFacts(t),
      duplicateOf: t.duplicateOf,
      followUpOf: t.followUpOf,
      status: 'open',
      lifecycleState: 'NEW',
      statusNote: null,
      expectedAt: null,
      closureReason: null,
      agency: null,
      priority: 3,
      statusVersion: 0,
      updatedAt: this.#clock(),
    };
    this.tickets.set(ticket.id, ticket);
    this.#change(ticket, 'OPENED', 'agent', null, null);
    return ticket;
  }

  /** An administrator purges a ticket: the integration API answers 404 for it from then on. */
  deleteTicket(id: string): void {
    this.#ticket(id);
    this.tickets.delete(id);
  }

  /**
   * An agent closes the ticket in the CRM by hand, not through the bridge. The status changes but
   * the bridge's status version does not (it counts the bridge's updates), and the feed shows an
   * agent's UPDATED change with the note, as a CRM's audit feed would: it carries no status.
   */
  closeByHand(id: string, note: string, closureReason: string | null = null): CrmTicket {
    const ticket = this.#ticket(id);
    Object.assign(ticket, { status: 'closed', statusNote: note, closureReason, updatedAt: this.#clock() });
    this.#change(ticket, 'UPDATED', 'agent', closureReason, note);
    return ticket;
  }

  /**
   * An agent opens the ticket for editing: until unlockTicket(), the CRM holds off a status update
   * that would be applied, answering it as `lockAnswer` says (by default 200 `{applied: false,
   * currentVersion}`, the version it still holds), as a CRM that locks records under an open edit does.
   */
  lockTicket(id: string | undefined): CrmTicket {
    const ticket = this.#ticket(id);
    this.#locks.lock(ticket.id);
    return ticket;
  }

  /** The agent saves or leaves: status updates apply again. */
  unlockTicket(id: string | undefined): CrmTicket {
    const ticket = this.#ticket(id);
    this.#locks.unlock(ticket.id);
    return ticket;
  }

  /** A copy of every ticket as it is now, and where the feed stands, for restoreBackup(). */
  snapshot(): CrmBackup {
    return {
      takenAt: this.#clock(),
      tickets: structuredClone([...this.tickets.values()]),
      feedSeq: this.changes.length,
    };
  }

  /**
   * The CRM is restored from an older backup: tickets are as they were when it was taken, so
   * statuses and versions go back and later tickets are gone. The change feed is kept, as an
   * integration outbox apart from the ticket tables would be, so the bridge's cursor stays valid;
   * new ticket ids go on from the latest, so none is handed out twice.
   *
   * With `feed`, the backup held the change table too (one database restored whole): the feed
   * goes back to the seq it had then, and the changes made from now on take the seqs the bridge
   * has already read past (its empty pages then answer that lower seq as nextCursor). Ticket ids
   * still go on from the latest, as a CRM whose id sequence is not in the restored tables would.
   */
  restoreBackup(backup: CrmBackup, options: { readonly feed?: boolean } = {}): void {
    this.tickets.clear();
    for (const t of structuredClone(backup.tickets)) this.tickets.set(t.id, t);
    if (options.feed === true) this.#log.restore(backup.feedSeq);
  }

  /** The next change reaches the feed garbled, as an upgraded or buggy CRM would send it. */
  corruptNextChange(corruption: Corruption): void {
    this.corruptor.corruptNext(corruption);
  }

  /** Paused, the feed still answers 200 but returns no changes: up, yet silent. */
  setFeedPaused(paused: boolean): void {
    this.feedPaused = paused;
  }

  declareDuplicate(id: string, parentId: string): CrmTicket {
    const ticket = this.#ticket(id);
    this.#change({ ...ticket, duplicateOf: parentId }, 'DUPLICATE_DECLARED', 'agent', null, null);
    return ticket;
  }

  cancel(id: string, reason: string, note: string | null): CrmTicket {
    const ticket = this.#ticket(id);
    this.#change(ticket, 'CANCELLED', 'agent', reason, note);
    return ticket;
  }

  #ticket(id: string | undefined): CrmTicket {
    const t = id ? this.tickets.get(id) : undefined;
    if (!t) throw new HttpError(404, `no ticket ${id ?? ''}`);
    return t;
  }

  #public(t: CrmTicket): Partial<Omit<CrmTicket, 'contact'>> {
    const { contact: _contact, ...rest } = t;
    return this.#omitEmpty ? Object.fromEntries(Object.entries(rest).filter(([, v]) => v !== null)) : rest;
  }

  #change(
    t: CrmTicket,
    kind: ChangeKind,
    actor: Change['actor'],
    closureReason: string | null,
    note: string | null,
  ): void {
    const saved = this.#log.save(
      {
        at: this.#clock(),
        ticketId: t.id,
        kind,
        actor,
        serviceCode: t.serviceCode,
        serviceName: t.serviceName,
        description: t.description,
        requestedAt: t.requestedAt,
        duplicateOf: t.duplicateOf,
        followUpOf: t.followUpOf,
        closureReason,
        note,
        ...requestFacts(t),
      },
      this.#clock(),
    );
    this.corruptor.reached(String(saved.seq));
    this.webhook.ring();
  }

  #authorized(header: string | undefined, handle: () => { status: number; body?: unknown }) {
    if (this.#token !== undefined && header !== `Bearer ${this.#token}`)
      throw new HttpError(401, 'missing or wrong bearer token');
    return handle();
  }

  #feed(query: URLSearchParams) {
    const after = Number(query.get('after') ?? '0');
    const limit = Number(query.get('limit') ?? '100');
    if (!Number.isInteger(after) || after < 0 || !Number.isInteger(limit) || limit < 1 || limit > 1000) {
      throw new HttpError(400, 'after must be a whole number >= 0 and limit 1..1000');
    }
    // Asked after a seq the feed has not reached (it went back: see restoreBackup), the feed's end.
    const page = this.#log.page(
      after,
      this.feedPaused ? 0 : limit,
      this.#clock(),
      this.#headCursor && !this.feedPaused,
    );
    const changes = page.changes.map((c) => this.corruptor.serve(String(c.seq), c));
    return { status: 200, body: { changes, nextCursor: page.nextCursor } };
  }

  #applyStatus(id: string, body: unknown, correlation: string | string[] | undefined) {
    this.statusRequests += 1;
    const ticket = this.#ticket(id);
    const u = statusUpdateSchema.parse(body);
    const tooLong = noteTooLong(u, this.#noteLength);
    if (tooLong !== null) throw new HttpError(422, tooLong);
    // Versions make the update idempotent (a repeat is acknowledged, not applied) and ordered
    // (a gap means an update went missing, which a CRM must not paper over).
    if (u.version <= ticket.statusVersion) {
      this.repeatedUpdates += 1;
      if (this.#repeatConflict) throw new HttpError(409, `version ${u.version} is held already`);
      return { status: 200, body: { applied: false, currentVersion: ticket.statusVersion } };
    }
    if (u.version !== ticket.statusVersion + 1) {
      throw new HttpError(409, `version ${u.version} skips ahead of ${ticket.statusVersion}`);
    }
    // Declined: by default in the same shape as a repeat, but with the older version it still holds.
    if (this.#locks.has(id)) {
      this.declinedUpdates += 1;
      return this.#locks.refusal(id, ticket.statusVersion);
    }
    Object.assign(ticket, {
      status: u.status,
      lifecycleState: u.lifecycleState,
      statusNote: u.statusNote,
      expectedAt: u.expectedAt,
      closureReason: u.closureReason,
      agency: u.agency,
      priority: u.priority,
      statusVersion: u.version,
      updatedAt: this.#clock(),
    });
    this.applied.push({
      ticketId: id,
      version: u.version,
      status: u.status,
      lifecycleState: u.lifecycleState,
      statusNote: u.statusNote,
      closureReason: u.closureReason,
      duplicateOf: u.duplicateOf,
      followUpOf: u.followUpOf,
      at: this.#clock(),
      correlationId: typeof correlation === 'string' ? correlation : null,
    });
    this.#change(ticket, 'UPDATED', 'integration', null, null);
    return { status: 200, body: { applied: true, currentVersion: u.version } };
  }
}
