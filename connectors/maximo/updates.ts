import { CloseloopError, type WorkOrderCommand } from '../../src/sdk/index.ts';
import { transactionIdOf, type MaximoClient, type MaximoWorkOrder, type WorkOrderUpdate } from './client.ts';
import type { MaximoConfig } from './config.ts';
import { internalStatus, logged, worklogEntry } from './mapping.ts';

/** Statuses after which a cancel has nothing left to stop. */
const FINAL = new Set(['COMP', 'CLOSE', 'CAN']);

type Update = Exclude<WorkOrderCommand['kind'], 'CREATE'>;

/**
 * What a command asks of its work order, and whether the work order shows it: a PATCH is made
 * only when it does not. A PATCH Maximo answers 409, as committed already under the command's
 * transactionid (an earlier answer was lost), is done; a cancel's is checked against the work
 * order read again all the same (`checked`), as a crew sent to a withdrawn request is what a
 * cancel that never landed costs, and nothing can have undone a cancel. A note's is not: an
 * object structure without the work log (MXWO may be one) never shows one, and a priority may
 * have been changed again since by a planner.
 */
interface Step {
  readonly withWorklog: boolean;
  readonly checked: boolean;
  done(wo: MaximoWorkOrder): boolean;
  body(wo: MaximoWorkOrder): WorkOrderUpdate;
}

function stepOf(c: WorkOrderCommand & { kind: Update }, config: MaximoConfig): Step | null {
  switch (c.kind) {
    case 'CANCEL': {
      const memo = [c.reason, c.note].filter(Boolean).join(': ') || 'Cancelled from 311';
      return {
        withWorklog: false,
        checked: true,
        done: (wo) => FINAL.has(internalStatus(wo)),
        body: () => ({ status: 'CAN', np_statusmemo: memo }),
      };
    }
    case 'UPDATE_PRIORITY':
      return {
        withWorklog: false,
        checked: false,
        done: (wo) => wo.wopriority === c.priority,
        body: () => ({ wopriority: c.priority }),
      };
    case 'ADD_NOTE': {
      const note = c.note;
      if (!note) return null;
      return {
        withWorklog: true,
        checked: false,
        done: (wo) => logged(wo, c),
        body: () => ({ worklog: [worklogEntry(c, config.noteLogType, note)] }),
      };
    }
    case 'REVIEW': {
      // A follow-up log entry asks a supervisor to look at the finished work again.
      const text = c.note ?? '311 follow-up: the requester reports the work is not done.';
      return {
        withWorklog: true,
        checked: false,
        done: (wo) => logged(wo, c),
        body: () => ({ worklog: [worklogEntry(c, config.reviewLogType, text)] }),
      };
    }
  }
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
  },
): Promise<void> {
  const step = stepOf(c, o.config);
  if (step === null) return;
  const wo = await o.find(c, step.withWorklog);
  if (step.done(wo)) return;
  if ((await o.api.update(wo, step.body(wo), transactionIdOf(c.commandId))) === 'updated' || !step.checked) return;
  if (step.done(await o.find(c, step.withWorklog))) return;
  throw new CloseloopError(
    'CL_CONNECTOR_REJECTED',
    `Maximo answered 409 to the ${c.kind} of work order ${wo.siteid}/${wo.wonum}, as to a write it committed ` +
      'already, but the work order does not show it',
    { details: { httpStatus: 409, wonum: wo.wonum, siteid: wo.siteid } },
  );
}
