import type { CloseloopConfig } from '../../src/config/index.ts';
import type { Messaging } from '../../src/messaging/index.ts';
import { createLogger } from '../../src/observability/logger.ts';
import { opsServerFor } from '../../src/observability/process-ops.ts';
import { Worker } from '../../src/worker/worker.ts';
import { TOKENS, type BridgeRun } from './bridge-run.ts';
import { testMessaging } from './kafka.ts';

/** A whole worker with its ops server, as `closeloop run` wires them, and the log lines it wrote. */
export interface FaultWorker {
  readonly worker: Worker;
  readonly url: string;
  readonly logs: Record<string, unknown>[];
  /** Every log line as written, to search for what must never appear (a token). */
  readonly raw: string[];
  stop(): Promise<void>;
}

export async function startFaultWorker(
  config: CloseloopConfig,
  messaging: Messaging = testMessaging(),
): Promise<FaultWorker> {
  const logs: Record<string, unknown>[] = [];
  const raw: string[] = [];
  const logger = createLogger({
    level: 'info',
    destination: {
      write(line: string) {
        raw.push(line);
        logs.push(JSON.parse(line) as Record<string, unknown>);
      },
    },
  });
  const worker = new Worker({ config, logger, messaging, env: TOKENS });
  const ops = opsServerFor({ host: '127.0.0.1', port: 0 }, worker, logger, {
    pause: (n) => worker.pause(n),
    resume: (n) => worker.resume(n),
  });
  const url = await ops.start();
  await worker.start();
  return {
    worker,
    url,
    logs,
    raw,
    async stop() {
      await ops.stop();
      await worker.stop();
    },
  };
}

// Asked in loops that check their deadline between answers: a request must not hang the loop.
const ASK_TIMEOUT_MS = 10_000;

export async function readiness(url: string): Promise<{ status: number; reasons: string[] }> {
  const res = await fetch(`${url}/health/ready`, { signal: AbortSignal.timeout(ASK_TIMEOUT_MS) });
  const body = (await res.json()) as { reasons?: string[] };
  return { status: res.status, reasons: body.reasons ?? [] };
}

/** The value of one series, e.g. `closeloop_paused{runner="crm-rest-sink",reason="credentials"}`. */
export async function metric(url: string, series: string): Promise<number | null> {
  const res = await fetch(`${url}/metrics`, { signal: AbortSignal.timeout(ASK_TIMEOUT_MS) });
  if (res.status !== 200) throw new Error(`/metrics answered ${res.status}`);
  const line = (await res.text()).split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? null : Number(line.slice(series.length + 1));
}

/** Readiness names `reason` and the series reads 1: the alarm an operator would see. */
export async function alarmed(url: string, reason: string, series: string): Promise<boolean> {
  const r = await readiness(url);
  return r.status === 503 && r.reasons.some((said) => says(said, reason)) && (await metric(url, series)) === 1;
}

/** Whether a readiness reason is `reason`, with or without what more it says of it in brackets. */
export function says(said: string, reason: string): boolean {
  return said === reason || said.startsWith(`${reason} (`);
}

export function openTickets(run: BridgeRun, n: number): void {
  for (let i = 0; i < n; i += 1) {
    run.crm.createTicket({
      serviceCode: 'GRASS',
      contact: { name: 'A Resident', email: 'resident@example.org', phone: null },
    });
  }
}

/** Milliseconds from `since` until the check passes; rejects after timeoutMs. */
export async function detectedAfter(
  what: string,
  since: number,
  check: () => Promise<boolean>,
  timeoutMs = 30_000,
): Promise<number> {
  for (;;) {
    if (await check()) return Date.now() - since;
    if (Date.now() - since > timeoutMs) throw new Error(`no alarm for ${what} within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
