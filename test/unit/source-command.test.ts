import { describe, expect, it } from 'vitest';
import { runSourceCursor, sourceCursorTarget } from '../../src/cli/source-command.ts';
import { loadConfig } from '../../src/config/index.ts';
import { CloseloopError } from '../../src/errors/index.ts';
import { createLogger } from '../../src/observability/logger.ts';

const problemOf = (f: () => unknown): CloseloopError => {
  try {
    f();
  } catch (err) {
    if (err instanceof CloseloopError) return err;
  }
  throw new Error('no CloseloopError');
};

describe('closeloop source cursor', () => {
  it('names the cursor record and transactional id the worker uses: <topics.cursors>, <connector>:<jurisdiction>', async () => {
    const config = await loadConfig('config/closeloop.yaml', {});
    expect(sourceCursorTarget(config, 'crm-rest', '3')).toEqual({
      cursorTopic: 'closeloop.connector-cursors',
      cursorKey: 'crm-rest:baltimore',
      set: '3',
      fencedRetryMs: 30_000,
    });
    expect(sourceCursorTarget(config, 'posse', undefined)).toMatchObject({ cursorKey: 'posse:baltimore', set: null });
  });

  it('refuses, before anything connects, a connector with no source running and a cursor with blanks or control characters', async () => {
    const config = await loadConfig('config/closeloop.yaml', {});
    const unknown = problemOf(() => sourceCursorTarget(config, 'sap-pm', '3'));
    expect(unknown.code).toBe('CL_ARGUMENT_INVALID');
    expect(unknown.message).toBe('no connector sap-pm in the config (it has: crm-rest, posse, maximo)');
    const off = { ...config, connectors: config.connectors.map((c) => ({ ...c, source: c.name !== 'posse' })) };
    expect(problemOf(() => sourceCursorTarget(off, 'posse', '3')).message).toContain(
      "posse's source is off in the config (source: false)",
    );
    for (const bad of ['', ' ', ' 3', '3\n', '3\u0000'])
      expect(problemOf(() => sourceCursorTarget(config, 'crm-rest', bad)).message).toMatch(/^--set takes the cursor/);

    // The command says so and exits 2; the config's broker is never asked (nothing listens there).
    const err: string[] = [];
    const code = await runSourceCursor(
      'crm-rest',
      { set: ' 3' },
      { ...config, kafka: { ...config.kafka, brokers: ['127.0.0.1:1'] } },
      createLogger({ level: 'silent' }),
      () => undefined,
      (l) => err.push(l),
    );
    expect(code).toBe(2);
    expect(err.join('\n')).toMatch(/^closeloop source cursor: CL_ARGUMENT_INVALID: --set takes the cursor/);
    expect(err.join('\n')).toContain('usage: closeloop source cursor <connector> [--set CURSOR] [--config FILE]');
  });
});
