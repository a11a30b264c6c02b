import { describe, expect, it } from 'vitest';
import type { Policy } from '../../../src/domain/index.ts';
import { Bridge, crm, dept, testPolicy } from '../../support/domain.ts';

// A department's own note is free text its staff write; it may name a resident, which no scrubber
// tells from a street's or a crew's name. A city can keep such notes of a system from citizens.
async function policyWith(departmentNotes: 'public' | 'withheld' | undefined): Promise<Policy> {
  const policy = await testPolicy();
  const maximo = policy.mappings['maximo'];
  if (!maximo) throw new Error('the test policy maps maximo');
  return { ...policy, mappings: { ...policy.mappings, maximo: { ...maximo, departmentNotes } } };
}

function notesOf(policy: Policy): string[] {
  const bridge = new Bridge(policy);
  bridge.send(crm('SR-1', 'OPENED', 1, { serviceCode: 'POTHOLE' }));
  const note = 'Spoke to Mrs Jane Smith of 12 Elm St; she will meet the crew';
  bridge.send(dept('SR-1', 'SR-1#1', 'maximo', 'INPRG', 2, { department: 'transportation', note }));
  bridge.send(dept('SR-1', 'SR-1#1', 'maximo', 'COMP', 3, { department: 'transportation', note }));
  return bridge.statusesOf('SR-1').map((s) => s.statusNote);
}

describe("a department's own note", () => {
  it('is shown by default, as the mapping gives no plain-words note of the code', async () => {
    for (const setting of [undefined, 'public'] as const) {
      const notes = notesOf(await policyWith(setting));
      expect(notes.filter((n) => n.includes('Jane Smith'))).toHaveLength(2);
    }
  });

  it('is never shown when the mapping withholds it: the plain-words status stands alone', async () => {
    const notes = notesOf(await policyWith('withheld'));
    expect(notes).toHaveLength(3);
    expect(notes.join(' ')).not.toContain('Jane Smith');
    expect(notes[1]).toBe('transportation is working on it.');
  });
});
