// The files a bench run writes for itself (run configs, the Kafka Streams peer's state, a
// generated import file) go into one folder of the run, removed when the bench process exits.
import { processFolder } from '../scripts/process-folder.ts';

/** The run's folder, made on first use. */
export const runFolder = (): string => processFolder('closeloop-bench-');
