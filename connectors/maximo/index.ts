import {
  CloseloopError,
  defineConnector,
  healthFrom,
  type Lookup,
  type Sink,
  type Source,
  type WorkOrderCommand,
  type WorkOrderEvent,
} from '../../src/sdk/index.ts';
import { MaximoClient, statusInstant, type MaximoWorkOrder } from './client.ts';
import { maximoConfig, type MaximoConfig } from './config.ts';
import { offsetOf } from './clocks-back.ts';
import { feedCursorProblem } from './cursor.ts';
import { Creates } from './create.ts';
import { poll } from './feed.ts';
import { fromTicket, workOrderToObservation } from './mapping.ts';
import { deliverUpdate } from './updates.ts';

function client(config: MaximoConfig, env: NodeJS.ProcessEnv): MaximoClient {
  return new MaximoClient({ ...config, apiKey: env[config.apiKeyEnv] });
}

function siteOf(config: MaximoConfig, department: string): string {
  const site = config.departments[department];
  if (site === undefined)
    throw new CloseloopError('CL_CONNECTOR_REJECTED', `department ${department} is not served by this Maximo instance`);
  return site;
}

/**
 * A Maximo-like work management system, through the REST/JSON API of its MXWO object structure.
 * Sink: a command becomes a work order at its department's site, carrying the ticket as its
 * originating record (origrecordid, class SR) and the bridge's work-order id as externalrefid,
 * by which every later command finds it; cancels, priorities, notes and review requests are
 * PATCHes. Source: work orders by changedate, as events with their raw status codes. Lookup: a
 * work order's current status, as the same event.
 */
export const maximo = defineConnector<typeof maximoConfig, WorkOrderCommand, WorkOrderEvent>({
  name: 'maximo',
  description: 'Maximo-like work management (MXWO over the REST/JSON API): commands in, status changes out.',
  config: maximoConfig,
  sourceTopic: 'deptEvents',
  cursorProblem: feedCursorProblem,
  sinkTopic: 'commands',
  serves: (config) => Object.keys(config.departments).map((department) => ({ system: config.system, department })),
  credentials: (config) => [config.apiKeyEnv],
  source: (config, ctx): Source<WorkOrderEvent> => {
    const api = client(config, ctx.env);
    // Said once a process: the hour the clocks repeat is read right only with the server's zone.
    let advised = config.timeZone !== undefined;
    const dated = (changedate: string) => {
      if (advised || !offsetOf(changedate)) return;
      advised = true;
      ctx.logger.warn(
        { changedate },
        "Maximo writes its dates with a UTC offset and the connector has no timeZone: if the server's zone " +
          'sets its clocks back, changes saved in the hour they repeat can be missed (see the README); set ' +
          "timeZone to the Maximo server's IANA zone",
      );
    };
    return {
      poll: (cursor, signal) => poll(api, config, cursor, { now: ctx.clock(), logger: ctx.logger, signal, dated }),
      health: () => healthFrom(() => api.ping()),
    };
  },
  sink: (config, ctx): Sink<WorkOrderCommand> => {
    const api = client(config, ctx.env);
    const creates = new Creates({ api, settleMs: config.timeoutMs, clock: ctx.clock, logger: ctx.logger });
    // Every command but CREATE is for a work order the bridge made, or one the feed published
    // under its own id (byWorkOrderId); Maximo has none: a data error.
    const existing = async (c: WorkOrderCommand, withWorklog = false): Promise<MaximoWorkOrder> => {
      const site = siteOf(config, c.department);
      const wo = await api.byWorkOrderId(c.workOrderId, site, withWorklog);
      if (!wo)
        throw new CloseloopError(
          'CL_CONNECTOR_REJECTED',
          `Maximo has no work order with externalrefid ${c.workOrderId}, nor one numbered so at site ${site}`,
        );
      return wo;
    };
    return {
      accepts: (c) => c.system === config.system && Object.hasOwn(config.departments, c.department),
      async deliver(c, signal) {
        // CREATE looks first, and waits for a save still under way before posting again (see Creates).
        if (c.kind === 'CREATE') return creates.deliver(c, siteOf(config, c.department), signal);
        return deliverUpdate({ ...c, kind: c.kind }, { api, config, find: existing, logger: ctx.logger });
      },
      health: () => healthFrom(() => api.ping()),
    };
  },
  lookup: (config, ctx): Lookup => {
    const api = client(config, ctx.env);
    return {
      async workOrder(ref) {
        // A query at another site would find nothing, which would read as deleted.
        if (ref.system !== config.system || !Object.hasOwn(config.departments, ref.department))
          throw new CloseloopError(
            'CL_CONNECTOR_REJECTED',
            `work order ${ref.workOrderId} is for ${ref.system}/${ref.department}, which this connector does not serve`,
          );
        const wo = await api.byWorkOrderId(ref.workOrderId, siteOf(config, ref.department));
        if (!wo || !fromTicket(wo)) return null;
        // The observation's time is its status date, which must name an instant here.
        const statusdate = statusInstant(wo);
        // Under the id asked for: a copy found by its own (site/wonum) may still hold the bridge's
        // reference, and named by that its state would be taken for the bridge's work order's.
        const observed = { ...wo, statusdate };
        return workOrderToObservation(observed, ref.department, config.jurisdiction, config.system, ref.workOrderId);
      },
      health: () => healthFrom(() => api.ping()),
    };
  },
});
