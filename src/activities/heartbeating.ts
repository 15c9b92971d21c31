import { Context } from '@temporalio/activity';

/** Well inside the shortest heartbeat timeout the workflows set (10 s). */
const EVERY_MS = 2_000;

/**
 * The activity, heartbeating every 2 s while it runs. With a short heartbeat timeout on the activity, a completion
 * the server never heard of (lost in a history-service restart, say) costs that timeout, not the start-to-close one.
 * The beats carry the details the attempt started with, so an activity that passes its own details to the next
 * attempt keeps them until it heartbeats new ones. A local activity (the submit's first attempt) does not beat:
 * the server keeps nothing of it, and Core would log every beat as failed.
 */
export function heartbeating<A extends unknown[], R>(activity: (...args: A) => Promise<R>) {
  return async (...args: A): Promise<R> => {
    const context = Context.current();
    if (context.info.isLocal) return await activity(...args);
    const details: unknown = context.info.heartbeatDetails;
    const timer = setInterval(() => context.heartbeat(details), EVERY_MS);
    try {
      return await activity(...args);
    } finally {
      clearInterval(timer);
    }
  };
}
