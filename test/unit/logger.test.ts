import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
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
