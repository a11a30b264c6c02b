import { readFile, writeFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import type { CrmTicketEvent } from '../../src/domain/index.ts';
import { bridgeRun, TOKENS, type BridgeRun } from '../support/bridge-run.ts';
import { exited, jsonLines, nodeChild, untilRunning, type ChildRun } from '../support/child.ts';
import { cleanupAfter } from '../support/cleanup.ts';
import { testMessaging } from '../support/kafka.ts';
import { freePorts } from '../support/ports.ts';
import { readCommitted } from '../support/processor.ts';
import { untilAsync } from '../support/wait.ts';

const cleanup = cleanupAfter('all');

/** A worker process on the run's config, with its own ops port (the rest is the installation's). */
async function startWorker(run: BridgeRun, port: number): Promise<{ child: ChildRun; url: string }> {
  const yaml = parse(await readFile(run.file, 'utf8')) as Record<string, unknown>;
  const file = run.file.replace(/\.yaml$/, `.${port}.yaml`);
  await writeFile(file, stringify({ ...yaml, http: { host: '127.0.0.1', port } }));
  const child = nodeChild(['src/cli/main.ts', 'run', '--config', file], {
    env: { ...TOKENS, LOG_LEVEL: 'info' },
    onSpawn: (c) => cleanup.push(async () => void c.kill('SIGKILL')),
  });
  return { child, url: `http://127.0.0.1:${port}` };
}

interface Ready {
  readonly status: number;
  readonly reasons: readonly string[];
  readonly source: string | undefined;
}

/** Readiness and the state it gives the CRM source; null while the process does not answer yet. */
async function ready(url: string): Promise<Ready | null> {
  try {
    const res = await fetch(`${url}/health/ready`, { signal: AbortSignal.timeout(5_000) });
    const body = (await res.json()) as { reasons?: string[]; runners?: { runner: string; state: string }[] };
    const source = body.runners?.find((r) => r.runner === 'crm-rest-source')?.state;
    return { status: res.status, reasons: body.reasons ?? [], source };
  } catch {
    return null;
  }
}

async function leaseHeld(url: string): Promise<number | null> {
  const text = await (await fetch(`${url}/metrics`, { signal: AbortSignal.timeout(5_000) })).text();
  const line = text.split('\n').find((l) => l.startsWith('closeloop_source_lease_held{connector="crm-rest"} '));
  return line === undefined ? null : Number(line.split(' ')[1]);
}

function openTickets(run: BridgeRun, n: number): void {
  for (let i = 0; i < n; i += 1)
    run.crm.createTicket({ serviceCode: 'GRASS', contact: { name: 'A Resident', email: null, phone: null } });
}

describe('two workers of one installation', () => {
  it('runs the sources on one, the other stands by ready and takes over within the session timeout of a SIGKILL', async () => {
    const run = await bridgeRun();
    cleanup.push(() => run.stop());
    const sessionMs = run.config.processor.sessionTimeoutMs;
    const [portA = 0, portB = 0] = await freePorts(2);
    const a = await startWorker(run, portA);
    openTickets(run, 3);
    await untilRunning(a.child, 'the first tickets at the department', () => run.posse.jobs.size >= 3, 60_000);

    const b = await startWorker(run, portB);
    const both = [a, b];
    // Settled: both ready, one running the CRM source, the other standing by (the lease may move on a join).
    let states: (Ready | null)[] = [];
    await untilAsync(
      'one worker running the source, the other standing by, both ready',
      async () => {
        states = await Promise.all(both.map((w) => ready(w.url)));
        const sources = states.map((s) => s?.source).sort();
        return states.every((s) => s?.status === 200) && sources.join() === 'running,standby';
      },
      45_000,
    ).catch((err: unknown) => {
      throw new Error(`${String(err)}; last seen: ${JSON.stringify(states)}`);
    });
    const holder = states[0]?.source === 'running' ? a : b;
    const standby = holder === a ? b : a;
    expect(await leaseHeld(holder.url)).toBe(1);
    expect(await leaseHeld(standby.url)).toBe(0);
    openTickets(run, 3);
    await untilRunning(
      holder.child,
      'tickets opened with two workers at the department',
      () => run.posse.jobs.size >= 6,
      30_000,
    );

    holder.child.child.kill('SIGKILL');
    const killedAt = Date.now();
    expect((await exited(holder.child, 'the holder after SIGKILL', 10_000)).signal).toBe('SIGKILL');
    openTickets(run, 3);
    await untilAsync(
      'the standby to run the source',
      async () => (await ready(standby.url))?.source === 'running',
      sessionMs + 20_000,
    );
    const takeoverMs = Date.now() - killedAt;
    // The session timeout, the rebalance and the runner's claim: within a margin of the session.
    expect(takeoverMs).toBeLessThan(sessionMs + 10_000);
    await untilRunning(standby.child, 'every ticket at the department', () => run.posse.jobs.size >= 9, 45_000);
    expect(await leaseHeld(standby.url)).toBe(1);

    standby.child.child.kill('SIGTERM');
    const end = await exited(standby.child, 'the survivor after SIGTERM', 30_000);
    expect(end.code).toBe(0);
    const lines = jsonLines<{ msg?: string }>(end.stdout);
    expect(lines.some((l) => l.msg === 'source lease gained: this worker runs the source')).toBe(true);

    // Every change the CRM made was published once: no event twice across the handover, and each
    // ticket's opening once, none missing (the CRM's feed also carries the bridge's own updates).
    const { values } = await readCommitted<CrmTicketEvent>(testMessaging(), run.config.topics.crmEvents);
    const ids = values.map((e) => e.envelope.eventId);
    expect(ids.length - new Set(ids).size).toBe(0);
    const opened = new Map<string, number>();
    for (const e of values) if (e.kind === 'OPENED') opened.set(e.ticketId, (opened.get(e.ticketId) ?? 0) + 1);
    expect([...opened.keys()].sort()).toEqual([...run.crm.tickets.keys()].sort());
    expect([...opened.values()].filter((n) => n !== 1)).toEqual([]);
    expect(run.posse.jobs.size).toBe(run.crm.tickets.size);
    console.log(
      `[source-lease] takeover ${takeoverMs} ms after SIGKILL (session ${sessionMs} ms), ${run.crm.tickets.size} tickets`,
    );
  }, 120_000);
});
