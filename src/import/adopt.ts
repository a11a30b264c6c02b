import type { CloseloopConfig } from '../config/index.ts';
import type { CrmTicketEvent, WorkOrderEvent } from '../domain/types.ts';
import { CloseloopError } from '../errors/index.ts';
import type { Logger } from '../observability/logger.ts';
import type { Lookup } from '../sdk/index.ts';
import { checkConnector } from '../worker/connector-check.ts';

/**
 * Go-live adoption: for each ticket the export shows open, asks a department connector whether
 * its system already has a work order carrying the ticket's id as its reference, and answers
 * with the system's own observation of it (origin reconcile). The processor takes that work
 * order in place of the export's record of the department, so the bridge follows the existing
 * work order instead of creating a new one.
 */
export interface Adopter {
  readonly connector: string;
  find(opened: CrmTicketEvent): Promise<WorkOrderEvent | null>;
  close(): Promise<void>;
}

export function connectorAdopter(
  config: CloseloopConfig,
  name: string,
  logger: Logger,
  env: NodeJS.ProcessEnv = process.env,
): Adopter {
  const instance = config.connectors.find((c) => c.name === name);
  if (!instance) {
    const known = config.connectors.map((c) => c.name).join(', ') || 'none';
    throw new CloseloopError(
      'CL_ARGUMENT_INVALID',
      `--adopt ${name}: no such connector in the config (configured: ${known})`,
    );
  }
  const checked = checkConnector(instance, env, { credentials: true });
  const lookup: Lookup | undefined =
    checked.definition && checked.problems.length === 0
      ? checked.definition.lookup?.(checked.settings, {
          logger: logger.child({ connector: name }),
          env,
          clock: Date.now,
        })
      : undefined;
  if (checked.problems.length > 0) {
    throw new CloseloopError('CL_CONFIG_INVALID', `--adopt ${name}: ${checked.problems.join('; ')}`);
  }
  const readWorkOrder = lookup?.workOrder?.bind(lookup);
  if (!readWorkOrder) {
    throw new CloseloopError('CL_ARGUMENT_INVALID', `--adopt ${name}: the connector cannot look work orders up`);
  }
  return {
    connector: name,
    async find(opened) {
      // The reference is the ticket id; a connector serving several departments is asked for each.
      for (const route of checked.serves) {
        const found = await readWorkOrder({ workOrderId: opened.ticketId, ticketId: opened.ticketId, ...route });
        if (found?.ticketId === opened.ticketId) return found;
      }
      return null;
    },
    close: async () => lookup?.stop?.(),
  };
}
