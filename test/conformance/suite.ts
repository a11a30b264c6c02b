import { afterAll, describe, expect, it } from 'vitest';
import type { z } from 'zod';
import { CloseloopError, messageOf } from '../../src/errors/index.ts';
import {
  AvroSerde,
  deadLetterTopic,
  DLQ_HEADERS,
  readSchemaFile,
  subjectForTopic,
  type Messaging,
} from '../../src/messaging/index.ts';
import { createLogger } from '../../src/observability/logger.ts';
import { CANONICAL } from '../../src/topics/index.ts';
import { SourceRunner } from '../../src/runtime/index.ts';
import {
  parseConnectorConfig,
  type ConnectorDefinition,
  type FaultSettings,
  type Lookup,
  type WorkOrderCommand,
  type WorkOrderEvent,
} from '../../src/sdk/index.ts';
import { endpoints, testMessaging, uniqueName } from '../support/kafka.ts';
import { readCommitted, readCommittedRaw } from '../support/processor.ts';
import { until, within } from '../support/wait.ts';
import { departmentScenarios, type DepartmentCases } from './department.ts';

/** Asks a lookup about one item: a ticket id or a work-order reference, as the connector reads. */
export type LookupProbe = (lookup: Lookup) => Promise<unknown>;

/** What a connector brings to the conformance suite: its simulator and some realistic records. */
export interface ConformanceHarness<C extends z.ZodType, In, Out> {
  readonly connector: ConnectorDefinition<C, In, Out>;
  /** Config keys that have no default, so an empty config must name each of them. */
  readonly requiredKeys: readonly string[];
  readonly sourceTopic: keyof typeof CANONICAL;
  readonly env: NodeJS.ProcessEnv;
  /** Starts a fresh simulator; returns its base URL. */
  start(faults?: Partial<FaultSettings>): Promise<string>;
  stop(): Promise<void>;
  config(url: string): unknown;
  /** Makes n new changes appear in the system, for the source to find. */
  seed(n: number): Promise<void>;
  /**
   * Makes one new change appear that the connector cannot read: the simulator serves it garbled
   * (corruptNextChange) the way the system might, with a field the connector must not guess at.
   * Returns that field's path, which the dead letter's message must name.
   */
  unreadable(): Promise<{ field: string }>;
  /**
   * For a feed numbered by a database sequence: makes one new change that takes its seq now but
   * that the feed shows only once `commit()` is called, after changes numbered later, as a
   * transaction that commits late does. The source must read it then, once.
   */
  committedLate?(): Promise<{ commit(): void }>;
  /** Records the sink can apply, and one the system refuses for good. */
  sinkRecords(): Promise<In[]>;
  refusedRecord(): Promise<In>;
  /** A fingerprint of what the system holds, to compare one delivery with two. */
  applied(): unknown;
  /** Changes the running simulator's faults. */
  setFaults(faults: Partial<FaultSettings>): void;
  /** Required when the connector has a lookup. */
  readonly lookup?: {
    /**
     * Makes an item in the running simulator and changes it in a way the feed does not tell (so
     * only reading it shows it); returns how to ask for it and what the answer must contain.
     */
    changed(): Promise<{ ask: LookupProbe; current: Record<string, unknown> }>;
    /** Asks for an item the system has never had. */
    missing: LookupProbe;
  };
  /**
   * Required of a department connector (commands in, work-order events out): the business
   * scenarios of department.ts run with these.
   */
  readonly department?: DepartmentCases;
}

const ctx = (env: NodeJS.ProcessEnv) => ({ logger: createLogger({ level: 'silent' }), env, clock: Date.now });

export function conformanceSuite<C extends z.ZodType, In, Out>(h: ConformanceHarness<C, In, Out>): void {
  const name = h.connector.name;
  const parse = (url: string) => parseConnectorConfig(name, h.connector.config, h.config(url));
  afterAll(() => h.stop());

  // Each step bounded and named, well inside the test's time-out (a whole test runs in about a
  // second): a test once hit that time-out in CI, which says nothing of where it stopped.
  const STEP_MS = 15_000;
  const step = <T>(what: string, work: Promise<T>) => within(what, STEP_MS, work);
  // A runner that does not get there says where it stands (published, paused, failing).
  const reach = async (what: string, r: { status(): unknown }, check: () => boolean) => {
    try {
      await until(what, check, STEP_MS);
    } catch (err) {
      throw new Error(`${messageOf(err)}; runner: ${JSON.stringify(r.status())}`, {
        cause: err,
      });
    }
  };
  /** A fresh source topic (and its dead-letter topic) on the broker, and runners of the source onto it. */
  const sourceRig = async (url: string) => {
    const messaging: Messaging = testMessaging();
    const topic = uniqueName(`it.conformance.${CANONICAL[h.sourceTopic]}`);
    const admin = messaging.admin();
    await step('admin connect', admin.connect());
    await step(
      'creating the topics',
      admin.ensureTopics([
        { topic, partitions: 3 },
        { topic: deadLetterTopic(topic), partitions: 1 },
      ]),
    );
    await step('admin disconnect', admin.disconnect());
    const serde = new AvroSerde({ url: endpoints().registryUrl });
    const schema = (await readSchemaFile(`schemas/${CANONICAL[h.sourceTopic]}.avsc`)).schema;
    await step('registering the schema', serde.register(subjectForTopic(topic), schema));
    const cursorTopic = uniqueName('it.conformance.cursors');
    const runner = () => {
      const source = h.connector.source?.(parse(url), ctx(h.env));
      if (!source) throw new Error(`${name} has no source`);
      return new SourceRunner({
        connector: name,
        cursorKey: name,
        cursorTopic,
        topic,
        source,
        messaging,
        serde,
        logger: createLogger({ level: 'silent' }),
        pollIntervalMs: 50,
        probeIntervalMs: 50,
      });
    };
    return { messaging, topic, runner };
  };

  describe(`${name} conformance`, () => {
    it('reports every config problem at once', () => {
      let err: unknown;
      try {
        parseConnectorConfig(name, h.connector.config, { unknownSetting: true });
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(CloseloopError);
      const problems = ((err as CloseloopError).details['problems'] as string[]).join('\n');
      for (const key of [...h.requiredKeys, 'unknownSetting']) expect(problems).toContain(key);
    });

    it('classifies failures: outages are retriable, refusals are data errors', async () => {
      const down = await h.start({ outages: [{ from: 0, until: Number.MAX_SAFE_INTEGER }] });
      const source = h.connector.source?.(parse(down), ctx(h.env));
      const outage = await source?.poll(null).catch((e: unknown) => e);
      expect(outage).toMatchObject({ retriable: true });
      expect((await source?.health())?.status).toBe('down');

      const up = await h.start();
      const sink = h.connector.sink?.(parse(up), ctx(h.env));
      if (!sink) throw new Error(`${name} has no sink`);
      const refused = await sink.deliver(await h.refusedRecord()).catch((e: unknown) => e);
      expect(refused).toMatchObject({ retriable: false, code: 'CL_CONNECTOR_REJECTED' });
    });

    it('re-delivers idempotently', async () => {
      const url = await h.start();
      const sink = h.connector.sink?.(parse(url), ctx(h.env));
      if (!sink) throw new Error(`${name} has no sink`);
      const records = await h.sinkRecords();
      expect(records.length).toBeGreaterThan(0);
      for (const r of records) await sink.deliver(r);
      const once = JSON.stringify(h.applied());
      for (const r of records) await sink.deliver(r);
      expect(JSON.stringify(h.applied())).toBe(once);
    });

    it('takes a write answered 2xx with no body as done, rather than retrying it for ever', async () => {
      const sink = h.connector.sink?.(parse(await h.start()), ctx(h.env));
      if (!sink) throw new Error(`${name} has no sink`);
      const records = await h.sinkRecords();
      const deliverAll = async () => {
        for (const r of records) {
          // As the runner would: a call whose answer the connector needs may be tried again.
          let last: unknown = null;
          for (let tries = 0; tries < 3; tries += 1) {
            last = await sink.deliver(r).then(
              () => null,
              (e: unknown) => e,
            );
            if (last === null) break;
          }
          expect(last, messageOf(last)).toBeNull();
        }
        return JSON.stringify(h.applied());
      };
      // Every write is carried out and answered 204 with an empty body; reads answer as usual.
      h.setFaults({ noContentRate: 1 });
      const answeredEmpty = await deliverAll();
      // Delivered again with full answers, nothing changes: every write had been carried out.
      h.setFaults({});
      expect(await deliverAll()).toBe(answeredEmpty);
    });

    const hasLookup = h.connector.lookup !== undefined;
    const lookupOf = (url: string) => {
      const lookup = h.connector.lookup?.(parse(url), ctx(h.env));
      if (!lookup || !h.lookup) throw new Error(`${name} has a lookup but its harness has no lookup cases`);
      return { lookup, cases: h.lookup };
    };

    it.runIf(hasLookup)("a lookup returns the item's current state", async () => {
      const { lookup, cases } = lookupOf(await h.start());
      const { ask, current } = await cases.changed();
      expect(await ask(lookup)).toMatchObject(current);
      expect(await lookup.health()).toEqual({ status: 'up' });
    });

    it.runIf(hasLookup)('a missing item is null, not an error', async () => {
      const { lookup, cases } = lookupOf(await h.start());
      expect(await cases.missing(lookup)).toBeNull();
    });

    it.runIf(hasLookup)('a lookup during an outage is retriable, never a missing item', async () => {
      const { lookup, cases } = lookupOf(await h.start({ outages: [{ from: 0, until: Number.MAX_SAFE_INTEGER }] }));
      expect(await cases.missing(lookup).catch((e: unknown) => e)).toMatchObject({
        code: 'CL_CONNECTOR_RETRIABLE',
        retriable: true,
      });
      expect((await lookup.health()).status).toBe('down');
    });

    it('restarts without gaps or duplicates, and pauses and resumes', async () => {
      const url = await h.start();
      const { messaging, topic, runner } = await sourceRig(url);

      // seed(n) makes exactly n changes appear.
      await h.seed(4);
      const first = runner();
      await step('starting the first runner', first.start());
      await reach('the first 4 published', first, () => first.status().published === 4);
      first.pause();
      await reach('the operator pause', first, () => first.status().pausedBy === 'operator');
      await h.seed(3);
      // A paused source publishes nothing, however many polls it would have made.
      await new Promise((r) => setTimeout(r, 300));
      expect(first.status().published).toBe(4);
      first.resume();
      await reach('7 published after the resume', first, () => first.status().published === 7);
      await step('stopping the first runner', first.stop());

      await h.seed(2);
      const second = runner();
      await step('starting the second runner (cursor restored)', second.start());
      await reach('the second runner publishing 2', second, () => second.status().published === 2);
      await step('stopping the second runner', second.stop());

      const { values } = await readCommitted<{ envelope: { eventId: string } }>(messaging, topic);
      const ids = values.map((v) => v.envelope.eventId);
      expect(new Set(ids).size).toBe(ids.length);
      expect(ids.length).toBe(9);
    });

    it('dead-letters a change it cannot read, with provenance, and reads on past it', async () => {
      const url = await h.start();
      const { messaging, topic, runner } = await sourceRig(url);
      await h.seed(2);
      const { field } = await h.unreadable();
      await h.seed(2);
      const r = runner();
      await step('starting the runner', r.start());
      await reach('4 published, 1 dead-lettered', r, () => {
        const s = r.status();
        return s.published === 4 && s.deadLettered === 1;
      });
      // The feed is not stuck behind it: what comes later is read too, and nothing pauses.
      await h.seed(1);
      await reach('the change after it published', r, () => r.status().published === 5);
      expect(r.status().pausedBy).toBeNull();
      await step('stopping the runner', r.stop());

      const [letter, ...more] = await step('reading the DLQ', readCommittedRaw(messaging, deadLetterTopic(topic)));
      expect(more).toHaveLength(0);
      const header = (k: string) => letter?.headers[k]?.toString();
      expect(header(DLQ_HEADERS.connector)).toBe(name);
      expect(header(DLQ_HEADERS.code)).toBe('CL_SOURCE_RECORD_INVALID');
      expect(header(DLQ_HEADERS.stage)).toBe('decode');
      expect(header(DLQ_HEADERS.position)).toBeTruthy();
      // The message names the change, by its position, and the field that failed.
      expect(header(DLQ_HEADERS.message)).toContain(header(DLQ_HEADERS.position));
      expect(header(DLQ_HEADERS.message)).toContain(field);
      // The value is the change as the system sent it, for a person to read.
      expect(JSON.parse(letter?.value?.toString() ?? 'null')).toEqual(expect.any(Object));
      const { values } = await step(
        'reading the topic',
        readCommitted<{ envelope: { eventId: string } }>(messaging, topic),
      );
      expect(values).toHaveLength(5);
    });
  });

  const committedLate = h.committedLate?.bind(h);
  if (committedLate)
    describe(`${name} source: a change committed late`, () => {
      it('reads a change that shows after one numbered later, once', async () => {
        const url = await h.start();
        const { messaging, topic, runner } = await sourceRig(url);
        await h.seed(1);
        const late = await committedLate();
        await h.seed(2);
        const r = runner();
        await step('starting the runner', r.start());
        await reach('the 3 committed published', r, () => r.status().published === 3);
        late.commit();
        await reach('the late one published', r, () => r.status().published === 4);
        expect([r.status().deadLettered, r.status().pausedBy]).toEqual([0, null]);
        await step('stopping the runner', r.stop());
        const { values } = await readCommitted<{ envelope: { eventId: string } }>(messaging, topic);
        const ids = values.map((v) => v.envelope.eventId);
        expect([ids.length, new Set(ids).size]).toEqual([4, 4]);
      });
    });

  if (h.connector.sinkTopic === 'commands') {
    if (!h.department) throw new Error(`${name} takes work-order commands, so its harness needs department cases`);
    // A sink on the commands topic takes WorkOrderCommands and its source emits WorkOrderEvents.
    const connector = h.connector as unknown as ConnectorDefinition<C, WorkOrderCommand, WorkOrderEvent>;
    departmentScenarios({ ...h, connector }, h.department);
  }
}
