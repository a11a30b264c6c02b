import { Writable } from 'node:stream';
import { onTestFailed } from 'vitest';
import { createLogger, type Logger } from '../../src/observability/logger.ts';

/**
 * What a long integration test did, kept in memory and printed only when the test fails: each
 * named step with when it began and how long it took (or that it never finished), and the last
 * lines the processor logged. A test that runs out of time otherwise says nothing of where it
 * stood. Call it inside the test: it registers its own onTestFailed.
 */
export interface FlightRecorder {
  /** A logger at `info` whose lines are kept (the last `keepLines`) for the failure report. */
  readonly logger: Logger;
  /** Awaits `work`, noting its start and end under `what`. */
  step<T>(what: string, work: Promise<T> | (() => Promise<T>)): Promise<T>;
}

interface Step {
  readonly what: string;
  readonly startedMs: number;
  endedMs?: number;
  failed?: string;
}

export function flightRecorder(name: string, keepLines = 80): FlightRecorder {
  const t0 = Date.now();
  const steps: Step[] = [];
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      lines.push(chunk.toString().trimEnd());
      if (lines.length > keepLines) lines.splice(0, lines.length - keepLines);
      done();
    },
  });
  const at = (ms: number) => `${((ms - t0) / 1000).toFixed(1)} s`;
  onTestFailed(() => {
    const now = Date.now();
    const report = steps.map((s) => {
      const took = s.endedMs === undefined ? `still running after ${at(now)}` : `${s.endedMs - s.startedMs} ms`;
      return `  at ${at(s.startedMs)}  ${s.what}: ${s.failed ? `failed (${s.failed}) after ` : ''}${took}`;
    });
    console.error(`[${name}] steps:\n${report.join('\n')}\n[${name}] last log lines:\n${lines.join('\n')}`);
  });
  return {
    logger: createLogger({ name, level: 'info', destination: sink }),
    async step(what, work) {
      const s: Step = { what, startedMs: Date.now() };
      steps.push(s);
      try {
        return await (typeof work === 'function' ? work() : work);
      } catch (err) {
        s.failed = err instanceof Error ? err.message.split('\n')[0] : String(err);
        throw err;
      } finally {
        s.endedMs = Date.now();
      }
    },
  };
}
