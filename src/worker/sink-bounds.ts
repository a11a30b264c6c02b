import type { CloseloopConfig, ConnectorInstance } from '../config/index.ts';
import { accountableFor } from '../domain/index.ts';
import type { SinkRunnerOptions } from '../runtime/index.ts';

/**
 * What a connector instance and the config say of how far its sink runner goes with records that
 * keep failing (see DeliveryBounds): the delivery-cycle bound, where its DELIVERY_EXHAUSTED
 * alerts go and for whom, and the breaker. Its own module so worker.ts, which wires every runner,
 * stays under 400 lines.
 */
export function sinkBounds(
  config: CloseloopConfig,
  instance: ConnectorInstance,
): Pick<SinkRunnerOptions<unknown>, 'maxDeliveryCycles' | 'alerts' | 'breakAfterSameStatus'> {
  return {
    ...(instance.maxDeliveryCycles === undefined ? {} : { maxDeliveryCycles: instance.maxDeliveryCycles }),
    ...(instance.breakAfterSameStatus === undefined ? {} : { breakAfterSameStatus: instance.breakAfterSameStatus }),
    alerts: {
      topic: config.topics.alerts,
      jurisdiction: config.jurisdiction,
      accountable: (d) => accountableFor(config.policy, d),
    },
  };
}
