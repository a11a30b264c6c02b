import { SingleBar } from 'cli-progress';

export interface Progress {
  /** A bar is drawn: other progress lines would only scramble it. */
  readonly live: boolean;
  /** Sets how far the work is, of `total`. */
  update(done: number, total?: number): void;
  stop(): void;
}

const QUIET: Progress = { live: false, update: () => undefined, stop: () => undefined };

/**
 * A live progress line for long work (demo, bench, reconcile) on a person's terminal: a bar,
 * the count, the rate and an ETA, redrawn in place on stderr. In CI or when stderr is piped it
 * prints nothing, so logs and captured output stay clean.
 */
export function progress(
  label: string,
  unit: string,
  total: number,
  stream: NodeJS.WriteStream = process.stderr,
  env: NodeJS.ProcessEnv = process.env,
): Progress {
  if (!stream.isTTY || env['CI']) return QUIET;
  const bar = new SingleBar({
    stream,
    format: `${label} {bar} {percentage}% | {value}/{total} ${unit} | {rate}/s | ETA {eta_formatted}`,
    hideCursor: true,
    clearOnComplete: false,
    etaBuffer: 20,
  });
  const started = Date.now();
  bar.start(total, 0, { rate: '0.0' });
  let stopped = false;
  return {
    live: true,
    update(done, newTotal) {
      if (newTotal !== undefined) bar.setTotal(newTotal);
      const seconds = Math.max(0.001, (Date.now() - started) / 1000);
      bar.update(done, { rate: (done / seconds).toFixed(1) });
    },
    stop() {
      if (stopped) return;
      stopped = true;
      bar.stop();
    },
  };
}
