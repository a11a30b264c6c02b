// CPU time of the processes a scenario runs on besides the bench's own: the broker (when the
// bench runs the local stack) and the Streams peer's JVM. A scenario's events per second depend
// on what the machine's cores have left; its CPU per event, the bench process's and the
// broker's, says what each scenario costs them.
import { readdirSync, readFileSync } from 'node:fs';

/**
 * Linux's USER_HZ, the unit of /proc/<pid>/stat's times: 100 on every architecture Linux
 * exports to user space (its sysconf(_SC_CLK_TCK)); a tick is 10 ms.
 */
const TICKS_PER_SECOND = 100;

/**
 * A process's CPU time so far, µs, from the text of its /proc/<pid>/stat: user and system time
 * of all its threads, those that have ended included. The command name, in parentheses, may
 * hold spaces and parentheses itself, so fields are counted after its last ')'. Null when the
 * text is not a stat line.
 */
export function statCpuMicros(stat: string): number | null {
  const end = stat.lastIndexOf(')');
  if (end < 0) return null;
  // After the name: state (field 3), ..., utime (14) and stime (15).
  const fields = stat.slice(end + 2).split(' ');
  const user = Number(fields[11]);
  const system = Number(fields[12]);
  if (!Number.isInteger(user) || !Number.isInteger(system)) return null;
  return ((user + system) * 1e6) / TICKS_PER_SECOND;
}

/** A process's CPU time so far, µs; null when it cannot be read (not Linux, or the process is gone). */
export function processCpuMicros(pid: number): number | null {
  try {
    return statCpuMicros(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return null;
  }
}

/**
 * Starts measuring a process's CPU time: read synchronously, so a span can start at the very
 * moment a scenario's timing does. The function returned gives the µs used since; null when
 * there is no process to measure or it could not be read.
 */
export function cpuSince(pid: number | undefined): () => number | null {
  const from = pid === undefined ? null : processCpuMicros(pid);
  return () => {
    if (pid === undefined || from === null) return null;
    const now = processCpuMicros(pid);
    return now === null ? null : now - from;
  };
}

/**
 * Whether a thread is one of a JVM's JIT compilers: HotSpot names them "C1 CompilerThread<n>"
 * and "C2 CompilerThread<n>", which Linux cuts to 15 characters in /proc.
 */
export const isJitCompiler = (comm: string): boolean => /^C[12] CompilerThre/.test(comm);

/** The CPU time so far of each of a process's threads whose name passes `which`, µs by thread id; null when unreadable. */
export function threadsCpuMicros(pid: number, which: (comm: string) => boolean): Map<string, number> | null {
  try {
    const out = new Map<string, number>();
    for (const tid of readdirSync(`/proc/${pid}/task`)) {
      try {
        if (!which(readFileSync(`/proc/${pid}/task/${tid}/comm`, 'utf8').trim())) continue;
        const micros = statCpuMicros(readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8'));
        if (micros !== null) out.set(tid, micros);
      } catch {
        // The thread ended between the listing and the read.
      }
    }
    return out;
  } catch {
    return null;
  }
}

/**
 * As cpuSince, for a JVM's JIT compiler threads only: what the JVM spent compiling its code. A
 * thread started since counts whole; one ended since is lost (HotSpot ends compiler threads it
 * added under load once idle, though it keeps one of each kind), so it may be an underestimate.
 */
export function jitCpuSince(pid: number | undefined): () => number | null {
  const from = pid === undefined ? null : threadsCpuMicros(pid, isJitCompiler);
  return () => {
    if (pid === undefined || from === null) return null;
    const now = threadsCpuMicros(pid, isJitCompiler);
    if (now === null) return null;
    let used = 0;
    for (const [tid, micros] of now) used += micros - (from.get(tid) ?? 0);
    return used;
  };
}

/** The bench process's CPU time since `from` (a process.cpuUsage() reading), µs. */
export function ownCpuSince(from: NodeJS.CpuUsage): number {
  const used = process.cpuUsage(from);
  return used.user + used.system;
}

/** CPU per event of a scenario's span, µs: its own process's, and the broker's when measured. */
export interface EventCpu {
  /** The process that did the scenario's work: the bench process, or the Streams peer's JVM. */
  readonly process: number;
  /** The broker's; null when the broker is not the local stack's (or could not be read). */
  readonly broker: number | null;
  /** The share of the broker's CPU its JIT compiler threads took (see jitCpuSince); reports from before it have none. */
  readonly brokerJitShare?: number | null;
}

/** `part` of `whole`, to a thousandth; null when either is null or `whole` is not above 0. */
export function shareOrNull(part: number | null, whole: number | null): number | null {
  return part === null || whole === null || whole <= 0 ? null : Math.round((part / whole) * 1000) / 1000;
}

/** `micros` over `events`, µs per event to a tenth. */
export const perEvent = (micros: number, events: number): number => Math.round((micros / events) * 10) / 10;

/** As perEvent; null stays null. */
export const perEventOrNull = (micros: number | null, events: number): number | null =>
  micros === null ? null : perEvent(micros, events);
