import { withoutUserinfoIn, type RegistryAddress } from '../config/registry-url.ts';
import { CloseloopError, isCloseloopError, messageOf } from '../errors/index.ts';
import type { Messaging } from '../messaging/index.ts';

/**
 * What a process's probes and gauges ask of Kafka and the registry, each a question that
 * either answers or throws: readiness and /metrics turn a throw into "down" with its message.
 */

/** The broker answers a describe-cluster over a fresh admin connection. */
export async function reachBroker(messaging: Messaging): Promise<void> {
  const admin = messaging.admin();
  try {
    await admin.connect();
    await admin.describeCluster();
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}

/**
 * The registry lists its subjects within `timeoutMs`, asked as the serde asks it: at the URL
 * without userinfo, with the same basic-auth credentials (see registryAddress). A refusal of
 * those credentials (401, 403, 407) is CL_SCHEMA_REGISTRY_UNAUTHORIZED with `httpStatus`, for
 * readiness to name apart; anything else is CL_SCHEMA_REGISTRY_UNAVAILABLE. Only a JSON list
 * counts: a proxy's or a login page's 200 is not the registry answering. No message carries a
 * URL's userinfo: it is logged and served as a readiness reason.
 */
export async function reachRegistry(registry: RegistryAddress, timeoutMs = 3_000): Promise<void> {
  const headers: Record<string, string> = { accept: 'application/vnd.schemaregistry.v1+json, application/json' };
  if (registry.username !== undefined && registry.password !== undefined) {
    headers['authorization'] = `Basic ${Buffer.from(`${registry.username}:${registry.password}`).toString('base64')}`;
  }
  let res: Response;
  try {
    res = await fetch(`${registry.url}/subjects`, { headers, signal: AbortSignal.timeout(timeoutMs) });
  } catch (err) {
    // fetch says only "fetch failed"; the socket's error is its cause.
    const cause = err instanceof Error && err.cause !== undefined ? ` (${messageOf(err.cause)})` : '';
    throw new CloseloopError('CL_SCHEMA_REGISTRY_UNAVAILABLE', withoutUserinfoIn(`${messageOf(err)}${cause}`));
  }
  if (!res.ok) {
    await res.body?.cancel();
    const refused = res.status === 401 || res.status === 403 || res.status === 407;
    throw new CloseloopError(
      refused ? 'CL_SCHEMA_REGISTRY_UNAUTHORIZED' : 'CL_SCHEMA_REGISTRY_UNAVAILABLE',
      `HTTP ${res.status}${refused ? ': the registry refuses our credentials' : ''}`,
      { details: { httpStatus: res.status } },
    );
  }
  const subjects: unknown = await res.json().catch(() => undefined);
  if (!Array.isArray(subjects)) {
    const type = res.headers.get('content-type') ?? 'no content type';
    throw new CloseloopError(
      'CL_SCHEMA_REGISTRY_UNAVAILABLE',
      `HTTP ${res.status} with no list of subjects (${type}): something else answers at the registry's URL`,
      { details: { httpStatus: res.status } },
    );
  }
}

/** The HTTP status a registry refused our credentials with, from reachRegistry's error; else null. */
export function registryRefusal(err: unknown): number | null {
  if (!isCloseloopError(err, 'CL_SCHEMA_REGISTRY_UNAUTHORIZED')) return null;
  const status = err.details['httpStatus'];
  return typeof status === 'number' ? status : null;
}

/** A consumer group and a topic it reads. */
export type GroupTopic = readonly [group: string, topic: string];

/**
 * Records each group has still to read of its topic: the end offset less the committed one per
 * partition, from the log's start where the group has committed nothing. Offsets an open
 * transaction is committing are not counted until it commits.
 */
export async function consumerLag(
  messaging: Messaging,
  groups: readonly GroupTopic[],
): Promise<{ group: string; topic: string; lag: number }[]> {
  const admin = messaging.admin();
  await admin.connect();
  try {
    const lags: { group: string; topic: string; lag: number }[] = [];
    for (const [group, topic] of groups) {
      // Not a stable read: under a transactional load one would wait for open transactions
      // through the client's retries, then fail, and the gauge report the broker down.
      const [ends, committed] = await Promise.all([
        admin.topicOffsets(topic),
        admin.groupOffsets(group, topic, { stable: false }),
      ]);
      let lag = 0n;
      for (const e of ends) {
        const c = committed.find((x) => x.partition === e.partition)?.offset ?? '-1';
        lag += BigInt(e.high) - (c === '-1' ? BigInt(e.low) : BigInt(c));
      }
      lags.push({ group, topic, lag: Number(lag) });
    }
    return lags;
  } finally {
    await admin.disconnect();
  }
}
