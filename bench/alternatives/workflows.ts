// The workflow bundle entry of the alternative designs (the production designs use src/workflows/index.ts).
export { heartbeatJob } from './heartbeat.js';
export { retryPollJob } from './retry-poll.js';
export { sleepLoopJob } from './sleep-loop.js';
