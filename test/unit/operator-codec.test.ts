import { describe, expect, it } from 'vitest';
import { resetOrderCommand } from '../../src/cli/workorder-command.ts';
import { toInbound } from '../../src/processor/index.ts';

const command = resetOrderCommand(
  { ticket: 'T1', workOrder: 'T1#1', by: 'alice', reason: 'feed renumbered' },
  'testville',
  1,
  'op-1',
);

describe('operator commands read by the processor', () => {
  it('reads a command keyed by its ticket', () => {
    expect(toInbound('operatorCommands', 'T1', command)).toEqual({ type: 'operator', event: command });
  });

  it('refuses a command that does not say who or why, or names a blank work order', () => {
    expect(() => toInbound('operatorCommands', 'T1', { ...command, by: ' ' })).toThrow(/without who \(by\) or why/);
    expect(() => toInbound('operatorCommands', 'T1', { ...command, reason: '' })).toThrow(/without who/);
    expect(() => toInbound('operatorCommands', 'T1', { ...command, workOrderId: ' ' })).toThrow(/workOrderId is blank/);
  });

  it('refuses a command keyed by another ticket, which another task would own', () => {
    expect(() => toInbound('operatorCommands', 'T2', command)).toThrow(/record key "T2" is not its ticketId "T1"/);
  });
});
