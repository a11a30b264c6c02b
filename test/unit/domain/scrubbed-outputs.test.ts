import { describe, expect, it } from 'vitest';
import { Bridge, crm, dept, testPolicy } from '../../support/domain.ts';

const description = 'Pothole by my house; call me at 410_555_0199 or jane＠example．org';

describe('the one scrubber on what the bridge writes', () => {
  it('scrubs contact data from department notes before they reach the status topic', async () => {
    const bridge = new Bridge(await testPolicy());
    bridge.send(crm('T1', 'OPENED', 1, { serviceCode: 'POTHOLE' }));
    bridge.send(
      dept('T1', 'T1#1', 'maximo', 'COMP', 2, {
        department: 'transportation',
        note: 'Fixed; resident on 020 7946 0958.',
      }),
    );
    const notes = bridge.statuses.map((s) => s.statusNote).join(' | ');
    expect(notes).toContain('[redacted]');
    expect(notes).not.toMatch(/7946/);
  });

  it('sends descriptions to departments as written, unless the city asks for them scrubbed', async () => {
    const plain = new Bridge(await testPolicy());
    plain.send(crm('T1', 'OPENED', 1, { serviceCode: 'POTHOLE', description }));
    expect(plain.commands[0]?.description).toBe(description);

    const scrubbing = new Bridge({ ...(await testPolicy()), scrubDescriptions: true });
    scrubbing.send(crm('T1', 'OPENED', 1, { serviceCode: 'POTHOLE', description }));
    expect(scrubbing.commands[0]?.description).toBe('Pothole by my house; call me at [redacted] or [redacted]');
  });
});

describe("an agent's notes under the same privacy policy as the description", () => {
  const typed = 'Resident called again, reach her on 410-555-0199 / jane@example.org';
  const withdrawn = 'Withdrawn by phone, 410 555 0199';

  async function cancelledWithNotes(scrubDescriptions: boolean): Promise<Bridge> {
    const bridge = new Bridge({ ...(await testPolicy()), scrubDescriptions });
    bridge.send(crm('T', 'OPENED', 1, { serviceCode: 'POTHOLE', description }));
    bridge.send(crm('T', 'UPDATED', 2, { note: typed }));
    bridge.send(crm('T', 'CANCELLED', 3, { closureReason: 'CANCELLED_BY_REQUESTOR', note: withdrawn }));
    return bridge;
  }

  it('scrubs the ADD_NOTE and CANCEL notes sent to departments when the city asks', async () => {
    const bridge = await cancelledWithNotes(true);
    const notes = bridge.commands.filter((c) => c.kind !== 'CREATE').map((c) => [c.kind, c.note]);
    expect(notes).toEqual([
      ['ADD_NOTE', 'Resident called again, reach her on [redacted] / [redacted]'],
      ['CANCEL', 'Withdrawn by phone, [redacted]'],
    ]);
  });

  it('sends them as typed otherwise', async () => {
    const bridge = await cancelledWithNotes(false);
    const notes = bridge.commands.filter((c) => c.kind !== 'CREATE').map((c) => c.note);
    expect(notes).toEqual([typed, withdrawn]);
  });

  it('scrubs the closure note written to the status topic, whatever the policy', async () => {
    const bridge = await cancelledWithNotes(false);
    bridge.send(dept('T', 'T#1', 'maximo', 'CAN', 10, { department: 'transportation' }));
    const status = bridge.lastStatus('T');
    expect(status.lifecycleState).toBe('CANCELLED');
    expect(status.closureNote).toBe('Withdrawn by phone, [redacted]');
  });
});
