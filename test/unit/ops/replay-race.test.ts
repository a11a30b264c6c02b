import { expect, it } from 'vitest';
import { CloseloopError } from '../../../src/errors/index.ts';
import {
  createInMemoryMessaging,
  deadLetter,
  deadLetterTopic,
  readToEnd,
  type IncomingRecord,
} from '../../../src/messaging/index.ts';
import { replayDeadLetters, type DeadLetterScope, type ReplayAudit } from '../../../src/ops/index.ts';
import { overTransaction, wrapMessaging } from '../../support/recording-messaging.ts';
import { gate } from '../../support/gate.ts';
import { until } from '../../support/wait.ts';

const TOPIC = 'bridge.work-order-commands.v1';
const DLQ = deadLetterTopic(TOPIC);
const AUDIT = 'closeloop.dlq-replays';

it('fails a replay that another one overtook with a message saying so, and the letters go out once', async () => {
  const inner = createInMemoryMessaging();
  const admin = inner.admin();
  await admin.ensureTopics([TOPIC, DLQ, AUDIT].map((topic) => ({ topic, partitions: 1 })));
  const failed = (offset: number, key: string): IncomingRecord => ({
    topic: TOPIC,
    partition: 0,
    offset: String(offset),
    key: Buffer.from(key),
    value: Buffer.from(`command of ${key}`),
    headers: {},
    timestamp: '0',
  });
  const error = new CloseloopError('CL_DELIVERY_EXHAUSTED', 'the department did not take it');
  await inner
    .producer()
    .send(DLQ, [
      deadLetter(failed(0, 'SR-1'), error, 'maximo', Date.now()),
      deadLetter(failed(1, 'SR-2'), error, 'maximo', Date.now()),
    ]);
  const scope: DeadLetterScope = {
    deadLetterTopics: [DLQ],
    audit: { topic: AUDIT, partitions: 1 },
    transactionalId: 'r',
  };
  const filter = { code: 'CL_DELIVERY_EXHAUSTED' };

  // The first replay's commit waits at the gate; the second runs whole meanwhile.
  const commitGate = gate();
  let held = false;
  const slow = wrapMessaging(inner, {
    transaction: (tx) =>
      overTransaction(tx, {
        commit: async () => {
          held = true;
          await commitGate.opened;
          return tx.commit();
        },
      }),
  });
  const first = replayDeadLetters(slow, admin, filter, 'oncall-1', scope).then(
    () => null,
    (e: unknown) => e,
  );
  await until('the first replay at its commit', () => held);
  const second = await replayDeadLetters(inner, admin, filter, 'oncall-2', scope);
  expect(second.deadLetters).toEqual([`${DLQ}:0:0`, `${DLQ}:0:1`]);
  commitGate.open();

  const err = await first;
  expect(err).toBeInstanceOf(CloseloopError);
  expect([(err as CloseloopError).code, (err as CloseloopError).message]).toEqual([
    'CL_KAFKA_FENCED',
    'replaying dead letters: another replay under transactional id r began while this one ran and took the id; ' +
      'this one re-sent nothing and recorded nothing (its transaction was aborted). Run it again to re-send what the other left.',
  ]);
  const resent: string[] = [];
  await readToEnd(inner, admin, TOPIC, 'all', (r) => void resent.push(r.key?.toString() ?? ''));
  expect(resent).toEqual(['SR-1', 'SR-2']);
  const audits: ReplayAudit[] = [];
  await readToEnd(inner, admin, AUDIT, 'all', (r) => void audits.push(JSON.parse(r.value?.toString() ?? '{}')));
  expect(audits.map((a) => a.by)).toEqual(['oncall-2']);
});
