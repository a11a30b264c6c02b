import type { CloseloopConfig } from '../config/index.ts';
import type { AlertRecord } from '../domain/index.ts';
import { CloseloopError } from '../errors/index.ts';
import { requireTopics, type AvroSerde, type Messaging, type MessagingAdmin } from '../messaging/index.ts';
import type { Logger } from '../observability/logger.ts';
import { restorePartitions } from '../processor/index.ts';
import { changelogEnds } from '../processor/changelog-guard.ts';
import { committedInputs } from '../processor/input-offsets.ts';
import { inputRoutes } from '../processor/repartition.ts';

/**
 * For `closeloop alerts ack` of an alert that clears by itself while its owner exists: why it
 * may be acknowledged (its owner is gone), or CL_ARGUMENT_INVALID saying who clears it.
 *
 * CONNECTOR_SILENT: no connector entry of the config runs its connector's source (none names it,
 * or its entry says `source: false`), so no worker of this config watches it or ever clears its
 * alert. One whose source runs clears when records flow, or by the worker running it once its
 * `silence:` is dropped (SilenceWatch).
 * With several workers, each with a config of its own, the command must be run with the config
 * of the workers that ran the connector: another's does not list it.
 *
 * A ticket's alert (STUCK_*, STATUS_UNCONFIRMED, WORK_ORDER_SILENT, EXPECTED_DATE_PASSED): the
 * ticket is in no partition's state, as the processor would restore it from the changelog (a
 * partition started on an empty state with processor.acceptEmptyState, say), so no sweep will
 * ever clear it. Refused while a changelog partition is lost and not yet started on again (it
 * ends at 0 though the processor's group read its input: see refusedPartitions): its tickets may
 * still be restored, their alerts with them.
 */
export function ownerGone(
  config: CloseloopConfig,
  c: { messaging: Messaging; admin: MessagingAdmin; serde: AvroSerde; logger: Logger },
): (alert: AlertRecord) => Promise<string> {
  return async (a) => {
    if (a.reason === 'CONNECTOR_SILENT') {
      const connector = a.connector ?? '';
      const entry = config.connectors.find((i) => i.name === connector);
      if (entry?.source)
        throw refused(
          a,
          `connector ${connector} runs its source under the config: the worker running it clears the alert when records flow again, or once its silence: cadence is dropped`,
        );
      return entry
        ? `connector ${connector} runs no source under the config (source: false)`
        : `connector ${connector} is in no connector entry of the config`;
    }
    const ticketId = a.ticketId;
    if (ticketId === null) throw refused(a, 'it names no ticket and no connector');
    const topic = config.topics.state;
    await requireTopics(c.admin, [topic]);
    const partitions = (await c.admin.topicOffsets(topic)).map((o) => o.partition).sort((x, y) => x - y);
    const ends = await changelogEnds(c.admin, topic, partitions);
    const empty = partitions.filter((p) => ends.get(p) === 0n);
    // Only the inputs there are: a foreign input's repartition topic exists once something used it.
    const existing = new Set(await c.admin.listTopics());
    const inputs = [...inputRoutes(config).keys()].filter((t) => existing.has(t));
    const committed = await committedInputs(c.admin, config.processor.groupId, inputs, empty);
    const lost = empty.filter((p) => (committed.get(p) ?? []).some((o) => BigInt(o.offset) > 0n));
    if (lost.length > 0)
      throw refused(
        a,
        `partition(s) ${lost.join(', ')} of the state changelog ${topic} hold no record though the processor read their input: restore them, or start the processor on them (processor.acceptEmptyState) until its first commit there, then acknowledge`,
      );
    const restored = await restorePartitions(c.messaging, c.admin, c.serde, topic, partitions, {
      log: c.logger,
      keyPartitions: config.processor.partitions,
    });
    const holder = [...restored.stores].find(([, store]) => store.has(ticketId));
    if (holder)
      throw refused(
        a,
        `ticket ${ticketId} is in the state of partition ${holder[0]}: the sentinel clears the alert when the ticket moves`,
      );
    return `ticket ${ticketId} is in no partition's state on ${topic}`;
  };
}

function refused(a: AlertRecord, why: string): CloseloopError {
  return new CloseloopError('CL_ARGUMENT_INVALID', `alert ${a.alertId} is ${a.reason}, and ${why}`, {
    details: { alertId: a.alertId, reason: a.reason },
  });
}
