import { existsSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { createKafkaMessaging } from '../../../src/messaging/index.ts';
import { createLogger } from '../../../src/observability/logger.ts';
import { KAFKA_VERSION, loadStackConfig } from '../../../stack/config.ts';
import { startKafka, stopKafka, waitForKafka } from '../../../stack/kafka.ts';
import { stackDown } from '../../../stack/stack.ts';
import { bridgeRun, crmHistoryProblems, crmTally } from '../../support/bridge-run.ts';
import { recordFault } from '../../support/fault-report.ts';
import { detectedAfter, metric, openTickets, readiness, startFaultWorker } from '../../support/fault-worker.ts';
import { freePorts } from '../../support/ports.ts';
import { until, untilAsync } from '../../support/wait.ts';
import { cleanupAfter } from '../../support/cleanup.ts';

const cleanup = cleanupAfter('all');

// A private broker, so stopping it disturbs no one; it needs the Kafka the local stack unpacks
// (`npm run stack:up` once), and is skipped where there is none rather than downloading it here.
const main = loadStackConfig();
/** Free ports, so a stack already running on the machine never collides with it. */
async function privateBroker() {
  const [kafka, controller, registry, management] = (await freePorts(4)).map(String);
  return loadStackConfig({
    ...process.env,
    CLOSELOOP_STACK_DIR: main.home,
    CLOSELOOP_STACK_RUN_DIR: path.join(main.home, 'faults-broker-down'),
    CLOSELOOP_KAFKA_PORT: kafka,
    CLOSELOOP_KAFKA_CONTROLLER_PORT: controller,
    CLOSELOOP_REGISTRY_PORT: registry,
    CLOSELOOP_REGISTRY_MANAGEMENT_PORT: management,
  });
}
const kafkaUnpacked = existsSync(path.join(main.home, `kafka-${KAFKA_VERSION}`, '.complete'));

describe('fault: the Kafka broker goes down under a running worker', () => {
  it.runIf(kafkaUnpacked)(
    'answers /health/ready 503 naming the broker and /metrics 200 with closeloop_broker_up 0, then recovers',
    async () => {
      const cfg = await privateBroker();
      cleanup.push(() => stackDown(cfg, { purge: true }).then(() => undefined));
      await waitForKafka(cfg, await startKafka(cfg, () => undefined), 120_000);
      const run = await bridgeRun({ brokers: cfg.brokers });
      cleanup.push(() => run.stop());
      const messaging = createKafkaMessaging({
        brokers: [cfg.brokers],
        clientId: 'faults-broker-down',
        logger: createLogger({ level: 'silent' }),
      });
      const fw = await startFaultWorker(run.config, messaging);
      cleanup.push(() => fw.stop());
      openTickets(run, 8);
      run.work();
      await until('the first updates', () => run.crm.applied.length >= 5, 90_000);
      await untilAsync('ready', async () => (await readiness(fw.url)).status === 200, 30_000);

      const since = Date.now();
      await stopKafka(cfg);
      const detected = await detectedAfter('broker down', since, async () => {
        const r = await readiness(fw.url);
        // metric() throws unless /metrics answers 200.
        return (
          r.status === 503 &&
          r.reasons.includes('kafka broker unreachable') &&
          (await metric(fw.url, 'closeloop_broker_up')) === 0
        );
      });
      expect(fw.logs.filter((l) => l['msg'] === 'kafka broker unreachable')).toHaveLength(1);
      openTickets(run, 4);

      await waitForKafka(cfg, await startKafka(cfg, () => undefined), 120_000);
      await untilAsync('ready again', async () => (await readiness(fw.url)).status === 200, 120_000);
      expect(await metric(fw.url, 'closeloop_broker_up')).toBe(1);
      const recovered = await until('every ticket closed and all work done', () => run.done(), 180_000).then(
        () => true,
        () => false,
      );
      const { lost, duplicated } = crmTally(run.crm);
      recordFault({ path: '6 broker down', detectedAfterMs: detected, recovered, lost, duplicated });
      expect(recovered).toBe(true);
      expect(crmHistoryProblems(run.crm)).toEqual([]);
      expect(run.crm.tickets.size).toBe(12);
    },
    480_000,
  );
});
