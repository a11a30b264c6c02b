import {
  CRM_EVENT_KINDS,
  DELIVERY_OUTCOMES,
  LINK_MESSAGE_KINDS,
  LINK_TYPES,
  OPERATOR_COMMAND_KINDS,
  TICKET_STATES,
  type CrmTicketEvent,
  type DeliveryReceipt,
  type InboundEvent,
  type OperatorCommand,
  type TicketLinkMessage,
  type WorkOrderEvent,
} from '../domain/index.ts';
import { MAX_IDENTIFIER_LENGTH, ticketIdFault } from '../domain/identifiers.ts';
import { scrubPii } from '../domain/pii.ts';
import { CloseloopError, isCloseloopError } from '../errors/index.ts';
import type { InputName } from '../topics/index.ts';

/**
 * The closed vocabularies the domain dispatches on, per input. Records are read with their
 * writer's schema, and a producer may register a newer version of a subject with an enum symbol
 * more (adding one is BACKWARD-compatible, so the registry accepts it). Such a value would fall
 * through the domain's switches: a CRM kind of REOPENED would be taken as seen and change
 * nothing. Here it is a data error instead, so the record is dead-lettered with its provenance,
 * to be replayed once closeloop knows the symbol. Open vocabularies (channel, request kind) stay
 * open: an unknown channel is carried as the CRM said it, an unknown request kind asks for work.
 */
const VOCABULARIES: Readonly<Record<InputName, readonly (readonly [string, readonly (string | null)[]])[]>> = {
  crmEvents: [['kind', CRM_EVENT_KINDS]],
  deptEvents: [],
  links: [
    ['kind', LINK_MESSAGE_KINDS],
    ['linkType', LINK_TYPES],
    ['parentState', [...TICKET_STATES, null]],
  ],
  deliveries: [['outcome', DELIVERY_OUTCOMES]],
  operatorCommands: [['kind', OPERATOR_COMMAND_KINDS]],
};

function checkVocabulary(input: InputName, value: Readonly<Record<string, unknown>>): void {
  for (const [field, known] of VOCABULARIES[input]) {
    const said = value[field];
    if ((typeof said === 'string' || said === null) && known.includes(said)) continue;
    throw new CloseloopError(
      'CL_RECORD_INVALID',
      `${field} ${JSON.stringify(said)} is not one this closeloop knows (${known.map(String).join(', ')}); ` +
        'a newer schema version may have added it',
    );
  }
}

const ENVELOPE_IDS = ['eventId', 'correlationId', 'source', 'jurisdiction', 'origin'] as const;

/**
 * Per input written outside the processor, the identifiers beside the ticket id and the
 * envelope's. The links and receipts are the bridge's own: their event ids grow by a suffix per
 * hop from the ids checked here, so they are not held to the same length.
 */
const IDENTIFIERS: Readonly<Record<InputName, readonly string[] | null>> = {
  crmEvents: ['serviceCode', 'serviceName', 'duplicateOf', 'followUpOf', 'department'],
  deptEvents: ['workOrderId', 'system', 'department', 'rawStatus', 'rawStatusLabel', 'departmentRef'],
  links: null,
  deliveries: null,
  operatorCommands: ['workOrderId', 'by'],
};

// Runs for every input record: it reads the fields where they are and allocates nothing unless
// one is too long (it was a tenth of the processor's allocations when it listed them first).
function checkIdentifiers(input: InputName, value: Readonly<Record<string, unknown>>): void {
  const own = IDENTIFIERS[input];
  if (own === null) return;
  // The ticket id is held to what a public lookup accepts, so every ticket can be looked up.
  const ticketId = value['ticketId'];
  const fault = typeof ticketId === 'string' ? ticketIdFault(ticketId) : null;
  if (fault !== null) throw new CloseloopError('CL_RECORD_INVALID', `ticketId ${fault}`);
  const envelope = value['envelope'] as Readonly<Record<string, unknown>> | undefined;
  if (envelope) for (const f of ENVELOPE_IDS) checkLength(f, envelope[f], 'envelope.');
  for (const f of own) checkLength(f, value[f]);
}

function checkLength(field: string, said: unknown, prefix = ''): void {
  if (typeof said === 'string' && said.length > MAX_IDENTIFIER_LENGTH) {
    throw new CloseloopError(
      'CL_RECORD_INVALID',
      `${prefix}${field} is ${said.length} characters long; an identifier may have at most ${MAX_IDENTIFIER_LENGTH}`,
    );
  }
}

/**
 * Checks what Avro cannot: the record key must be the ticket id (co-partitioning depends on
 * it), ids must not be blank nor too long, a ticket id must hold no control character, and the
 * fields the domain dispatches on must hold values it knows.
 */
export function toInbound(input: InputName, key: string | null, value: unknown): InboundEvent {
  try {
    return checkedInbound(input, key, value);
  } catch (err) {
    if (isCloseloopError(err)) throw err;
    // A value of a shape the checks did not foresee: the record's error, never the partition's,
    // which would fail it again on every fetch. The message names no value.
    throw new CloseloopError('CL_RECORD_INVALID', `the record's values are not what a ${input} record holds`, {
      cause: err,
    });
  }
}

/**
 * An identifier not checked yet, as a message shows it: contact data redacted, then cut at the
 * longest an identifier may be (a record may carry one of megabytes, which the log would print
 * whole), and quoted, so a line break in it cannot pass for another log line.
 */
function shownId(id: string): string {
  const scrubbed = scrubPii(id);
  const cut = scrubbed.length > MAX_IDENTIFIER_LENGTH;
  const shown = JSON.stringify(cut ? scrubbed.slice(0, MAX_IDENTIFIER_LENGTH) : scrubbed);
  return cut ? `${shown}… (${id.length} characters)` : shown;
}

function checkedInbound(input: InputName, key: string | null, value: unknown): InboundEvent {
  const v = value as { ticketId?: unknown; envelope?: { eventId?: unknown } };
  if (typeof v.ticketId !== 'string' || v.ticketId.trim() === '') {
    throw new CloseloopError('CL_RECORD_INVALID', 'ticketId is blank');
  }
  if (typeof v.envelope?.eventId !== 'string' || v.envelope.eventId.trim() === '') {
    throw new CloseloopError('CL_RECORD_INVALID', 'envelope.eventId is blank');
  }
  if (key !== v.ticketId) {
    // Neither is checked yet, and a producer may key a request's events by its caller's phone or
    // e-mail: the message goes to a dead letter's headers and the log, which must not carry them.
    throw new CloseloopError(
      'CL_RECORD_INVALID',
      `record key ${key === null ? 'null' : shownId(key)} is not its ticketId ${shownId(v.ticketId)}`,
    );
  }
  checkIdentifiers(input, value as Readonly<Record<string, unknown>>);
  checkVocabulary(input, value as Readonly<Record<string, unknown>>);
  switch (input) {
    case 'crmEvents':
      return { type: 'crm', event: value as CrmTicketEvent };
    case 'deptEvents': {
      const e = value as WorkOrderEvent;
      if (e.workOrderId.trim() === '') throw new CloseloopError('CL_RECORD_INVALID', 'workOrderId is blank');
      return { type: 'dept', event: e };
    }
    case 'links':
      return { type: 'link', event: value as TicketLinkMessage };
    case 'deliveries':
      return { type: 'receipt', event: value as DeliveryReceipt };
    case 'operatorCommands': {
      // The audit must name who and why; a command that cannot is not carried out.
      const c = value as OperatorCommand;
      if (c.by.trim() === '' || c.reason.trim() === '') {
        throw new CloseloopError('CL_RECORD_INVALID', 'operator command without who (by) or why (reason)');
      }
      if (c.workOrderId?.trim() === '') throw new CloseloopError('CL_RECORD_INVALID', 'workOrderId is blank');
      return { type: 'operator', event: c };
    }
  }
}
