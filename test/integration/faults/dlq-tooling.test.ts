import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { runOps } from '../../../src/cli/ops-commands.ts';
import type { CloseloopConfig } from '../../../src/config/index.ts';
import type { Messaging, MessagingAdmin } from '../../../src/messaging/index.ts';
import { createLogger } from '../../../src/observability/logger.ts';
import { deadLetterScope, listDeadLetters, REPLAY_HEADER, replayDeadLetters } from '../../../src/ops/index.ts';
import { recordFault } from '../../support/fault-report.ts';
import { overTransaction, wrapMessaging } from '../../support/recording-messaging.ts';
import { testMessaging } from '../../support/kafka.ts';
import { readCommittedRaw, testConfig, testProcessor } from '../../support/processor.ts';
import { cleanupAfter } from '../../support/cleanup.ts';

const cleanup = cleanupAfter('all');

const logger = createLogger({ level: 'silent' });

/** A pipeline whose processor dead-letters every record below: none of them decodes. */
async function pipeline(messaging: Messaging, admin: MessagingAdmin, name: string, count: number) {
  const { config, file } = await testConfig(2);
  const processor = testProcessor(config, messaging);
  await processor.start();
  cleanup.push(() => processor.stop());
  const values = Array.from({ length: count }, (_, i) => `garbage ${name} ${i}`);
  const producer = messaging.producer();
  await producer.connect();
  await producer.send(
    config.topics.crmEvents,
    values.map((v, i) => ({ key: `${name}-${i}`, value: Buffer.from(v) })),
  );
  await producer.disconnect();
  const scope = deadLetterScope(config);
  const deadLetters = () => listDeadLetters(messaging, admin, {}, scope.deadLetterTopics);
  return { config, file, scope, values, deadLetters, awaitDeadLetters: (n: number) => awaitAsync(deadLetters, n) };
}

async function awaitAsync(read: () => Promise<readonly unknown[]>, n: number): Promise<void> {
  let seen = 0;
  const deadline = Date.now() + 60_000;
  while (seen < n) {
    if (Date.now() > deadline) throw new Error(`only ${seen} of ${n} dead letters`);
    seen = (await read()).length;
  }
}

/**
 * Messaging whose replay transactions die just before their commit, as a killed process would;
 * `sent` names the topics they wrote to.
 */
function crashingBeforeCommit(inner: Messaging): { messaging: Messaging; sent: Set<string> } {
  const sent = new Set<string>();
  const crash = () => Promise.reject(new Error('crash before commit'));
  const messaging = wrapMessaging(inner, {
    transaction: (tx) =>
      overTransaction(tx, {
        send: async (topic, records) => {
          await tx.send(topic, records);
          sent.add(topic);
        },
        commit: crash,
        abort: crash,
      }),
  });
  return { messaging, sent };
}

/** How often each value was written to the pipeline's CRM input: once sent, plus each re-send. */
async function sends(messaging: Messaging, config: CloseloopConfig): Promise<Map<string, number>> {
  const counts = new Map<string, number>();
  for (const r of await readCommittedRaw(messaging, config.topics.crmEvents)) {
    const v = r.value?.toString('utf8') ?? '';
    counts.set(v, (counts.get(v) ?? 0) + 1);
  }
  return counts;
}

describe('dead-letter tooling', () => {
  it('refuses a bad filter at once, before connecting to Kafka', async () => {
    const { config, file } = await testConfig(1);
    // Nothing listens there: had the command connected, it would hang on retries.
    const offline: CloseloopConfig = { ...config, kafka: { ...config.kafka, brokers: ['127.0.0.1:1'] } };
    const out: string[] = [];
    const errors: string[] = [];
    const started = performance.now();
    const code = await runOps(
      'dlq',
      'list',
      { since: 'yesterday' },
      offline,
      logger,
      (l) => out.push(l),
      (l) => errors.push(l),
    );
    const refusedAfterMs = performance.now() - started;
    expect(code).toBe(2);
    expect(out).toEqual([]);
    expect(errors.join('\n')).toContain('--since must be an ISO-8601 instant');
    expect(errors.join('\n')).toContain('--since 2024-05-01T00:00:00Z');
    expect(refusedAfterMs).toBeLessThan(200);

    // The same from the command line: exit 2, the option named on stderr.
    const cli = promisify(execFile);
    const run = cli(process.execPath, ['src/cli/main.ts', 'dlq', 'list', '--since', 'yesterday', '--config', file], {
      env: { ...process.env, LOG_LEVEL: 'silent' },
    });
    await expect(run).rejects.toMatchObject({ code: 2, stderr: expect.stringContaining('--since') });
    recordFault({
      path: '8 dlq list bad filter',
      detectedAfterMs: refusedAfterMs,
      recovered: true,
      lost: 0,
      duplicated: 0,
    });
  }, 60_000);

  it('lists and replays one pipeline only, each dead letter at most once across replays', async () => {
    const messaging = testMessaging();
    const admin = messaging.admin();
    await admin.connect();
    cleanup.push(() => admin.disconnect());
    const a = await pipeline(messaging, admin, 'a', 3);
    const b = await pipeline(messaging, admin, 'b', 2);
    await a.awaitDeadLetters(3);
    await b.awaitDeadLetters(2);

    // Each config sees its own dead letters only.
    expect((await a.deadLetters()).map((d) => d.key).sort()).toEqual(['a-0', 'a-1', 'a-2']);
    expect((await b.deadLetters()).map((d) => d.key).sort()).toEqual(['b-0', 'b-1']);

    // The cause is not fixed: each replayed record fails again and is dead-lettered anew.
    const first = await replayDeadLetters(messaging, admin, {}, 'ops@city', a.scope);
    expect(first.deadLetters).toHaveLength(3);
    await a.awaitDeadLetters(6);
    const descendants = (await a.deadLetters()).filter((d) => d.headers[REPLAY_HEADER]);
    expect(descendants.map((d) => d.headers[REPLAY_HEADER]?.toString()).sort()).toEqual([...first.deadLetters].sort());

    // Detected: how long the second replay took to recognise every descendant as already replayed.
    const secondStarted = Date.now();
    const second = await replayDeadLetters(messaging, admin, {}, 'ops@city', a.scope);
    const detectedAfterMs = Date.now() - secondStarted;
    expect(second.deadLetters).toEqual([]);
    expect(second.skipped).toHaveLength(6);
    // The first of each line was re-sent; the one it left names the option that re-sends it.
    const hint = `failed again after replay ${first.replayId}; once the cause is fixed, re-send it with --again --reason TEXT`;
    const reasons = (ids: readonly string[]) => second.skipped.filter((s) => ids.includes(s.id)).map((s) => s.reason);
    expect(reasons(first.deadLetters)).toEqual(Array(3).fill(`already replayed by ${first.replayId}`));
    expect(reasons(descendants.map((d) => d.id))).toEqual(Array(3).fill(hint));

    // Through the command line: the same answer, counted and explained.
    const out: string[] = [];
    expect(await runOps('dlq', 'replay', { by: 'ops@city' }, a.config, logger, (l) => out.push(l))).toBe(0);
    expect(out[0]).toMatch(/^re-sent 0 dead letter\(s\), skipped 6 as .+ by ops@city/);
    expect(out).toContain(`  3 already replayed by ${first.replayId}`);
    expect(out).toContain(`  3 ${hint}`);

    // Pipeline b was not touched, and has its own audit.
    const bDead = await b.deadLetters();
    expect(bDead.map((d) => [d.key, d.headers[REPLAY_HEADER]])).toEqual(bDead.map((d) => [d.key, undefined]));
    expect(bDead).toHaveLength(2);
    const bReplay = await replayDeadLetters(messaging, admin, {}, 'ops@city', b.scope);
    expect(bReplay.deadLetters).toHaveLength(2);
    expect([...(await sends(messaging, b.config)).values()]).toEqual([2, 2]);

    const aAudit = await readCommittedRaw(messaging, a.config.topics.dlqReplays);
    expect(aAudit.map((r) => r.key?.toString())).toEqual([
      `${first.replayId}:0`,
      `${second.replayId}:0`,
      expect.any(String),
    ]);
    const bAudit = await readCommittedRaw(messaging, b.config.topics.dlqReplays);
    expect(bAudit.map((r) => r.key?.toString())).toEqual([`${bReplay.replayId}:0`]);

    // Each of a's records was sent once and re-sent once: none lost, none re-sent twice.
    const aSends = [...(await sends(messaging, a.config)).entries()];
    const lost = a.values.filter((v) => (aSends.find(([k]) => k === v)?.[1] ?? 0) < 2).length;
    const duplicated = aSends.filter(([, n]) => n > 2).length;
    expect({ lost, duplicated }).toEqual({ lost: 0, duplicated: 0 });
    expect(aSends.map(([v]) => v).sort()).toEqual(a.values);
    recordFault({
      path: '9 dlq tooling scope and replay once',
      detectedAfterMs,
      recovered: lost === 0 && duplicated === 0,
      lost,
      duplicated,
    });
  }, 180_000);

  it('re-sends a line that failed again after its replay with --again and a reason, and lists what was replayed', async () => {
    const messaging = testMessaging();
    const admin = messaging.admin();
    await admin.connect();
    cleanup.push(() => admin.disconnect());
    const d = await pipeline(messaging, admin, 'd', 1);
    await d.awaitDeadLetters(1);
    const first = await replayDeadLetters(messaging, admin, {}, 'ops@city', d.scope);
    await d.awaitDeadLetters(2);

    // Without a reason, --again is refused before anything is sent.
    const errors: string[] = [];
    const refused = await runOps(
      'dlq',
      'replay',
      { by: 'ops@city', again: true },
      d.config,
      logger,
      () => {},
      (l) => errors.push(l),
    );
    expect(refused).toBe(2);
    expect(errors.join('\n')).toContain('--reason');

    // From the command line, as an operator types it.
    const cli = promisify(execFile);
    const args = ['dlq', 'replay', '--by', 'ops@city', '--again', '--reason', 'decoder fixed', '--config', d.file];
    const { stdout } = await cli(process.execPath, ['src/cli/main.ts', ...args], {
      env: { ...process.env, LOG_LEVEL: 'silent' },
    });
    const [, againId] =
      /^re-sent 1 dead letter\(s\), skipped 1 as (\S+) by ops@city at \S+ \(again: decoder fixed\)\n/.exec(stdout) ??
      [];
    expect(againId).toEqual(expect.any(String));

    // The decoder was not fixed after all: it fails a third time. `dlq list` tells them apart.
    await d.awaitDeadLetters(3);
    const out: string[] = [];
    expect(await runOps('dlq', 'list', {}, d.config, logger, (l) => out.push(l))).toBe(0);
    expect(out.slice(0, 3).map((l) => l.slice(l.lastIndexOf('  d-0') + 2))).toEqual([
      `d-0  replayed by ${first.replayId}`,
      `d-0  replayed by ${againId}`,
      `d-0  failed again after replay ${againId}`,
    ]);

    // `dlq show` prints one dead letter whole; an id that names none is an error with its code, exit 1.
    const [firstDead] = await d.deadLetters();
    const shown: string[] = [];
    expect(await runOps('dlq', 'show', { id: firstDead?.id ?? '' }, d.config, logger, (l) => shown.push(l))).toBe(0);
    expect(shown[0]).toMatch(new RegExp(`^${firstDead?.id ?? ''}  \\S+  CL_DECODE_MALFORMED  .*  d-0  replayed by `));
    expect(shown).toContain(`value (11 bytes): ${Buffer.from('garbage d 0').toString('base64')}`);
    const [dlqTopic, partition] = (firstDead?.id ?? '').split(':');
    const absent = `${dlqTopic ?? ''}:${partition ?? ''}:999999`;
    const said: string[] = [];
    const errs: string[] = [];
    const code = await runOps(
      'dlq',
      'show',
      { id: absent },
      d.config,
      logger,
      (l) => said.push(l),
      (l) => errs.push(l),
    );
    expect({ code, said, errs }).toEqual({
      code: 1,
      said: [],
      errs: [`closeloop: CL_ARGUMENT_INVALID: no dead letter ${absent}: closeloop dlq list prints the ids there are`],
    });

    // Audited like any replay, with the reason (read last: the reader leaves a marker behind).
    const audit = (await readCommittedRaw(messaging, d.config.topics.dlqReplays)).map((r) =>
      JSON.parse(r.value?.toString() ?? '{}'),
    );
    expect(audit.map((x) => [x.replayId, x.by, x.again, x.reason, x.origins])).toEqual([
      [first.replayId, 'ops@city', false, null, first.deadLetters],
      [againId, 'ops@city', true, 'decoder fixed', first.deadLetters],
    ]);
    // Sent once, re-sent twice: by the first replay and by --again.
    expect(Object.fromEntries(await sends(messaging, d.config))).toEqual({ [d.values[0] ?? '']: 3 });
  }, 120_000);

  it('a replay that dies before its commit leaves nothing visible; the next fences it and re-sends once', async () => {
    const messaging = testMessaging();
    const admin = messaging.admin();
    await admin.connect();
    cleanup.push(() => admin.disconnect());
    const c = await pipeline(messaging, admin, 'c', 2);
    await c.awaitDeadLetters(2);

    const crashing = crashingBeforeCommit(messaging);
    await expect(replayDeadLetters(crashing.messaging, admin, {}, 'ops@city', c.scope)).rejects.toThrow(
      'crash before commit',
    );
    // Its re-sends and audit record reached the broker, in a transaction never committed: the
    // audit's end as readers see it (the last stable offset) has not moved.
    expect([...crashing.sent].sort()).toEqual([c.config.topics.crmEvents, c.config.topics.dlqReplays].sort());
    expect((await admin.topicOffsets(c.config.topics.dlqReplays)).map((p) => p.high)).toEqual(['0']);

    const replay = await replayDeadLetters(messaging, admin, {}, 'ops@city', c.scope);
    expect(replay.deadLetters).toHaveLength(2);
    const audit = await readCommittedRaw(messaging, c.config.topics.dlqReplays);
    expect(audit.map((r) => r.key?.toString())).toEqual([`${replay.replayId}:0`]);
    // Sent once, re-sent once: the crashed replay's re-sends were aborted with its audit record.
    expect(Object.fromEntries(await sends(messaging, c.config))).toEqual({
      [c.values[0] ?? '']: 2,
      [c.values[1] ?? '']: 2,
    });
  }, 120_000);
});
