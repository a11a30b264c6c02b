import { describe, expect, it } from 'vitest';
import type { Policy } from '../../../src/domain/index.ts';
import { CloseloopError } from '../../../src/errors/index.ts';
import { WorkingState } from '../../../src/processor/stages/decide.ts';
import { at } from '../../support/sla.ts';
import { crm, slaTestPolicy } from '../../support/domain.ts';

/** A policy whose SLA lookup throws `err` while the decision runs, as a calendar or a bug would. */
async function throwing(err: Error): Promise<Policy> {
  const policy = await slaTestPolicy();
  if (!policy.sla) throw new Error('the test policy has SLAs');
  const policyFor = (): never => {
    throw err;
  };
  return { ...policy, sla: { ...policy.sla, policyFor } };
}

const decideWith = async (err: Error) => {
  const verdict = new WorkingState(new Map()).decide(
    crm('T1', 'OPENED', 1, { serviceCode: 'POTHOLE' }),
    await throwing(err),
    at('2026-11-16T10:00'),
  );
  if (verdict.kind !== 'dead') throw new Error('expected a dead letter');
  return verdict.error;
};

describe('decide stage', () => {
  it('dead-letters a decision error of the decide stage under its own code', async () => {
    const unreachable = new CloseloopError('CL_SLA_TARGET_UNREACHABLE', 'calendar city: fewer than 5 business days', {
      details: { calendar: 'city', businessDays: 5 },
    });
    const error = await decideWith(unreachable);
    expect(error).toBe(unreachable);
    expect(error).toMatchObject({ code: 'CL_SLA_TARGET_UNREACHABLE', stage: 'decide', retriable: false });
  });

  it('wraps any other throw (a bug, or an error of another stage) as CL_DECIDE_FAILED', async () => {
    const bug = new TypeError('x is undefined');
    expect(await decideWith(bug)).toMatchObject({ code: 'CL_DECIDE_FAILED', stage: 'decide', cause: bug });
    const other = new CloseloopError('CL_CONFIG_INVALID', 'not here');
    expect(await decideWith(other)).toMatchObject({ code: 'CL_DECIDE_FAILED', cause: other });
  });
});
