import { Writable } from 'node:stream';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { errorLine } from '../../src/cli/describe-error.ts';
import { createLogger } from '../../src/observability/logger.ts';

describe('log redaction', () => {
  it('never writes credentials or citizen contact data', () => {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _enc, done) {
        lines.push(chunk.toString());
        done();
      },
    });
    const log = createLogger({ destination: sink, level: 'info' });
    log.info(
      {
        ticketId: 'T-1',
        password: 'hunter2',
        config: { headers: { Authorization: 'Bearer s3cr3t' } },
        citizen: { name: 'Ada Lovelace', email: 'ada@example.org' },
        ticket: { email: 'ada@example.org', phone: '+1 555 0100', address: '12 Main St' },
      },
      'ticket received',
    );
    const out = lines.join('');
    expect(out).toContain('T-1');
    for (const secret of ['hunter2', 's3cr3t', 'Ada Lovelace', 'ada@example.org', '555 0100', '12 Main St']) {
      expect(out).not.toContain(secret);
    }
  });
});

describe('a log level that pino does not have', () => {
  afterEach(() => vi.unstubAllEnvs());

  it('is refused as LOG_LEVEL with CL_CONFIG_INVALID and the levels there are, as every command prints an error', () => {
    vi.stubEnv('LOG_LEVEL', 'verbose');
    const err = ((): unknown => {
      try {
        createLogger();
      } catch (e) {
        return e;
      }
      return null;
    })();
    expect(err).toMatchObject({ code: 'CL_CONFIG_INVALID' });
    expect(errorLine(err)).toBe(
      'closeloop: CL_CONFIG_INVALID: LOG_LEVEL "verbose" is no log level: ' +
        'one of trace, debug, info, warn, error, fatal, silent',
    );
    // The tools pass LOG_LEVEL on as their level: refused alike.
    expect(() => createLogger({ level: 'verbose' })).toThrow(/^LOG_LEVEL "verbose" is no log level/);
  });

  // pino takes its own levels in any case, and deployments wrote LOG_LEVEL=INFO before the check.
  it('is accepted in upper case, as pino takes it', () => {
    vi.stubEnv('LOG_LEVEL', 'INFO');
    expect(createLogger().level).toBe('info');
    vi.stubEnv('LOG_LEVEL', 'Debug');
    expect(createLogger().level).toBe('debug');
  });

  it('is accepted for each of pino levels and silent', () => {
    for (const level of ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent']) {
      vi.stubEnv('LOG_LEVEL', level);
      expect(createLogger().level).toBe(level);
    }
  });
});
