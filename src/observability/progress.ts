import { MultiBar } from 'cli-progress';

export interface Progress {
  /** A bar is drawn: other progress lines would only scramble it. */
  readonly live: boolean;
  /** Sets how far the work is, of `total`. */
  update(done: number, total?: number): void;
  /** A line for people, printed above the bar when there is one. */
  log(line: string): void;
  stop(): void;
}

/**
 * A live progress line for long work (demo, bench, import, reconcile) on a person's terminal: a
 * bar, the count, the rate and an ETA, redrawn in place on stderr. In CI or when stderr is piped
 * it draws nothing, and `log` lines go straight to the stream, so logs stay clean.
 */
export function progress(
  label: string,
  unit: string,
  total: number,
  stream: NodeJS.WriteStream = process.stderr,
  env: NodeJS.ProcessEnv = process.env,
): Progress {
  if (!stream.isTTY || env['CI']) {
    return {
      live: false,
      update: () => undefined,
      log: (line) => void stream.write(`${line}\n`),
      stop: () => undefined,
    };
  }
  const multi = new MultiBar({
    stream,
    format: `${label} {bar} {percentage}% | {value}/{total} ${unit} | {rate}/s | ETA {eta_formatted}`,
    hideCursor: true,
    clearOnComplete: false,
    etaBuffer: 20,
  });
  const bar = multi.create(total, 0, { rate: '0.0' });
  const started = Date.now();
  let stopped = false;
  return {
    live: true,
    update(done, newTotal) {
      if (newTotal !== undefined) bar.setTotal(newTotal);
      const seconds = Math.max(0.001, (Date.now() - started) / 1000);
      bar.update(done, { rate: (done / seconds).toFixed(1) });
    },
    log: (line) => multi.log(`${line}\n`),
    stop() {
      if (stopped) return;
      stopped = true;
      multi.stop();
    },
  };
}
