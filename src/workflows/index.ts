// The workflow bundle's entry: every workflow type the worker registers.
export { klingVideo } from './kling-video.js';
export { accountSlots } from './account-slots.js';
export { taskSweep } from './task-sweep.js';
