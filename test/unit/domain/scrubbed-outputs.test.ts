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
