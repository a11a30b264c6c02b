import { readFileSync } from 'node:fs';
import avro from 'avsc';
import { beforeAll, describe, expect, it } from 'vitest';
import type { TicketState } from '../../../src/domain/index.ts';
import { CUT_MARK, MAX_NOTES, TEXT_LIMITS, clip, withNote } from '../../../src/domain/text.ts';
import { stateToRecord } from '../../../src/processor/index.ts';
import { CANONICAL } from '../../../src/topics/index.ts';
import { Bridge, crm, dept, slaTestPolicy } from '../../support/domain.ts';

const typeOf = (topic: string) =>
  avro.Type.forSchema(JSON.parse(readFileSync(`schemas/${topic}.avsc`, 'utf8')) as avro.Schema);
const stateType = typeOf(CANONICAL.state);
const stateBytes = (t: TicketState) => stateType.toBuffer(stateToRecord(t)).length;

// 200 000 units, with a surrogate pair wherever a cut may fall.
const huge = (tag: string) => `${tag} ${'n😀'.repeat(100_000)}`;

describe('free text from inputs is cut to its limit', () => {
  it('leaves text within the limit alone, and cuts longer text with a mark, once', () => {
    expect(clip('short', 'note')).toBe('short');
    const long = 'x'.repeat(TEXT_LIMITS.note + 1);
    const cut = clip(long, 'note');
    expect(cut).toHaveLength(TEXT_LIMITS.note);
    expect(cut.endsWith(CUT_MARK)).toBe(true);
    expect(clip(cut, 'note')).toBe(cut);
  });

  it('never cuts inside a surrogate pair', () => {
    // The limit falls between the two halves of an emoji: the whole emoji goes.
    const text = `${'x'.repeat(TEXT_LIMITS.note - 2)}😀😀`;
    const cut = clip(text, 'note');
    expect(cut).toBe(`${'x'.repeat(TEXT_LIMITS.note - 2)}${CUT_MARK}`);
    // A lone surrogate is not text: encodeURIComponent refuses it.
    expect(() => encodeURIComponent(cut)).not.toThrow();
  });

  it('keeps the most recent notes, and cuts notes kept before the limits', () => {
    const old = Array.from({ length: 8 }, (_, i) => `${i} ${'o'.repeat(300_000)}`);
    const notes = withNote(old, 'newest');
    expect(notes).toHaveLength(MAX_NOTES);
    expect(notes.at(-1)).toBe('newest');
    expect(notes[0]?.startsWith(`${8 - MAX_NOTES + 1} `)).toBe(true);
    expect(notes.every((n) => n.length <= TEXT_LIMITS.note)).toBe(true);
  });
});

describe('free text an input lacks altogether', () => {
  it('is no text: a writer schema without the field leaves it missing, not null', async () => {
    const bridge = new Bridge(await slaTestPolicy());
    const missing = { description: undefined, note: undefined } as unknown as { description: null; note: null };
    const opened = bridge.send(crm('U', 'OPENED', 1, { serviceCode: 'POTHOLE', ...missing }));
    expect(opened.statuses.map((s) => s.lifecycleState)).toEqual(['ROUTED']);
    const started = bridge.send(dept('U', 'U#1', 'maximo', 'INPRG', 2, { note: missing.note }));
    expect(started.statuses.map((s) => s.lifecycleState)).toEqual(['IN_PROGRESS']);
  });
});

describe('a ticket fed huge texts stays small', () => {
  let bridge: Bridge;
  beforeAll(async () => {
    bridge = new Bridge(await slaTestPolicy());
    bridge.send(crm('P', 'OPENED', 1, { serviceCode: 'POTHOLE', description: huge('desc'), note: huge('open') }));
    bridge.send(crm('D', 'OPENED', 1, { serviceCode: 'POTHOLE', description: huge('dup'), duplicateOf: 'P' }));
    bridge.send(crm('F', 'OPENED', 1, { serviceCode: 'POTHOLE', followUpOf: 'P', note: huge('follow') }));
    for (let i = 0; i < 50; i += 1) bridge.send(crm('P', 'UPDATED', 2 + i, { note: huge(`update ${i}`) }));
    // Codes without a note of their own publish the department's: on two work orders, so the
    // closure note joins both.
    bridge.send(dept('P', 'P#1', 'maximo', 'APPR', 2, { note: huge('accepted') }));
    bridge.send(dept('P', 'P#2', 'maximo', 'INPRG', 2, { note: huge('second crew') }));
    bridge.send(dept('P', 'P#2', 'maximo', 'COMP', 3, { note: huge('done 2') }));
    bridge.send(dept('P', 'P#1', 'maximo', 'COMP', 3, { note: huge('done 1') }));
    bridge.send(crm('C', 'OPENED', 1, { serviceCode: 'POTHOLE', description: huge('cancel me') }));
    bridge.send(crm('C', 'CANCELLED', 2, { closureReason: 'CANCELLED_BY_REQUESTOR', note: huge('never mind') }));
  });

  it('keeps each state record within a few KiB of changelog', () => {
    // At most 3 bytes of UTF-8 per unit of text: a description, the notes kept, a note per work
    // order (two here) and a parent's note; ids, times and the recent event ids besides.
    const { description, note, composed } = TEXT_LIMITS;
    const bound = 3 * (description + (MAX_NOTES + 2) * note + composed) + 8_192;
    const p = bridge.ticket('P');
    expect(p.notes).toHaveLength(MAX_NOTES);
    expect(p.notes.at(-1)?.startsWith('update 49 ')).toBe(true);
    expect(p.description?.endsWith(CUT_MARK)).toBe(true);
    for (const id of ['P', 'D', 'F', 'C']) expect(stateBytes(bridge.ticket(id))).toBeLessThan(bound);
  });

  it('sends statuses, commands, links and quarantine records of bounded size', () => {
    const sized: [string, readonly object[], number][] = [
      [CANONICAL.status, bridge.statuses, 16_384],
      [CANONICAL.commands, bridge.commands, 16_384],
      [CANONICAL.links, bridge.links, 4_096],
      [CANONICAL.quarantine, bridge.violations, 4_096],
    ];
    for (const [topic, records, limit] of sized) {
      const type = typeOf(topic);
      for (const r of records) expect(type.toBuffer(r).length).toBeLessThan(limit);
    }
    const kinds = new Set(bridge.commands.map((c) => c.kind));
    expect([...kinds].sort()).toEqual(['ADD_NOTE', 'CANCEL', 'CREATE', 'UPDATE_PRIORITY']);
    expect(bridge.commands.filter((c) => c.kind === 'ADD_NOTE')).toHaveLength(50);
    expect(bridge.lastStatus('P')).toMatchObject({ lifecycleState: 'RESOLVED' });
    expect(bridge.lastStatus('P').closureNote?.endsWith(CUT_MARK)).toBe(true);
    // Closed once the department confirms the cancellation; until then the note waits in the state.
    expect(bridge.ticket('C').closureNote?.endsWith(CUT_MARK)).toBe(true);
    expect(bridge.commands.find((c) => c.kind === 'CANCEL')?.note?.endsWith(CUT_MARK)).toBe(true);
  });
});
