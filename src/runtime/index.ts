export { SinkRunner, type SinkRunnerOptions, type SinkRunnerStatus } from './sink-runner.ts';
