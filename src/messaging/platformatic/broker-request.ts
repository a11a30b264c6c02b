import {
  kGetApi,
  kGetConnection,
  kMetadata,
  kPerformWithRetry,
  type Admin,
  type Connection,
  type Producer,
} from '@platformatic/kafka';

type Callback<T> = (error: Error | null, result?: T) => void;
type Api = (connection: Connection, ...args: [...unknown[], Callback<unknown>]) => void;

/**
 * Sends one request the client has no method for (TxnOffsetCommit with a member's generation, a
 * Heartbeat on a member's behalf) to broker `nodeId`, through the client's exported plumbing:
 * its metadata, connections, API version lookup and retry, so errors and retries are the
 * client's own. `retries` bounds the attempts: a coordinator that moved away is the caller's to
 * look up again, not this request's to retry forever. `args` gives, at each attempt, what follows
 * the connection in the client's API function for `apiName`.
 */
export function brokerRequest(
  client: Producer | Admin,
  apiName: string,
  nodeId: number,
  args: () => readonly unknown[],
  retries: number,
): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    client[kPerformWithRetry]<unknown>(
      apiName,
      (retry) => {
        client[kMetadata]({ topics: [] }, (error, metadata) => {
          const broker = metadata?.brokers.get(nodeId);
          if (error || !broker) return retry(error ?? new Error(`broker ${nodeId} unknown`));
          client[kGetConnection](broker, (error, connection) => {
            if (error || !connection) return retry(error ?? new Error(`no connection to broker ${nodeId}`));
            client[kGetApi]<unknown[], unknown>(apiName, (error, api) => {
              if (error || !api) return retry(error ?? new Error(`${apiName} unsupported`));
              (api as unknown as Api)(connection, ...args(), retry);
            });
          });
        });
      },
      (error) => (error ? reject(error) : resolve()),
      0,
      [],
      undefined,
      retries,
    );
  });
}
