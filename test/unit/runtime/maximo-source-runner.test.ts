import { describe, expect, it } from 'vitest';
import { maximo } from '../../../connectors/maximo/index.ts';
import { MaximoSimulator } from '../../../connectors/maximo/simulator.ts';
import { createInMemoryMessaging, readSchemaFile, readToEnd, subjectForTopic } from '../../../src/messaging/index.ts';
import { createLogger } from '../../../src/observability/logger.ts';
import { Metrics } from '../../../src/observability/metrics.ts';
import { judgeReadiness } from '../../../src/observability/readiness.ts';
import { SourceRunner } from '../../../src/runtime/index.ts';
import { parseConnectorConfig, type WorkOrderEvent } from '../../../src/sdk/index.ts';
import { cleanupAfter } from '../../support/cleanup.ts';
import { startLoopback } from '../../support/loopback-registry.ts';
import { until } from '../../support/wait.ts';

const cleanup = cleanupAfter('each');
const TOPIC = 'dept.work-order-events.v1';
const SECOND = 1_796_000_000_000;

describe('maximo source under the source runner', () => {
  it('publishes a late commit once after a restart from the stored cursor, and shows a clock far ahead', async () => {
    const { serde } = await startLoopback(cleanup);
    let now = SECOND;
    let ahead = 0;
    const sim = new MaximoSimulator({ apiKey: 'key', clock: () => now + ahead });
    const url = await sim.start();
    cleanup.push(() => sim.stop());
    const messaging = createInMemoryMessaging();
    const admin = messaging.admin();
    await admin.ensureTopics([{ topic: TOPIC, partitions: 3 }]);
    await serde.register(subjectForTopic(TOPIC), (await readSchemaFile(`schemas/${TOPIC}.avsc`)).schema);
    const logger = createLogger({ level: 'silent' });
    const metrics = new Metrics();
    const config = parseConnectorConfig('maximo', maximo.config, {
      baseUrl: url,
      jurisdiction: 'testville',
      departments: { transportation: 'DOT' },
      pageSize: 2,
    });
    const runner = () => {
      const source = maximo.source?.(config, { logger, env: { MAXIMO_API_KEY: 'key' }, clock: () => now });
      if (!source) throw new Error('maximo has no source');
      const r = new SourceRunner({
        connector: 'maximo',
        cursorKey: 'maximo:testville',
        topic: TOPIC,
        source,
        messaging,
        serde,
        logger,
        metrics,
        pollIntervalMs: 5,
        busyPollIntervalMs: 1,
      });
      cleanup.push(() => r.stop());
      return r;
    };
    const published = async () => {
      const values: WorkOrderEvent[] = [];
      await readToEnd(messaging, admin, TOPIC, 'all', async (r) => {
        values.push((await serde.decode<WorkOrderEvent>(r.value)).value);
      });
      return values.map((v) => `${v.ticketId}:${v.rawStatus}`).sort();
    };
    const add = (n: number) =>
      sim.addWorkOrder({ siteid: 'DOT', origrecordid: `T-${n}`, origrecordclass: 'SR', externalrefid: `T-${n}#1` }, []);
    for (let n = 1; n <= 3; n += 1) add(n);

    const one = runner();
    await one.start();
    await until('three work orders', () => one.status().published === 3, 5_000);
    // WO-1 is saved as COMP but committed late; WO-2 is saved a second later and read first.
    now += 1_000;
    sim.holdNextChanges(1);
    sim.changeStatus('T-1#1', 'COMP');
    now += 1_000;
    sim.changeStatus('T-2#1', 'APPR');
    await until('the later change', () => one.status().published === 4, 5_000);
    await one.stop();

    sim.commitHeld();
    now += 1_000;
    const two = runner();
    await two.start();
    await until('the late commit', () => two.status().published === 1, 5_000);
    const polls = two.status().polls;
    await until('more polls over the look-back', () => two.status().polls > polls + 5, 5_000);
    expect(two.status().published).toBe(1);
    expect(await published()).toEqual(['T-1:COMP', 'T-1:WAPPR', 'T-2:APPR', 'T-2:WAPPR', 'T-3:WAPPR']);
    expect(two.status().warnings).toEqual([]);

    // An app server two hours ahead saves WO-3: published, and the runner shows the warning.
    ahead = 7_200_000;
    sim.changeStatus('T-3#1', 'APPR');
    ahead = 0;
    await until('the warning', () => two.status().warnings.length > 0, 5_000);
    expect(two.status().warnings.map((w) => w.code)).toEqual(['CL_SOURCE_CLOCK_AHEAD']);
    expect(await metrics.registry.metrics()).toContain(
      'closeloop_source_warning{connector="maximo",code="CL_SOURCE_CLOCK_AHEAD"} 1',
    );
    const verdict = judgeReadiness({
      phase: 'running',
      processorReady: true,
      brokerUp: true,
      registryUp: true,
      runners: [{ connector: 'maximo', kind: 'source', ...two.status() }],
    });
    expect(verdict.reasons).toEqual([expect.stringMatching(/^maximo source CL_SOURCE_CLOCK_AHEAD: work order DOT\//)]);
    // The cursor did not jump: a change saved meanwhile on the other servers is read.
    now += 1_000;
    sim.changeStatus('T-2#1', 'WSCH');
    await until('the change after it', () => two.status().published === 3, 5_000);
    expect(await published()).toContain('T-2:WSCH');
  });
});
