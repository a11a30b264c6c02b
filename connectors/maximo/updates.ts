import { CloseloopError, type Logger, type WorkOrderCommand } from '../../src/sdk/index.ts';
import { transactionIdOf, type MaximoClient, type MaximoWorkOrder, type WorkOrderUpdate } from './client.ts';
import type { MaximoConfig } from './config.ts';
import { internalStatus, logged, worklogEntry } from './mapping.ts';

/** Statuses after which a cancel has nothing left to stop. */
const FINAL = new Set(['COMP', 'CLOSE', 'CAN']);
/** Maximo's history statuses: it keeps such a work order read-only, its priority and work log too. */
const HISTORY = new Set(['CLOSE', 'CAN']);

type Update = Exclude<WorkOrderCommand['kind'], 'CREATE'>;

/**
 * What a command asks of its work order, and whether the work order shows it: a PATCH is made
 * only when it does not. A PATCH Maximo answers 409 as to a write it committed already (the
 * command's transactionid seen: an earlier answer was lost) is checked against the work order
 * read again, as a 409 for another reason would otherwise count as delivered with nothing done;
 * only a note on a work order read without its work log (an object structure without WORKLOG)
 * cannot be checked, and the 409 is taken at its word.
 */
interface Step {
  readonly withWorklog: boolean;
  readonly body: WorkOrderUpdate;
  done(wo: MaximoWorkOrder): boolean;
  /**
   * What it comes to on a work order in history (see HISTORY), which Maximo would refuse with 400:
   * `moot`, nothing left to do (a priority for finished work); `lost`, what it carries has nowhere
   * to go (a note, a review request), a data error for a person to see in the dead letters.
   */
  readonly inHistory: 'moot' | 'lost';
}

/**
 * A cancel's reason as its status memo. Maximo refuses a whole status change whose memo is longer
 * than its memo column (BMXAA4049E inside BMXAA4590E), and a cancel refused for its wording would
 * leave a crew on its way to a withdrawn request: so the memo is cut to statusMemoLength, and a
 * reason that does not fit goes whole into the work log in the same PATCH.
 */
function cancelMemo(c: WorkOrderCommand, reason: string, config: MaximoConfig): WorkOrderUpdate {
  if (reason.length <= config.statusMemoLength) return { np_statusmemo: reason };
  return {
    np_statusmemo: `${reason.slice(0, config.statusMemoLength - 1).trimEnd()}…`,
    worklog: [worklogEntry(c, config.noteLogType, reason)],
  };
}

function stepOf(c: WorkOrderCommand & { kind: Update }, config: MaximoConfig): Step | null {
  switch (c.kind) {
    case 'CANCEL': {
      const reason = [c.reason, c.note].filter(Boolean).join(': ') || 'Cancelled from 311';
      return {
        withWorklog: false,
        inHistory: 'moot',
        done: (wo) => FINAL.has(internalStatus(wo)),
        body: { status: 'CAN', ...cancelMemo(c, reason, config) },
      };
    }
    case 'UPDATE_PRIORITY':
      return {
        withWorklog: false,
        inHistory: 'moot',
        done: (wo) => wo.wopriority === c.priority,
        body: { wopriority: c.priority },
      };
    case 'ADD_NOTE': {
      const note = c.note;
      if (!note) return null;
      return {
        withWorklog: true,
        inHistory: 'lost',
        done: (wo) => logged(wo, c),
        body: { worklog: [worklogEntry(c, config.noteLogType, note)] },
      };
    }
    case 'REVIEW': {
      // A follow-up log entry asks a supervisor to look at the finished work again.
      const text = c.note ?? '311 follow-up: the requester reports the work is not done.';
      return {
        withWorklog: true,
        inHistory: 'lost',
        done: (wo) => logged(wo, c),
        body: { worklog: [worklogEntry(c, config.reviewLogType, text)] },
      };
    }
  }
}

/**
 * A command for a work order Maximo keeps in history, not sent: Maximo would refuse it with 400,
 * a refusal that counts toward the sink's breaker like any other of its status. A priority is
 * moot and delivered, logged; a note or review request has nowhere to go and is refused here as
 * a data error (CL_CONNECTOR_REJECTED, no HTTP status: it counts toward no breaker), dead-lettered
 * with its provenance for a person to see.
 */
function inHistory(c: WorkOrderCommand, wo: MaximoWorkOrder, step: Step, logger: Logger): void {
  const where = { ticketId: c.ticketId, commandId: c.commandId, wonum: wo.wonum, siteid: wo.siteid, status: wo.status };
  if (step.inHistory === 'moot') {
    logger.info(
      where,
      `${c.kind} for a work order in Maximo's history (${wo.status}), which is read-only: nothing to do`,
    );
    return;
  }
  throw new CloseloopError(
    'CL_CONNECTOR_REJECTED',
    `work order ${wo.siteid}/${wo.wonum} is ${wo.status} in Maximo, a history status it keeps read-only: ` +
      `the ${c.kind} of ticket ${c.ticketId} cannot be added to its work log`,
    { details: { wonum: wo.wonum, siteid: wo.siteid, status: wo.status } },
  );
}

/**
 * Every command but CREATE, for the work order the bridge made: looked up by its reference
 * (`find`, which refuses a missing one), PATCHed unless it shows the command already.
 */
export async function deliverUpdate(
  c: WorkOrderCommand & { kind: Update },
  o: {
    api: MaximoClient;
    config: MaximoConfig;
    find: (c: WorkOrderCommand, withWorklog: boolean) => Promise<MaximoWorkOrder>;
    logger: Logger;
  },
): Promise<void> {
  const step = stepOf(c, o.config);
  if (step === null) return;
  const wo = await o.find(c, step.withWorklog);
  if (step.done(wo)) return;
  if (HISTORY.has(internalStatus(wo))) return inHistory(c, wo, step, o.logger);
  if ((await o.api.update(wo, step.body, transactionIdOf(c.commandId))) === 'updated') return;
  const now = await o.find(c, step.withWorklog);
  if (step.done(now)) return;
  if (step.withWorklog && now.worklog === undefined) {
    o.logger.info(
      { ticketId: c.ticketId, commandId: c.commandId, wonum: wo.wonum, siteid: wo.siteid },
      'Maximo answered 409 to a work log entry sent again, and reads the work order without its work log: taken as delivered',
    );
    return;
  }
  throw new CloseloopError(
    'CL_CONNECTOR_REJECTED',
    `Maximo answered 409 to the ${c.kind} of work order ${wo.siteid}/${wo.wonum}, as to a write it committed ` +
      'already, but the work order does not show it',
    { details: { httpStatus: 409, wonum: wo.wonum, siteid: wo.siteid } },
  );
}
