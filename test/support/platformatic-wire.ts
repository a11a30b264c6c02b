import { Connection, findCoordinatorV4 } from '@platformatic/kafka';
import { endpoints, uniqueName } from './kafka.ts';

/**
 * Raw connections to the broker, for tests that must speak a protocol step the clients take
 * for themselves (a group member that does not rejoin). Each connection is its own: a request the broker parks (a JoinGroup waiting for a
 * rebalance) blocks the connection it came on. Close them all with close().
 */
export class KafkaWire {
  readonly #connections: Connection[] = [];

  /** A connection to the coordinator of a consumer group. */
  async groupCoordinator(groupId: string): Promise<Connection> {
    const [host, port] = endpoints().brokers.split(',')[0]?.split(':') ?? [];
    const bootstrap = await this.connect(host ?? '127.0.0.1', Number(port));
    // Key type 0: a group (1 would be a transactional id).
    const found = await findCoordinatorV4.api.async(bootstrap, 0, [groupId]);
    const coordinator = found.coordinators[0];
    if (!coordinator || coordinator.errorCode !== 0) throw new Error(`no coordinator for group ${groupId}`);
    return this.connect(coordinator.host, coordinator.port);
  }

  async connect(host: string, port: number): Promise<Connection> {
    const connection = new Connection(uniqueName('it.wire'));
    this.#connections.push(connection);
    await new Promise<void>((resolve, reject) =>
      connection.connect(host, port, (err) => (err ? reject(err) : resolve())),
    );
    return connection;
  }

  /** Closes every connection; a request still parked on one fails. */
  async close(): Promise<void> {
    await Promise.all(this.#connections.map((c) => new Promise((resolve) => c.close(resolve))));
    this.#connections.length = 0;
  }
}
