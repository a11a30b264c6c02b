// Building and running the Kafka Streams peer of scenario (d) as a child process. Maven only
// resolves its classpath (kafka-streams from Maven Central, cached in ~/.m2) and javac compiles
// its one class; both are done once and reused until the POM or the source changes.
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { ROOT } from './harness.ts';

const PROJECT = path.join(ROOT, 'bench', 'streams-peer');
const SOURCE = path.join(PROJECT, 'src', 'main', 'java', 'closeloop', 'bench', 'StreamsPeer.java');
// Git-ignored, like Maven's own output folder would be.
const TARGET = path.join(PROJECT, 'target');
const MAIN_CLASS = 'closeloop.bench.StreamsPeer';

export interface PeerBuild {
  /** The peer's compiled class folder followed by its dependencies. */
  readonly classpath: string;
}

function exec(cmd: string, args: readonly string[], what: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd: PROJECT, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    child.on('error', (err: NodeJS.ErrnoException) =>
      reject(
        err.code === 'ENOENT'
          ? new Error(
              `${what}: '${cmd}' is not on PATH. Scenario (d) builds a Kafka Streams app: install a ` +
                'JDK 17+ and Maven 3.8+ (Debian: apt-get install openjdk-17-jdk-headless maven), ' +
                'or leave it out with --only.',
            )
          : new Error(`${what}: ${err.message}`),
      ),
    );
    child.on('close', (code) =>
      code === 0 ? resolve(out) : reject(new Error(`${what} failed (exit ${code}):\n${out.slice(-4000)}`)),
    );
  });
}

/** Compiles the peer unless the build of the same POM and source is already there. */
export async function buildPeer(log: (line: string) => void): Promise<PeerBuild> {
  const [pom, source] = await Promise.all([readFile(path.join(PROJECT, 'pom.xml')), readFile(SOURCE)]);
  const key = createHash('sha256').update(pom).update(source).digest('hex');
  const marker = path.join(TARGET, 'build.sha256');
  const cpFile = path.join(TARGET, 'classpath.txt');
  const classes = path.join(TARGET, 'classes');
  const built = existsSync(marker) && (await readFile(marker, 'utf8')) === key;
  if (!built) {
    const started = performance.now();
    log('building the Kafka Streams peer (Maven resolves kafka-streams once, then ~/.m2 serves it)');
    await rm(TARGET, { recursive: true, force: true });
    await mkdir(classes, { recursive: true });
    await exec('java', ['-version'], 'checking for Java');
    await exec(
      'mvn',
      ['-B', '-ntp', '-q', '-Dstyle.color=never', 'dependency:build-classpath', `-Dmdep.outputFile=${cpFile}`],
      'resolving the Kafka Streams peer with Maven',
    );
    const deps = (await readFile(cpFile, 'utf8')).trim();
    await exec('javac', ['--release', '17', '-d', classes, '-cp', deps, SOURCE], 'compiling the Kafka Streams peer');
    await writeFile(marker, key);
    log(`  built in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  }
  const deps = (await readFile(cpFile, 'utf8')).trim();
  return { classpath: [classes, deps].join(path.delimiter) };
}

export interface PeerOptions {
  readonly brokers: string;
  readonly applicationId: string;
  readonly stateDir: string;
  readonly threads: number;
  readonly inputs: readonly string[];
  /** State, status, command and link topics, in that order. */
  readonly outputs: readonly [string, string, string, string];
  /**
   * Before the timed instance starts, the same topology runs untimed under `applicationId` (a
   * group with no offsets, so it reads the inputs from their start) until it has processed
   * `records` records, into `outputs`: a new JVM is slow for its first seconds, which a run of a
   * second or two would otherwise mostly measure.
   */
  readonly warmup?: {
    readonly applicationId: string;
    readonly records: number;
    readonly outputs: readonly [string, string, string, string];
  };
  readonly readyTimeoutMs?: number;
  /** Called with the JVM's pid at the moment `ready` is taken, for a measure to start with the timing. */
  readonly onStart?: (pid: number) => void;
}

export interface PeerProcess {
  /**
   * performance.now() when the timed instance started work: when every stream thread first ran
   * with its tasks restored (RUNNING), or when the first record was processed, if earlier.
   */
  readonly ready: number;
  /** Set once the peer has exited on its own, which it never does while healthy. */
  failure(): Error | undefined;
  /** SIGTERM, which makes the peer close its Streams client cleanly, then waits for the exit. */
  stop(): Promise<void>;
}

/** Starts the peer and resolves once it reports RUNNING; rejects with its output if it dies. */
export async function startPeer(build: PeerBuild, o: PeerOptions): Promise<PeerProcess> {
  const child = spawn(
    'java',
    [
      '-cp',
      build.classpath,
      '-Dorg.slf4j.simpleLogger.defaultLogLevel=warn',
      MAIN_CLASS,
      o.brokers,
      o.applicationId,
      o.stateDir,
      String(o.threads),
      o.inputs.join(','),
      o.outputs.join(','),
      ...(o.warmup ? [o.warmup.applicationId, String(o.warmup.records), o.warmup.outputs.join(',')] : []),
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-8000)));
  const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
  // A warm-up runs first: it may take up to two minutes before the peer gives up on it itself.
  const readyTimeoutMs = o.readyTimeoutMs ?? (o.warmup ? 300_000 : 120_000);
  const ready = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`the Kafka Streams peer was not RUNNING within ${readyTimeoutMs} ms:\n${stderr}`));
    }, readyTimeoutMs);
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(new Error(`starting the Kafka Streams peer: ${err.message}`));
    });
    // Timed from RUNNING, or from the first record processed if that came first: a stream thread
    // runs its tasks as soon as it has them, before the client reports RUNNING for all threads.
    let processing: number | undefined;
    const started = () => {
      const at = performance.now();
      if (child.pid !== undefined) o.onStart?.(child.pid);
      return at;
    };
    createInterface({ input: child.stdout }).on('line', (line) => {
      const said = line.trim();
      if (said === 'PROCESSING') processing ??= started();
      if (said !== 'RUNNING') return;
      clearTimeout(timer);
      resolve(processing ?? started());
    });
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`the Kafka Streams peer exited with ${code} before RUNNING:\n${stderr}`));
    });
  });
  let stopping = false;
  let exitCode: number | null | undefined;
  void exited.then((code) => (exitCode = code));
  return {
    ready,
    failure() {
      return exitCode === undefined || stopping
        ? undefined
        : new Error(`the Kafka Streams peer exited with ${exitCode} while processing:\n${stderr}`);
    },
    async stop() {
      stopping = true;
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      const code = await exited;
      // 143 is the JVM's exit after SIGTERM once its shutdown hook has closed the client.
      if (code !== 0 && code !== 143) throw new Error(`the Kafka Streams peer exited with ${code}:\n${stderr}`);
    },
  };
}
