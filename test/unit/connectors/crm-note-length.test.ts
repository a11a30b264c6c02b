import { describe, expect, it } from 'vitest';
import { crmRest } from '../../../connectors/crm-rest/index.ts';
import { crmRestConfig } from '../../../connectors/crm-rest/config.ts';
import { cutText } from '../../../connectors/crm-rest/notes.ts';
import { CrmSimulator } from '../../../connectors/crm-rest/simulator.ts';
import { createLogger } from '../../../src/observability/logger.ts';
import { parseConnectorConfig, type TicketStatusChange } from '../../../src/sdk/index.ts';
import { cleanupAfter } from '../../support/cleanup.ts';
import { Bridge, crm, dept, testPolicy } from '../../support/domain.ts';

// A CRM refuses a whole status update whose note is longer than its column (422 "statusNote: at
// most 40 characters"). Refused as a data error, that status was dead-lettered, every later one
// of its ticket after it as out of order, and a replay refused again: the ticket could never be
// updated. With the CRM's lengths configured, notes are cut to them.

const cleanup = cleanupAfter('each');

/** The CRM simulator keeping notes of `noteLength`, a sink with `settings`, and what it logs. */
async function crmKeeping(noteLength: number, settings: Record<string, unknown>) {
  const sim = new CrmSimulator({ token: 'tok', noteLength });
  const url = await sim.start();
  cleanup.push(() => sim.stop());
  const t = sim.createTicket({ serviceCode: 'SR-POTHOLE' });
  const bridge = new Bridge(await testPolicy());
  bridge.send(crm(t.id, 'OPENED', 1, { serviceCode: 'POTHOLE' }));
  bridge.send(dept(t.id, `${t.id}#1`, 'maximo', 'COMP', 2, { department: 'transportation' }));
  const [v1, v2] = bridge.statusesOf(t.id) as [TicketStatusChange, TicketStatusChange];
  const logs: string[] = [];
  const logger = createLogger({ level: 'info', destination: { write: (line: string) => void logs.push(line) } });
  const config = parseConnectorConfig('crm-rest', crmRestConfig, {
    baseUrl: url,
    jurisdiction: 'testville',
    ...settings,
  });
  const sink = crmRest.sink?.(config, { logger, env: { CRM_API_TOKEN: 'tok' }, clock: Date.now });
  if (!sink) throw new Error('crm-rest must have a sink');
  return { sim, v1, v2, sink, logs };
}

/** No half of a surrogate pair is left alone (encodeURIComponent throws on one). */
function wellFormed(text: string | undefined): boolean {
  try {
    encodeURIComponent(text ?? '');
    return true;
  } catch {
    return false;
  }
}

/** 37 units, then an emoji of two code points (four UTF-16 units) across the 40th unit. */
const LONG_NOTE = `Crew sent to repair the pothole here ${'👍🏽'} on the corner of Elm Street; call 555-0100.`;

describe('crm-rest sink: a note longer than the CRM keeps', () => {
  it('cuts a text to its length in UTF-16 units, between graphemes, with an ellipsis', () => {
    expect(cutText('short', 40)).toBe('short');
    expect(cutText('x'.repeat(40), 40)).toBe('x'.repeat(40));
    expect(cutText('x'.repeat(41), 40)).toBe(`${'x'.repeat(39)}…`);
    // An emoji with its skin tone, a flag and an accent written as a combining mark stay whole.
    for (const whole of ['👍🏽', '🇨🇦', 'e\u0301', '👩‍👩‍👧']) {
      const cut = cutText(`${'a'.repeat(37)}${whole}${'b'.repeat(10)}`, 40);
      expect(cut.length).toBeLessThanOrEqual(40);
      expect(wellFormed(cut)).toBe(true);
      expect(cut.endsWith('…')).toBe(true);
      expect([`${'a'.repeat(37)}…`, `${'a'.repeat(37)}${whole}…`]).toContain(cut);
    }
    // No space is left before the ellipsis.
    expect(cutText(`${'a'.repeat(20)} ${'b'.repeat(30)}`, 22)).toBe(`${'a'.repeat(20)}…`);
  });

  it('sends notes cut to statusNoteLength and closureNoteLength, and logs the cut without the note', async () => {
    const { sim, v1, v2, sink, logs } = await crmKeeping(40, { statusNoteLength: 40, closureNoteLength: 40 });
    await sink.deliver({ ...v1, statusNote: LONG_NOTE });
    await sink.deliver({ ...v2, statusNote: LONG_NOTE, closureNote: LONG_NOTE });
    expect(sim.applied.map((a) => a.version)).toEqual([1, 2]);
    expect('Crew sent to repair the pothole here '.length).toBe(37);
    for (const note of [sim.applied[0]?.statusNote, sim.applied[1]?.statusNote]) {
      // The emoji does not fit whole, so it goes, and the space before it.
      expect(note).toBe('Crew sent to repair the pothole here…');
    }
    const cut = logs.filter((l) => l.includes("note cut to the CRM's length")).map((l) => JSON.parse(l) as object);
    expect(cut).toEqual([
      expect.objectContaining({ version: 1, field: 'statusNote', length: LONG_NOTE.length, limit: 40 }),
      expect.objectContaining({ version: 2, field: 'statusNote', limit: 40 }),
      expect.objectContaining({ version: 2, field: 'closureNote', limit: 40 }),
    ]);
    expect(logs.join('\n')).not.toContain('555-0100');
    expect(logs.join('\n')).not.toContain('Crew sent');
  });

  it('sends notes whole without the setting, and a 422 stays a data error', async () => {
    const { sim, v1, sink } = await crmKeeping(40, {});
    await expect(sink.deliver({ ...v1, statusNote: LONG_NOTE })).rejects.toMatchObject({
      code: 'CL_CONNECTOR_REJECTED',
      retriable: false,
      details: { httpStatus: 422 },
    });
    await sink.deliver({ ...v1, statusNote: 'Sent to transportation.' });
    expect(sim.applied.map((a) => a.statusNote)).toEqual(['Sent to transportation.']);
  });

  it('refuses a length below 10 in the config', () => {
    expect(() =>
      parseConnectorConfig('crm-rest', crmRestConfig, {
        baseUrl: 'http://127.0.0.1:1',
        jurisdiction: 'testville',
        statusNoteLength: 3,
      }),
    ).toThrow(/statusNoteLength: Too small/);
  });
});
