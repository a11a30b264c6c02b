import type { InboundEvent } from '../../src/domain/index.ts';
import { createInMemoryMessaging, readToEnd, type Messaging } from '../../src/messaging/index.ts';
import type { Cleanup } from './cleanup.ts';
import { crm } from './domain.ts';
import { inMemoryProcessor, inMemorySetup, sendEach, untilInputsRead } from './in-memory-processor.ts';

/**
 * A bridge on the in-memory messaging holding `ids` as open tickets at status v1 (v2 with the
 * work order `work` gives each, when given), its processor stopped (unless `running`), and a
 * config that judges tickets however recently they changed (settleSeconds 0).
 */
export async function openOnBridge(
  cleanup: Cleanup,
  ids: readonly string[],
  work?: (id: string) => InboundEvent,
  o: { running?: boolean } = {},
) {
  const base = await inMemorySetup(cleanup, 1);
  const messaging = createInMemoryMessaging();
  const { processor } = await inMemoryProcessor(cleanup, { ...base, messaging });
  await sendEach(
    messaging.producer(),
    base,
    ids.map((id) => crm(id, 'OPENED', 1, { serviceCode: 'POTHOLE' })),
  );
  await untilInputsRead(messaging.admin(), base.config);
  // After the tickets are opened: the two input topics are not ordered against each other.
  if (work) {
    await sendEach(messaging.producer(), base, ids.map(work));
    await untilInputsRead(messaging.admin(), base.config);
  }
  if (!o.running) await processor.stop();
  const config = { ...base.config, reconcile: { ...base.config.reconcile, settleSeconds: 0 } };
  /** Has the running processor take `events` as the next step (running only). */
  const step = async (events: readonly InboundEvent[]) => {
    await sendEach(messaging.producer(), base, events);
    await untilInputsRead(messaging.admin(), base.config);
  };
  return { config, messaging, serde: base.serde, step };
}

/** The reconciliation cursor as last stored, parsed; null when none is. */
export async function storedCursor(messaging: Messaging, topic: string): Promise<unknown> {
  let cursor: unknown = null;
  await readToEnd(messaging, messaging.admin(), topic, 'all', (r) => {
    if (r.key?.toString('utf8').startsWith('reconcile:')) cursor = r.value && JSON.parse(r.value.toString('utf8'));
  });
  return cursor;
}
