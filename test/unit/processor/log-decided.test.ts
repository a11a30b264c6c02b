import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import type { Decision, InboundEvent } from '../../../src/domain/index.ts';
import { createLogger } from '../../../src/observability/logger.ts';
import { logDecided } from '../../../src/processor/stages/emit.ts';

function capture(level: string) {
  const lines: Record<string, unknown>[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _enc, done) {
      lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
      done();
    },
  });
  return { lines, log: createLogger({ destination, level }).child({ component: 'lifecycle-processor' }) };
}

const event = {
  type: 'dept',
  event: { ticketId: 'T-1', envelope: { eventId: 'e-1', correlationId: null } },
} as unknown as InboundEvent;
const decision = {
  statuses: [{ version: 3 }],
  commands: [{ kind: 'CREATE' }],
  violations: [{ kind: 'PREMATURE_CLOSE' }],
} as unknown as Decision;

describe('logDecided', () => {
  it('logs what was decided at debug level', () => {
    const { lines, log } = capture('debug');
    logDecided(log, event, decision);
    expect(lines).toEqual([
      expect.objectContaining({
        msg: 'decided',
        ticketId: 'T-1',
        correlationId: 'e-1',
        eventId: 'e-1',
        versions: [3],
        commands: ['CREATE'],
        violations: ['PREMATURE_CLOSE'],
      }),
    ]);
  });

  it('writes nothing above debug level', () => {
    const { lines, log } = capture('info');
    logDecided(log, event, decision);
    expect(lines).toEqual([]);
  });
});
