import { describe, expect, it } from 'vitest';
import { CachedProbe } from '../../src/observability/probe.ts';
import { judgeReadiness, type ReadinessInput } from '../../src/observability/readiness.ts';

const healthy: ReadinessInput = {
  phase: 'running',
  processorReady: true,
  brokerUp: true,
  registryUp: true,
  runners: [
    { connector: 'crm-rest', kind: 'source', state: 'running', pausedBy: null, pauses: [] },
    { connector: 'crm-rest', kind: 'sink', state: 'running', pausedBy: null, pauses: [] },
  ],
};

describe('judgeReadiness', () => {
  it('names a processor or sink consumer failing past its grace, and what fails', () => {
    const failing = {
      state: 'failing' as const,
      failingForMs: 42_400,
      reason: 'joining the consumer group: timed out',
    };
    const verdict = judgeReadiness({
      ...healthy,
      processorConsumer: failing,
      runners: [
        { connector: 'crm-rest', kind: 'source', state: 'running', pausedBy: null, pauses: [] },
        { connector: 'crm-rest', kind: 'sink', state: 'running', pausedBy: null, pauses: [], consumer: failing },
        {
          connector: 'posse',
          kind: 'sink',
          state: 'running',
          pausedBy: null,
          pauses: [],
          consumer: { state: 'reading', failingForMs: 0, reason: null },
        },
      ],
    });
    expect(verdict).toEqual({
      ready: false,
      reasons: [
        'processor consumer failing for 42 s: joining the consumer group: timed out',
        'crm-rest sink consumer failing for 42 s: joining the consumer group: timed out',
      ],
    });
    expect(
      judgeReadiness({ ...healthy, processorConsumer: { state: 'starting', failingForMs: 0, reason: null } }).ready,
    ).toBe(true);
  });

  it('is ready only when everything can move', () => {
    expect(judgeReadiness(healthy)).toEqual({ ready: true, reasons: [] });
  });

  it('names every reason at once', () => {
    const verdict = judgeReadiness({
      ...healthy,
      processorReady: false,
      brokerUp: false,
      registryUp: false,
      runners: [
        { connector: 'crm-rest', kind: 'source', state: 'stopped', pausedBy: null, pauses: [] },
        { connector: 'crm-rest', kind: 'sink', state: 'paused', pausedBy: 'credentials', pauses: ['credentials'] },
        { connector: 'posse', kind: 'sink', state: 'paused', pausedBy: 'operator', pauses: ['operator'] },
      ],
    });
    expect(verdict.ready).toBe(false);
    expect(verdict.reasons).toEqual([
      'kafka broker unreachable',
      'schema registry unreachable',
      'processor not ready',
      'crm-rest source stopped',
      'crm-rest sink paused: credentials',
      'posse sink paused: operator',
    ]);
  });

  it('names a registry refusing our credentials apart from one that does not answer', () => {
    expect(judgeReadiness({ ...healthy, registryUp: false, registryRefused: 403 }).reasons).toEqual([
      'schema registry refuses our credentials (HTTP 403)',
    ]);
    expect(judgeReadiness({ ...healthy, registryUp: false, registryRefused: null }).reasons).toEqual([
      'schema registry unreachable',
    ]);
  });

  it('says the worker is starting rather than listing runners not started yet', () => {
    const verdict = judgeReadiness({
      ...healthy,
      phase: 'starting',
      processorReady: false,
      runners: healthy.runners.map((r) => ({ ...r, state: 'stopped' as const })),
    });
    expect(verdict.reasons).toEqual(['worker starting']);
  });

  it('names the processor run alone as what is starting', () => {
    const verdict = judgeReadiness({ ...healthy, process: 'processor', phase: 'starting', runners: [] });
    expect(verdict).toEqual({ ready: false, reasons: ['processor starting'] });
  });

  it("lists each warning of a source's last poll, though the source runs", () => {
    const verdict = judgeReadiness({
      ...healthy,
      runners: [
        ...healthy.runners,
        {
          connector: 'maximo',
          kind: 'source',
          state: 'running',
          pausedBy: null,
          pauses: [],
          warnings: [{ code: 'CL_SOURCE_CURSOR_FULL', detail: '12 changes forgotten past the cap of 100' }],
        },
      ],
    });
    expect(verdict).toEqual({
      ready: false,
      reasons: ['maximo source CL_SOURCE_CURSOR_FULL: 12 changes forgotten past the cap of 100'],
    });
  });
});

describe('CachedProbe', () => {
  it('reuses a result for its TTL, reports only transitions, and takes silence as down', async () => {
    let now = 0;
    let calls = 0;
    let answer: 'up' | 'down' | 'silent' = 'up';
    const changes: string[] = [];
    const probe = new CachedProbe({
      ttlMs: 1_000,
      timeoutMs: 50,
      clock: () => now,
      check: () => {
        calls += 1;
        if (answer === 'silent') return new Promise<void>(() => undefined);
        return answer === 'up' ? Promise.resolve() : Promise.reject(new Error('ECONNREFUSED'));
      },
      onChange: (up, error) => changes.push(up ? 'up' : `down: ${error}`),
    });
    expect(probe.last).toBeNull();
    expect(await Promise.all([probe.up(), probe.up()])).toEqual([true, true]);
    expect(calls).toBe(1);
    answer = 'down';
    now = 500;
    expect(await probe.up()).toBe(true);
    now = 1_000;
    expect(await probe.up()).toBe(false);
    now = 2_000;
    expect(await probe.up()).toBe(false);
    answer = 'silent';
    now = 3_000;
    expect(await probe.up()).toBe(false);
    answer = 'up';
    now = 4_000;
    expect(await probe.up()).toBe(true);
    probe.report(false, 'lag query failed');
    expect(await probe.up()).toBe(false);
    expect(changes).toEqual(['up', 'down: ECONNREFUSED', 'up', 'down: lag query failed']);
    expect(calls).toBe(5);
  });
});
