import { IMPORT_SYSTEM } from './import.ts';
import { scrubPii } from './pii.ts';
import { isServed } from './policy.ts';
import { BRIDGE_ORIGIN, childEnvelope, IMPORT_ORIGIN, type DecideContext } from './context.ts';
import type { CommandKind, Decision, TicketStatusChange, Violation, WorkOrderCommand } from './outputs.ts';
import type { TicketState, WorkOrderRecord } from './state.ts';
import { clip, clipOrNull } from './text.ts';
import type { Envelope, LinkType, TicketLinkMessage, ViolationKind } from './types.ts';

/**
 * Collects one decision's outputs. Each output's id is the input event id plus a running
 * suffix, so deciding the same input twice yields identical records.
 */
export class Draft {
  readonly statuses: TicketStatusChange[] = [];
  readonly commands: WorkOrderCommand[] = [];
  readonly links: TicketLinkMessage[] = [];
  readonly violations: Violation[] = [];
  #n = 0;
  /** The CRM's own due date, set while deciding an imported OPENED event: the SLA clock keeps to it. */
  crmDueAt: number | null = null;

  readonly input: Envelope;
  readonly ctx: DecideContext;

  constructor(input: Envelope, ctx: DecideContext) {
    this.input = input;
    this.ctx = ctx;
  }

  // Some cities' departments must not hold citizens' contact data; the CRM keeps it. Cut after
  // scrubbing, which may lengthen a text.
  #description(text: string | null): string | null {
    if (text === null) return null;
    return clip(this.ctx.policy.scrubDescriptions === true ? scrubPii(text) : text, 'description');
  }

  envelope(kind: string): Envelope {
    this.#n += 1;
    return childEnvelope(this.input, this.ctx, `${kind}-${this.#n}`);
  }

  /**
   * The envelope of a record that is live news whatever caused it: history changing a ticket the
   * CRM has had live statuses of (see publish). It happens now, and sinks deliver it.
   */
  liveEnvelope(kind: string): Envelope {
    this.#n += 1;
    return childEnvelope({ ...this.input, origin: BRIDGE_ORIGIN }, this.ctx, `${kind}-${this.#n}`);
  }

  violation(
    ticketId: string,
    kind: ViolationKind,
    detail: string,
    where: {
      department?: string | null;
      system?: string | null;
      rawStatus?: string | null;
      workOrderId?: string | null;
      linkType?: LinkType | null;
    } = {},
  ): void {
    this.violations.push({
      envelope: this.envelope('violation'),
      ticketId,
      kind,
      department: where.department ?? null,
      system: where.system ?? null,
      rawStatus: where.rawStatus ?? null,
      workOrderId: where.workOrderId ?? null,
      sourceEventId: this.input.eventId,
      // A detail quotes what it is about (a link's note, an operator's reason): cut like them.
      detail: clip(detail, 'composed'),
      linkType: where.linkType ?? null,
    });
  }

  command(
    t: TicketState,
    kind: CommandKind,
    wo: Pick<WorkOrderRecord, 'workOrderId' | 'department' | 'system'>,
    extra: { reason?: string | null; note?: string | null } = {},
  ): boolean {
    // A command no connector takes would wait in its topic unread, and the ticket on it unseen:
    // history's work order (the pseudo-system "import", until the department's own is adopted)
    // or a route no configured sink serves. Recorded instead, where operators look; false tells
    // a caller that waits for an answer to it that none will come.
    const history = wo.system === IMPORT_SYSTEM;
    if (history || !isServed(this.ctx.policy, wo)) {
      const why = history
        ? "it is the history import's record of the work; the department's own work order is not adopted yet"
        : `no connector serves ${wo.department} on ${wo.system}`;
      this.violation(t.ticketId, 'NO_CONNECTOR', `${kind} for work order ${wo.workOrderId} not sent: ${why}`, {
        department: wo.department,
        system: wo.system,
        workOrderId: wo.workOrderId,
      });
      return false;
    }
    // A command goes to a department's own system, which history has not told: it is live news
    // whatever caused it (an export's link answered, a job adopted), and a sink passes history over.
    const live = this.input.origin === IMPORT_ORIGIN;
    const envelope = live
      ? this.liveEnvelope(`command-${kind.toLowerCase()}`)
      : this.envelope(`command-${kind.toLowerCase()}`);
    this.commands.push({
      envelope,
      commandId: envelope.eventId,
      ticketId: t.ticketId,
      kind,
      department: wo.department,
      system: wo.system,
      workOrderId: wo.workOrderId,
      serviceCode: t.serviceCode,
      description: kind === 'CREATE' ? this.#description(t.description) : null,
      priority: t.priority,
      reason: extra.reason ?? null,
      // Notes the bridge writes name tickets by id; cut here, every command's note is bounded.
      note: clipOrNull(extra.note ?? null, 'note'),
    });
    return true;
  }

  link(
    to: string,
    from: string,
    kind: TicketLinkMessage['kind'],
    linkType: LinkType,
    extra: Partial<
      Pick<TicketLinkMessage, 'parentState' | 'parentNote' | 'parentExpectedAt' | 'parentSettled' | 'reason'>
    > = {},
  ): void {
    this.links.push({
      envelope: this.envelope('link'),
      ticketId: to,
      fromTicketId: from,
      kind,
      linkType,
      parentState: extra.parentState ?? null,
      parentNote: clipOrNull(extra.parentNote ?? null, 'composed'),
      parentExpectedAt: extra.parentExpectedAt ?? null,
      parentSettled: extra.parentSettled ?? false,
      reason: extra.reason ?? null,
    });
  }

  done(state: TicketState | null, stateChanged: boolean): Decision {
    return {
      state,
      stateChanged,
      statuses: this.statuses,
      commands: this.commands,
      links: this.links,
      violations: this.violations,
      alerts: [],
    };
  }
}
