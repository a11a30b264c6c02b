import { describe, expect, it } from 'vitest';
import { OPS_USAGE, opsRequest } from '../../../src/cli/ops-args.ts';
import { loadConfig } from '../../../src/config/index.ts';
import { isCloseloopError } from '../../../src/errors/index.ts';
import { parseDeadLetterId, parseInstant, parseSinceUntil, parseTopic } from '../../../src/ops/index.ts';
import { deadLetterTopics } from '../../../src/topics/index.ts';

/** The CL_ARGUMENT_INVALID message `run` throws; fails the test when it does not throw one. */
function refusal(run: () => unknown): string {
  try {
    run();
  } catch (err) {
    if (isCloseloopError(err, 'CL_ARGUMENT_INVALID')) return err.message;
    throw err;
  }
  throw new Error('expected CL_ARGUMENT_INVALID, nothing was thrown');
}

describe('ops filters: instants', () => {
  it('takes ISO-8601 instants with a zone and gives them as UTC ISO text', () => {
    expect(parseInstant('since', '2024-05-01T00:00:00Z')).toBe('2024-05-01T00:00:00.000Z');
    expect(parseInstant('since', '2024-05-01T02:30+02:00')).toBe('2024-05-01T00:30:00.000Z');
    expect(parseInstant('until', '2024-02-29T23:59:59.123456Z')).toBe('2024-02-29T23:59:59.123Z');
  });

  it.each([
    'yesterday',
    '',
    ' 2024-05-01T00:00:00Z',
    '2024-05-01',
    '2024-05-01T00:00:00',
    'May 1 2024 00:00 UTC',
    '2023-02-29T00:00:00Z',
    '2024-13-01T00:00:00Z',
    '2024-05-01T24:00:00Z',
    '1714521600000',
  ])('refuses %j, naming the option and showing a valid example', (value) => {
    const message = refusal(() => parseInstant('since', value));
    expect(message).toContain('--since');
    expect(message).toContain('--since 2024-05-01T00:00:00Z');
    expect(message).toContain(JSON.stringify(value));
  });

  it('refuses a --since that is not before --until', () => {
    expect(refusal(() => parseSinceUntil('2024-05-02T00:00:00Z', '2024-05-01T00:00:00Z'))).toContain('--until');
    expect(parseSinceUntil(undefined, '2024-05-01T00:00:00Z')).toEqual({ until: '2024-05-01T00:00:00.000Z' });
  });
});

describe('ops filters: topics and ids of one pipeline', () => {
  const dlqs = ['a.crm.dlq', 'a.status.dlq'];

  it('takes a dead-letter topic or the topic it belongs to, and lists the valid ones otherwise', () => {
    expect(parseTopic('a.crm', dlqs)).toBe('a.crm');
    expect(parseTopic('a.status.dlq', dlqs)).toBe('a.status.dlq');
    const message = refusal(() => parseTopic('b.crm.dlq', dlqs));
    expect(message).toContain('--topic');
    expect(message).toContain('a.crm, a.crm.dlq, a.status, a.status.dlq');
    expect(refusal(() => parseTopic('', dlqs))).toContain('--topic');
  });

  it('takes <dlq topic>:<partition>:<offset> on the pipeline only', () => {
    expect(parseDeadLetterId('a.crm.dlq:0:42', dlqs)).toBe('a.crm.dlq:0:42');
    for (const bad of ['', 'a.crm.dlq', 'a.crm.dlq:0', 'a.crm.dlq:x:1', 'a.crm.dlq:0:1:2', 'b.crm.dlq:0:1']) {
      expect(refusal(() => parseDeadLetterId(bad, dlqs))).toContain('--id a.crm.dlq:0:42');
    }
  });
});

describe('ops requests', () => {
  const config = loadConfig('config/closeloop.yaml', {});

  it('checks every option of dlq list, replay, show and quarantine list', async () => {
    const c = await config;
    const [first = ''] = deadLetterTopics(c);
    expect(opsRequest('dlq', 'list', { since: '2024-05-01T00:00:00Z', code: 'CL_DECODE_MALFORMED' }, c)).toEqual({
      action: 'dlq list',
      filter: { since: '2024-05-01T00:00:00.000Z', code: 'CL_DECODE_MALFORMED' },
    });
    expect(opsRequest('dlq', 'replay', { ticket: 'SR-1', by: ' ops@city ' }, c)).toEqual({
      action: 'dlq replay',
      filter: { ticket: 'SR-1' },
      by: 'ops@city',
      again: false,
      reason: null,
    });
    expect(opsRequest('dlq', 'replay', { by: 'ops@city', again: true, reason: ' CRM fixed ' }, c)).toMatchObject({
      again: true,
      reason: 'CRM fixed',
    });
    expect(opsRequest('dlq', 'show', { id: `${first}:1:2` }, c)).toEqual({ action: 'dlq show', id: `${first}:1:2` });
    expect(opsRequest('dlq', 'nope', {}, c)).toBeNull();

    const cases: [string, string, Record<string, string | boolean>, string][] = [
      ['dlq', 'list', { since: 'yesterday' }, '--since'],
      ['dlq', 'list', { until: '2024-05-01' }, '--until'],
      ['dlq', 'list', { code: '' }, '--code CL_CONNECTOR_REJECTED'],
      ['dlq', 'list', { code: 'cl_decode_malformed' }, '--code'],
      ['dlq', 'list', { ticket: '' }, '--ticket SR-000002'],
      ['dlq', 'list', { ticket: 'SR\u00071' }, '--ticket'],
      ['dlq', 'replay', { by: 'ops\u001b[31m' }, '--by'],
      ['dlq', 'list', { topic: 'someone-else.crm.ticket-events.v1.dlq' }, first],
      ['dlq', 'replay', { since: 'yesterday', by: 'ops@city' }, '--since'],
      ['dlq', 'replay', {}, '--by operator@city'],
      ['dlq', 'replay', { by: '  ' }, '--by'],
      ['dlq', 'replay', { by: 'ops@city', again: true }, '--reason'],
      ['dlq', 'replay', { by: 'ops@city', again: true, reason: ' ' }, '--reason'],
      ['dlq', 'replay', { by: 'ops@city', reason: 'fixed\u001b[2J' }, '--reason'],
      ['dlq', 'show', {}, '--id'],
      ['quarantine', 'list', { since: 'last week' }, '--since'],
      ['quarantine', 'list', { kind: 'nope' }, '--kind UNMAPPED_CODE'],
    ];
    for (const [command, sub, args, expected] of cases) {
      expect(refusal(() => opsRequest(command, sub, args, c))).toContain(expected);
    }
  });

  it('documents the instant format in the usage', () => {
    expect(OPS_USAGE).toContain('2024-05-01T00:00:00Z');
  });
});
