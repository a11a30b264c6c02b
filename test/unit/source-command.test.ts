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
    expect(err.join('\n')).toMatch(/^closeloop: CL_ARGUMENT_INVALID: --set takes the cursor/);
    expect(err.join('\n')).toContain('usage: closeloop source cursor <connector> [--set CURSOR] [--config FILE]');
  });

  // A cursor its source cannot read stopped the feed for good: the CRM answered 400 to `after=abc`
  // (paused as a misdirected endpoint), Maximo's cursor parse threw on `3` (paused unavailable).
  it("refuses a cursor the connector's source cannot read, naming the shape it takes", async () => {
    const config = await loadConfig('config/closeloop.yaml', {});
    for (const connector of ['crm-rest', 'posse']) {
      for (const bad of ['abc', '-3', '3.5', '1e3', '{"changedate":"2024-03-01T10:00:00Z","seen":[]}'])
        expect(problemOf(() => sourceCursorTarget(config, connector, bad)).message).toBe(
          `--set: the ${connector} source cannot read that cursor: it takes a sequence number, digits only (e.g. 1042)`,
        );
      expect(sourceCursorTarget(config, connector, '1042').set).toBe('1042');
    }
    const maximo = (set: string) => problemOf(() => sourceCursorTarget(config, 'maximo', set)).message;
    expect(maximo('3')).toMatch(
      /^--set: the maximo source cannot read that cursor: it takes the JSON cursor the feed stores/,
    );
    expect(maximo('{nope')).toMatch(/\(this is not JSON\)$/);
    expect(maximo('{"changedate":"yesterday","seen":[]}')).toMatch(/\(changedate is not a date\)$/);
    expect(maximo('{"changedate":"2024-03-01T10:00:00Z"}')).toMatch(/\(seen is not a list of workorderid:_rowstamp\)$/);
    expect(maximo('{"changedate":"2024-03-01T10:00:00Z","seen":[],"window":{"x":["1:2"]}}')).toMatch(
      /\(window maps dates to lists of keys\)$/,
    );
    const stored =
      '{"changedate":"2024-03-01T10:00:00Z","seen":["1042:9001"],"window":{"2024-03-01T09:58:00Z":["1041:8]"]}}';
    expect(sourceCursorTarget(config, 'maximo', stored).set).toBe(stored);
  });
});
