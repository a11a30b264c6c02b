import { readFileSync } from 'node:fs';
import avro from 'avsc';
import { describe, expect, it } from 'vitest';
import { resetOrderCommand, runWorkOrder } from '../../src/cli/workorder-command.ts';
import { loadConfig } from '../../src/config/index.ts';
import { CloseloopError } from '../../src/errors/index.ts';
import { createLogger } from '../../src/observability/logger.ts';

const args = { ticket: 'T1', workOrder: 'T1#1', by: 'alice', reason: 'feed renumbered' };
const problemOf = (f: () => unknown): CloseloopError => {
  try {
    f();
  } catch (err) {
    if (err instanceof CloseloopError) return err;
  }
  throw new Error('no CloseloopError');
};

describe('closeloop workorder reset-order', () => {
  it('builds a command that fits bridge.operator-commands.v1', () => {
    const schema = JSON.parse(readFileSync('schemas/bridge.operator-commands.v1.avsc', 'utf8')) as avro.Schema;
    const type = avro.Type.forSchema(schema);
    const command = resetOrderCommand(args, 'baltimore', 1_790_000_000_000, 'op-1');
    expect(command).toMatchObject({ ticketId: 'T1', kind: 'RESET_ORDER', workOrderId: 'T1#1', by: 'alice' });
    expect(type.isValid(command)).toBe(true);
    const crm = resetOrderCommand({ ...args, workOrder: undefined, crm: true }, 'baltimore', 1, 'op-2');
    expect(crm.workOrderId).toBeNull();
    expect(type.isValid(crm)).toBe(true);
  });

  it('names every missing option in one CL_ARGUMENT_INVALID error', () => {
    const err = problemOf(() => resetOrderCommand({ ticket: 'T1', by: ' ' }, 'baltimore', 1));
    expect(err.code).toBe('CL_ARGUMENT_INVALID');
    expect(err.details['options']).toEqual(['work-order', 'by', 'reason']);
    expect(err.message).toContain('--work-order is required');
    expect(err.message).toContain('--by is required: who resets, recorded in the audit');
  });

  it('refuses ids the bridge could not hold and control characters in who and why, shown escaped', () => {
    const err = problemOf(() =>
      resetOrderCommand(
        { ticket: 'x'.repeat(257), workOrder: 'T\u001b[2J', by: '\u001b[31mx', reason: 'ok' },
        'baltimore',
        1,
      ),
    );
    expect(err.details['options']).toEqual(['ticket', 'work-order', 'by']);
    expect(err.message).toContain('--ticket is 257 characters long; an identifier may have at most 256');
    expect(err.message).toContain('--by holds a control character');
    // Shown escaped: what was given never reaches the terminal as an escape sequence.
    expect(err.message).toContain('got "T\\u001b[2J"');
    expect(err.message).not.toContain('\u001b');
    // A space is a character of an id like any other, as the bridge takes ids from the CRM.
    expect(resetOrderCommand({ ...args, ticket: 'CS 4/1' }, 'baltimore', 1).ticketId).toBe('CS 4/1');
  });

  it('refuses --work-order together with --crm', () => {
    const err = problemOf(() => resetOrderCommand({ ...args, crm: true }, 'baltimore', 1));
    expect(err.message).toBe('--work-order and --crm exclude each other: reset one at a time');
  });

  it('answers bad arguments with exit code 2 before connecting to anything', async () => {
    const config = await loadConfig('config/closeloop.yaml', { KAFKA_BROKERS: '127.0.0.1:1' });
    const errors: string[] = [];
    const code = await runWorkOrder(
      'reset-order',
      { ticket: 'T1', workOrder: 'T1#1', by: 'alice' },
      config,
      createLogger({ level: 'silent' }),
      () => undefined,
      (l) => errors.push(l),
    );
    expect(code).toBe(2);
    expect(errors.join('\n')).toContain('--reason is required');
    expect(
      await runWorkOrder(
        'reset',
        args,
        config,
        createLogger({ level: 'silent' }),
        () => undefined,
        () => undefined,
      ),
    ).toBe(2);
  });
});
