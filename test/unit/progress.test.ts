import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { progress } from '../../src/observability/progress.ts';

function terminal(isTTY: boolean): NodeJS.WriteStream & { written: string } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      chunks.push(chunk.toString('utf8'));
      done();
    },
  }) as unknown as NodeJS.WriteStream & { written: string };
  Object.assign(stream, { isTTY, columns: 120, cursorTo: () => true, clearLine: () => true, moveCursor: () => true });
  Object.defineProperty(stream, 'written', { get: () => chunks.join('') });
  return stream;
}

describe('progress on a terminal', () => {
  it('draws a bar with the count, a rate and an ETA on a terminal', () => {
    const tty = terminal(true);
    const p = progress('[demo]', 'tickets closed', 60, tty, {});
    p.update(30);
    p.stop();
    expect(p.live).toBe(true);
    expect(tty.written).toMatch(/\[demo\] .* 50% \| 30\/60 tickets closed \| [\d.]+\/s \| ETA /);
  });

  it('stays quiet when piped or in CI', () => {
    for (const [isTTY, env] of [
      [false, {}],
      [true, { CI: 'true' }],
    ] as const) {
      const out = terminal(isTTY);
      const p = progress('[demo]', 'tickets closed', 60, out, env);
      p.update(30);
      p.log('a line for people');
      p.stop();
      expect(p.live).toBe(false);
      // No bar, no control codes: only the lines, as they were.
      expect(out.written).toBe('a line for people\n');
    }
  });
});
