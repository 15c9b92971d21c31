// The workflow bundle entry of the alternative designs (the production design uses src/workflows/index.ts).
export { heartbeatJob } from './heartbeat.js';
export { sleepLoopJob } from './sleep-loop.js';
