/**
 * One catalog of every error closeloop raises on purpose. The code is the contract
 * operators search for in logs and dead-letter headers; stage and retriable decide where a
 * failure goes (retry and pause, or dead-letter at once), so they are fixed per code rather
 * than chosen at each throw site.
 */
export type Stage = 'config' | 'connect' | 'decode' | 'validate' | 'decide' | 'map' | 'deliver' | 'publish';

interface Spec {
  readonly stage: Stage;
  readonly retriable: boolean;
  readonly summary: string;
}

export const ERROR_CATALOG = {
  CL_CONFIG_INVALID: { stage: 'config', retriable: false, summary: 'Configuration failed validation.' },
  CL_ARGUMENT_INVALID: {
    stage: 'config',
    retriable: false,
    summary: 'A command option has a value that cannot be used (a month that is not YYYY-MM, a bad instant).',
  },
  CL_ALERT_NOT_OPEN: {
    stage: 'config',
    retriable: false,
    summary:
      'closeloop alerts ack names an alert that is not open: no such id, or it has cleared meanwhile (exit 1, not a usage error).',
  },
  CL_IMPORT_UNREADABLE: {
    stage: 'config',
    retriable: false,
    summary:
      "A history export cannot be read (missing file, a read error, a header that is not CSV, first bytes that say another encoding than its mapping's); the rows read before the fault are published and counted in the message, nothing after it is imported.",
  },
  CL_IMPORT_HEADER_MISMATCH: {
    stage: 'config',
    retriable: false,
    summary:
      "A history export's header lacks a column its mapping names, or names such a column twice; no row is read.",
  },
  CL_IMPORT_EMPTY: {
    stage: 'config',
    retriable: false,
    summary: 'A history export holds no header, or a header and no rows: there is nothing to import.',
  },
  CL_ADOPTION_UNCONFIRMED: {
    stage: 'publish',
    retriable: true,
    summary:
      'An import with --adopt waited in vain for the processor to read the imported tickets; no work order was adopted.',
  },
  CL_OPS_PORT_IN_USE: {
    stage: 'config',
    retriable: false,
    summary: 'The ops server (metrics, health, admin) cannot bind its host:port; the worker does not start.',
  },
  CL_OPS_UNREACHABLE: {
    stage: 'connect',
    retriable: true,
    summary:
      'closeloop health got no readiness from the ops server its config names: nothing answered in time, or something else did (another service on that port).',
  },
  CL_KAFKA_TRANSIENT: {
    stage: 'publish',
    retriable: true,
    summary: 'Kafka could not be reached or answered with a retriable error.',
  },
  CL_KAFKA_FATAL: {
    stage: 'publish',
    retriable: false,
    summary:
      'Kafka refused the request for good; or a request of a transaction whose earlier send or offsets failed, which can only be aborted.',
  },
  CL_RECORDS_SKIPPED: {
    stage: 'decode',
    retriable: false,
    summary:
      "A consumer's position was no longer in the log (records deleted by retention or deleteRecords before they were read, or a topic re-created under it): it reads on from the log start (or end), and the range it passed over is logged with topic, partition, offsets and count, counted in closeloop_records_skipped_total, and raised by the process running the consumer (the worker, or the processor run alone) as a RECORDS_SKIPPED alert that readiness shows until an operator acknowledges it (closeloop alerts ack). Never thrown.",
  },
  CL_KAFKA_FENCED: {
    stage: 'publish',
    retriable: false,
    summary:
      'Another producer claimed this transactional id, or the broker aborted a transaction of it that outlived its timeout: this producer can commit nothing more and is to be replaced, not retried.',
  },
  CL_KAFKA_NOT_MEMBER: {
    stage: 'publish',
    retriable: false,
    summary:
      "The consumer group has moved on from the member whose offsets a transaction was to commit, or whose membership was checked (the group's generation is newer, a rebalance is under way, or the member's session expired): the transaction is to be aborted, nothing is done for the member, and the records are read again by whichever member owns their partition now.",
  },
  CL_SCHEMA_FILE_INVALID: {
    stage: 'config',
    retriable: false,
    summary: 'An .avsc file is not valid JSON or not a valid Avro schema.',
  },
  CL_SCHEMA_INCOMPATIBLE: {
    stage: 'publish',
    retriable: false,
    summary: 'The registry refused a schema version as incompatible with earlier versions.',
  },
  CL_SCHEMA_REGISTRY_MISCONFIGURED: {
    stage: 'config',
    retriable: false,
    summary: 'The registry enforces a different compatibility level than closeloop requires.',
  },
  CL_SCHEMA_REGISTRY_UNAVAILABLE: {
    stage: 'connect',
    retriable: true,
    summary: 'The schema registry could not be reached or answered 5xx.',
  },
  CL_SCHEMA_REGISTRY_UNAUTHORIZED: {
    stage: 'connect',
    retriable: true,
    summary:
      "The schema registry refused closeloop's credentials (HTTP 401, 403 or 407): no record is at fault, so it is waited out as an unreachable registry is.",
  },
  CL_SCHEMA_REGISTRY_REJECTED: {
    stage: 'publish',
    retriable: false,
    summary: 'The schema registry answered a request with a 4xx other than the cases above.',
  },
  CL_SCHEMA_NOT_REGISTERED: {
    stage: 'publish',
    retriable: false,
    summary: 'No schema is registered for the subject a record is to be written under.',
  },
  CL_SCHEMA_UNKNOWN_ID: {
    stage: 'decode',
    retriable: false,
    summary: 'A record names a schema id the registry does not know.',
  },
  CL_DECODE_MALFORMED: {
    stage: 'decode',
    retriable: false,
    summary:
      "A record is not in the Confluent wire format (Apicurio's 8-byte id framing and its id headers are named as such, at once) or its Avro body does not decode.",
  },
  CL_INPUTS_UNREAD: {
    stage: 'decode',
    retriable: false,
    summary:
      'A KPI or volume figure was computed without input records it could not read (each logged with its topic, partition, offset and why): `closeloop kpi` and `closeloop kpi volume` say so and exit 1, and `closeloop kpi --publish` publishes nothing unless --allow-unreadable.',
  },
  CL_SCHEMA_MISMATCH: {
    stage: 'decode',
    retriable: false,
    summary:
      "A record was written with a schema closeloop cannot read it as: another topic's record, a field of another type, or a value the topic's schema cannot hold.",
  },
  CL_RECORD_INVALID: {
    stage: 'validate',
    retriable: false,
    summary: 'A record decodes but breaks a rule Avro cannot express (blank id, key not its ticket id).',
  },
  CL_RECORD_TOO_LARGE: {
    stage: 'validate',
    retriable: false,
    summary:
      'A record is too large to be written on with the headers it must carry (the broker caps a record near 1 MiB).',
  },
  CL_RECORD_UNKEYED: {
    stage: 'validate',
    retriable: false,
    summary: 'A record on an input other producers write has no key, so no partition can be chosen for its ticket.',
  },
  CL_DECIDE_FAILED: {
    stage: 'decide',
    retriable: false,
    summary: 'The lifecycle threw on a record (a bug); the record is dead-lettered so the partition goes on.',
  },
  CL_SLA_TARGET_UNREACHABLE: {
    stage: 'decide',
    retriable: false,
    summary:
      'An SLA target in business days cannot fall due: its calendar has fewer business days than the target in the 30 years from the start (every working day a holiday). Loading refuses such a calendar; a decision meets it only where its holidays differ in later years.',
  },
  CL_TOPIC_MISMATCH: {
    stage: 'config',
    retriable: false,
    summary:
      "Co-partitioned topics have another partition count than processor.partitions, or ticket states sit on an earlier count's partitions.",
  },
  CL_TOPIC_SETTINGS: {
    stage: 'config',
    retriable: false,
    summary:
      'A topic that closeloop keeps for good (compacted, or every record) exists with settings that would delete its records: a retention or cleanup policy set before, by hand or by the broker default.',
  },
  CL_STATE_LOST: {
    stage: 'config',
    retriable: false,
    summary:
      "A partition's state changelog was deleted or re-created under the processor's group (at an assignment it holds no record while the group has read that partition's input; under a running task its topic id changed): starting on it would forget every ticket of the partition, so the partition is not processed until the changelog is restored or the operator accepts an empty state (processor.acceptEmptyState).",
  },
  CL_CONNECTOR_RETRIABLE: {
    stage: 'deliver',
    retriable: true,
    summary:
      'An external system failed in a way worth retrying: 5xx, 408, 423 (Locked), 425 (Too Early), 429, a time-out, a dropped connection, any other failure with no HTTP answer but a TLS one, an answer outside HTTP/1.1 (CL_CONNECTOR_MISDIRECTED) or a request that could not be built (CL_CONNECTOR_REJECTED).',
  },
  CL_CONNECTOR_REJECTED: {
    stage: 'deliver',
    retriable: false,
    summary:
      "An external system refused a record for good (4xx other than 401, 403, 407, 408, 423, 425 and 429, to a call about that record, with the system's reason, bounded and scrubbed), or the record's call could not be built (an invalid URL or header value from its data). A sink believes a refusal only while the system's health probe passes: one met while it fails is waited out as an outage (unavailable), never dead-lettered.",
  },
  CL_CONNECTOR_UNAUTHORIZED: {
    stage: 'deliver',
    retriable: false,
    summary:
      "An external system refused the bridge's credentials (401, 403), or a proxy in front of it did (407): an outage of that connector, which pauses until its health probe passes. Never a dead letter of its own; a record still refused through maxDeliveryCycles pause cycles while the probe passes (a write refused where reads are allowed) ends as CL_DELIVERY_EXHAUSTED.",
  },
  CL_CONNECTOR_DUPLICATE_WORK_ORDER: {
    stage: 'deliver',
    retriable: false,
    summary:
      "A department system holds more than one work order under the bridge's reference for one work order (a save that landed after the bridge gave up on it and posted again, a copy made by hand that kept the reference): the bridge cannot tell which one is its work order, so it acts on none of them. The command is dead-lettered naming every one (a reconciliation lookup is left unjudged, logged with the code), for a person to clear the extra one's reference (then cancel it as needed) and replay the dead letter.",
  },
  CL_CONNECTOR_MISDIRECTED: {
    stage: 'connect',
    retriable: false,
    summary:
      "An external system's API is not where the bridge calls it: a redirect (3xx, naming the Location's origin), a 4xx to a call about the API rather than one record (a collection query, a change feed), a 404 or 405 answered in HTML (an application server's page for a context root not found while it restarts: its web tier, not the system; a 404 in JSON, plain text or with no body is the system's own refusal), a link outside the configured API root, an answer outside HTTP/1.1 (an interim 100 Continue not asked for, which ends the connection: retried, a write would be sent and may be applied again), or a TLS failure (an untrusted or expired certificate, https to a plain http port; its code in details.errorCode). A base URL, certificate, gateway or deployment fault, no record's: the connector pauses (endpoint) until its health probe passes. Never a dead letter of its own; a sink record still refused so through maxDeliveryCycles pause cycles while the probe passes ends as CL_DELIVERY_EXHAUSTED.",
  },
  CL_DEAD_LETTER_FAILED: {
    stage: 'publish',
    retriable: true,
    summary:
      'A record could not be written to its dead-letter topic (topic missing, Kafka refusing); the runner keeps it and pauses.',
  },
  CL_DELIVERY_EXHAUSTED: {
    stage: 'deliver',
    retriable: false,
    summary:
      "A sink record kept failing through the configured number of pause and retry cycles while the system's health probe passed: it is dead-lettered with its last error and an alert names its ticket.",
  },
  CL_CONNECTOR_NOT_APPLIED: {
    stage: 'deliver',
    retriable: true,
    summary:
      "An external system answered a write without applying it and says it holds an older version than the one sent (the CRM's 200 applied: false with a currentVersion below the status version: a ticket an agent holds open, a workflow rule; its 409 'being edited by another user' while it holds the version before, or 423 Locked, whose Retry-After is waited at least): never counted as delivered; retried, then the sink pauses until its health probe passes, and a record still not applied after maxDeliveryCycles such cycles ends as CL_DELIVERY_EXHAUSTED with an alert.",
  },
  CL_CONNECTOR_OUT_OF_ORDER: {
    stage: 'deliver',
    retriable: false,
    summary:
      "An external system refused a record because an earlier record of the same ticket has not reached it (the CRM's 409 to a status version past the one after the version it holds: an earlier status was dead-lettered, or the CRM lost it). Retrying cannot help until the earlier record is delivered, so it is dead-lettered at once, counts toward no breaker, and raises a DELIVERY_EXHAUSTED alert naming its ticket; replaying the ticket's dead letters (closeloop dlq replay --ticket ID) re-sends them in their original order.",
  },
  CL_CONNECTOR_MALFORMED: {
    stage: 'decode',
    retriable: true,
    summary: 'An external system answered with a body that does not parse or match its contract.',
  },
  CL_SOURCE_RECORD_INVALID: {
    stage: 'decode',
    retriable: false,
    summary:
      "One change in a source's page does not match the system's contract (a missing field, an unknown enum value, text holding U+FFFD where its bytes were not text in the charset the page declared); it is dead-lettered with its position and the feed reads on.",
  },
  CL_SOURCE_CLOCK_AHEAD: {
    stage: 'decode',
    retriable: false,
    summary:
      "A source read a change dated further past the bridge's clock than it allows (a server's clock or time zone set wrong): the change is published, the cursor held at the bound; a source warning in readiness and closeloop_source_warning.",
  },
  CL_SOURCE_DATE_UNREAD: {
    stage: 'decode',
    retriable: false,
    summary:
      "A source read a change whose optional date (POSSE's expectedAt, the CRM's requestedAt or dueAt) names no instant it can read: the change is published without it; a source warning in readiness and closeloop_source_warning for an hour after, naming the change and the value.",
  },
  CL_SOURCE_REASON_UNREAD: {
    stage: 'decode',
    retriable: false,
    summary:
      "A source read a change whose closure reason (the CRM's closureReason) is none the bridge knows, in any spelling: the change is published without it, so a cancellation stays open (the processor quarantines it as an undocumented closure); a source warning in readiness and closeloop_source_warning for an hour after, naming the change and the value.",
  },
  CL_SOURCE_CURSOR_FULL: {
    stage: 'decode',
    retriable: false,
    summary:
      "More changes fell within a source's look-back than its cursor may remember: the oldest are no longer read again, so a late commit among them is missed; a source warning in readiness and closeloop_source_warning.",
  },
  CL_SOURCE_CURSOR_STUCK: {
    stage: 'decode',
    retriable: false,
    summary:
      'A source answered a page of changes with a cursor that does not move past the one it was given: storing it would publish the same page forever. Nothing of it is published; the runner pauses (cursor) and polls again each probe interval until the cursor moves.',
  },
  CL_SOURCE_CURSOR_HELD: {
    stage: 'decode',
    retriable: false,
    summary:
      "A source's empty pages have answered a watermark ahead of its cursor for longer than it waits at a hole (the holeWaitSeconds of POSSE or the CRM), and a hole below still holds the cursor, so it cannot read on past the watermark yet: nothing after it is read meanwhile. A source warning in readiness and closeloop_source_warning until the cursor moves on.",
  },
  CL_SOURCE_CURSOR_BEHIND: {
    stage: 'decode',
    retriable: false,
    summary:
      "A source with ordered cursors answered an empty page with a cursor below the stored one: the system's feed went back (restored from a backup) and the changes that take its numbers again are not read. The runner keeps polling from the stored cursor; a source warning in readiness and closeloop_source_warning until an operator moves the cursor back (closeloop source cursor).",
  },
  CL_ENCODE_INVALID: {
    stage: 'validate',
    retriable: false,
    summary: 'A value does not match the Avro schema it is to be written with.',
  },
} as const satisfies Record<string, Spec>;

export type ErrorCode = keyof typeof ERROR_CATALOG;
