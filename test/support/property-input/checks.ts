/**
 * What every run of the input fuzzing must show (test/unit/processor/input.property.test.ts):
 * each record sent either dead-lettered once, with its provenance and its own bytes, or read as
 * the event it is and decided as the pure model decides it (applied, quarantined or both), never
 * both and never neither; statuses as the model gives them; no contact data in a dead letter's
 * headers, a violation or the log; the processor up, reading, and past every record.
 */
import { isDeepStrictEqual } from 'node:util';
import type { InboundEvent } from '../../../src/domain/index.ts';
import { ERROR_CATALOG, type ErrorCode } from '../../../src/errors/index.ts';
import type { IncomingRecord } from '../../../src/messaging/index.ts';
import { DLQ_HEADERS, toInbound } from '../../../src/processor/index.ts';
import { REPARTITION_HEADERS } from '../../../src/processor/repartition.ts';
import { RECORD_NAMES } from '../../../src/topics/index.ts';
import { Bridge } from '../domain.ts';
import { statusBrief } from '../in-memory-processor.ts';
import { check } from '../property/check.ts';
import { CONTACT } from './plan.ts';
import { at, repartitionTopics, type Outcome, type Sent } from './run.ts';

const text = (b: Buffer | undefined) => b?.toString('utf8');
const shown = (s: Sent) => ({
  at: at(s.topic, s.partition, s.offset),
  fate: s.fate,
  event: `${s.event.type} ${s.event.event.ticketId} ${s.event.event.envelope.eventId}`,
  fault: s.item.fault && {
    ...s.item.fault,
    ...('headers' in s.item.fault ? { headers: s.item.fault.headers.map(([n]) => n) } : {}),
  },
});

/** Where a dead letter says its record was read, and, for a forwarded one, where it was first read. */
function sourceOf(letter: IncomingRecord, repartition: ReadonlySet<string>) {
  const h = (name: string) => text(letter.headers[name]) ?? '?';
  const named = at(h(DLQ_HEADERS.topic), h(DLQ_HEADERS.partition), h(DLQ_HEADERS.offset));
  // Read from a repartition topic: its forward names where it was first read (see repartition.ts).
  const forwardedFrom = repartition.has(h(DLQ_HEADERS.topic))
    ? at(h(REPARTITION_HEADERS.topic), h(REPARTITION_HEADERS.partition), h(REPARTITION_HEADERS.offset))
    : null;
  return { named, forwardedFrom, where: forwardedFrom ?? named };
}

/** The letter's topic, code, stage and other headers are as the catalogue and the record say. */
function checkProvenance(letter: IncomingRecord, s: Sent, forwardedFrom: string | null): void {
  const h = (name: string) => text(letter.headers[name]);
  const topic = h(DLQ_HEADERS.topic);
  check(letter.topic === `${topic}.dlq`, 'a record is dead-lettered beside another topic than its own', {
    ...shown(s),
    letterTopic: letter.topic,
  });
  const readFrom = forwardedFrom === null ? s.topic === topic : s.misplaced;
  check(readFrom, 'a dead letter names another topic than the one the record was read from', { ...shown(s), topic });
  const code = h(DLQ_HEADERS.code) ?? '';
  const spec = ERROR_CATALOG[code as ErrorCode] as (typeof ERROR_CATALOG)[ErrorCode] | undefined;
  check(spec !== undefined, 'a dead letter carries no catalogued CL_ code', { ...shown(s), code });
  check(!spec.retriable, 'a record is dead-lettered with a retriable code', { ...shown(s), code });
  check(h(DLQ_HEADERS.stage) === spec.stage, "a dead letter's stage is not its code's", { ...shown(s), code });
  for (const name of [DLQ_HEADERS.connector, DLQ_HEADERS.message, DLQ_HEADERS.time]) {
    check(Boolean(h(name)), `a dead letter has no ${name}`, shown(s));
  }
}

/** The letter keeps the record's key, value and headers, or names what it had to leave out. */
function checkKept(letter: IncomingRecord, s: Sent): void {
  const h = (name: string) => text(letter.headers[name]);
  check(isDeepStrictEqual(letter.key, s.key), "a dead letter's key is not the record's bytes", {
    ...shown(s),
    sent: s.key?.toString('hex'),
    kept: letter.key?.toString('hex'),
  });
  const dropped = h(DLQ_HEADERS.valueDropped);
  const valueKept =
    dropped === undefined ? isDeepStrictEqual(letter.value, s.value) : dropped === String(s.value?.length);
  check(valueKept, "a dead letter's value is not the record's bytes", { ...shown(s), dropped });
  // Headers too large to keep are left out by name (see deadLetter).
  const leftOut = h(DLQ_HEADERS.headersDropped)?.split(',') ?? [];
  const carried = letter.headerList ?? Object.entries(letter.headers).map(([k, v]) => [k, v ?? null] as const);
  for (const [name, value] of s.headers) {
    const kept = leftOut.includes(name) || carried.some(([k, v]) => k === name && isDeepStrictEqual(v ?? null, value));
    check(kept, "a dead letter lost one of the record's own headers", { ...shown(s), header: name });
  }
}

/**
 * Property 2, and property 1 for dead letters: each names one record sent, once, with its
 * provenance and its own bytes; every record that cannot be taken has one, no well-formed one.
 */
export function deadLettered(o: Outcome): Map<string, IncomingRecord> {
  const sent = new Map(o.sent.map((s) => [at(s.topic, s.partition, s.offset), s]));
  const repartition = new Set(repartitionTopics(o.config));
  const letters = new Map<string, IncomingRecord>();
  for (const letter of o.letters) {
    const { named, forwardedFrom, where } = sourceOf(letter, repartition);
    const s = sent.get(where);
    const code = text(letter.headers[DLQ_HEADERS.code]);
    check(s !== undefined, 'a dead letter names no record sent', { named, forwardedFrom, code });
    check(!letters.has(where), 'a record is dead-lettered twice', shown(s));
    letters.set(where, letter);
    checkProvenance(letter, s, forwardedFrom);
    checkKept(letter, s);
  }
  for (const s of o.sent) {
    const dead = letters.has(at(s.topic, s.partition, s.offset));
    check(dead || s.fate !== 'dead', 'a record that cannot be taken was not dead-lettered', shown(s));
    check(!dead || s.fate !== 'taken', 'a well-formed record was dead-lettered', {
      ...shown(s),
      code: text(letters.get(at(s.topic, s.partition, s.offset))?.headers[DLQ_HEADERS.code]),
      message: text(letters.get(at(s.topic, s.partition, s.offset))?.headers[DLQ_HEADERS.message]),
    });
  }
  return letters;
}

/**
 * Property 1 and 3: every record not dead-lettered reads as an event, and the pure model, fed
 * those events in the order sent, decides each to move its ticket or to quarantine it; the
 * processor's statuses and violations are the model's, so a dead-lettered record is in no other
 * place and a taken one in its own.
 */
export async function decidedAsModel(o: Outcome, letters: ReadonlyMap<string, IncomingRecord>): Promise<void> {
  const model = new Bridge(o.config.policy);
  for (const s of o.sent) {
    const where = at(s.topic, s.partition, s.offset);
    if (letters.has(where)) continue;
    const record = o.read.get(where);
    check(record !== undefined, 'a record sent is not on its input', shown(s));
    let event: InboundEvent;
    try {
      const { value } = await o.serde.decodeAs(record.value, RECORD_NAMES[s.input], record.headers);
      event = toInbound(s.input, record.key?.toString('utf8') ?? null, value);
    } catch (err) {
      check(false, 'a record neither dead-lettered nor readable as an event was passed over', {
        ...shown(s),
        error: String(err),
      });
    }
    // A well-formed record must read as what was written; a spoilt one that still reads, as it reads.
    if (s.fate === 'taken') {
      const written = s.event.event as unknown as Record<string, unknown>;
      const read = event.event as unknown as Record<string, unknown>;
      // As JSON: what was read is of avsc's record classes, what was written plain objects.
      const changed = Object.keys(written).filter((k) => JSON.stringify(read[k]) !== JSON.stringify(written[k]));
      check(changed.length === 0, 'a well-formed record was not read as written', {
        ...shown(s),
        changed: changed.map((k) => ({ field: k, written: written[k], read: read[k] })),
      });
    }
    const d = model.send(event);
    check(d.stateChanged || d.statuses.length > 0 || d.violations.length > 0, 'a record taken changed nothing', {
      ...shown(s),
      read: event.event.envelope.eventId,
    });
  }
  for (const id of new Set([...model.statuses, ...o.statuses].map((s) => s.ticketId))) {
    const got = o.statuses.filter((s) => s.ticketId === id).map(statusBrief);
    const want = model.statusesOf(id).map(statusBrief);
    check(isDeepStrictEqual(got, want), `the statuses of ${id} are not the model's`, {
      got,
      want,
      sent: o.sent.map(shown),
    });
  }
  const violations = (vs: Outcome['violations']) => vs.map((v) => `${v.sourceEventId} ${v.kind}`).sort();
  check(
    isDeepStrictEqual(violations(o.violations), violations(model.violations)),
    "the violations are not the model's",
    {
      got: violations(o.violations),
      want: violations(model.violations),
    },
  );
}

/** Property 4: contact data planted in the events reaches no dead letter's header, violation or log line. */
export function noContact(o: Outcome): void {
  const leaks = (s: string | undefined) => s !== undefined && CONTACT.some((c) => s.includes(c));
  for (const letter of o.letters) {
    const values = [...Object.values(letter.headers), ...(letter.headerList ?? []).map(([, v]) => v ?? undefined)];
    const leaked = values.map((v) => text(v ?? undefined)).find(leaks);
    check(leaked === undefined, "a dead letter's header carries contact data", { header: leaked?.slice(0, 300) });
  }
  for (const v of o.violations) check(!leaks(v.detail), "a violation's detail carries contact data", v.detail);
  const line = o.logs.find(leaks);
  check(line === undefined, 'a log line carries contact data', line?.slice(0, 500));
}

/** Property 5: the processor is ready, reading, has skipped nothing, and forwarded only what it had to. */
export function stillUp(o: Outcome): void {
  check(o.ready, 'the processor is no longer ready');
  check(o.health?.state === 'reading', 'the consumer is not reading', o.health);
  check(!o.health.skipped?.length, 'the consumer skipped records', o.health.skipped);
  // Only a misplaced record is forwarded, and each one forwarded is dead-lettered from there.
  const fromRepartition = o.letters.filter((l) => repartitionTopics(o.config).some((t) => l.topic === `${t}.dlq`));
  check(o.forwarded === fromRepartition.length, 'records forwarded are not the misplaced ones dead-lettered', {
    forwarded: o.forwarded,
    deadLettered: fromRepartition.length,
    misplaced: o.sent.filter((s) => s.misplaced).length,
  });
}
