import { signWebhook } from '../webhook.js';
import type { CounterBook } from './counters.js';
import type { SimulatorKnobs } from './knobs.js';
import type { SimulatorRandom } from './random.js';
import { toNewTaskData, toTaskData, type SimulatedTask } from './tasks.js';

export interface CallbackSenderOptions {
  readonly random: SimulatorRandom;
  readonly knobs: () => SimulatorKnobs;
  readonly counters: CounterBook;
  /** Simulator clock, Unix ms: signs `webhook-timestamp`. */
  readonly now: () => number;
  /** `whsec_…`: when set, callbacks carry Standard Webhooks signature headers. */
  readonly webhookSecret?: string;
  readonly log: (line: string) => void;
}

const CALLBACK_TIMEOUT_MS = 5_000;

/**
 * POSTs the bare task object to the task's `callback_url`, once per transition, without retries: Kling's
 * retry policy and ordering are undocumented, so receivers must treat callbacks as hints. A task of the new API
 * calls back with the new task object (the same as its query answers, status `succeeded`).
 */
export function createCallbackSender(options: CallbackSenderOptions) {
  const pending = new Set<Promise<void>>();
  const aborter = new AbortController();

  function send(task: SimulatedTask): void {
    if (task.callbackUrl === undefined) return;
    if (options.random.next() < options.knobs().callbackDropRate) {
      options.counters.callbacks.dropped++;
      return;
    }
    const body = JSON.stringify(
      task.api === 'new' ? toNewTaskData(task, 'query', options.knobs().newApiCharge) : toTaskData(task),
    );
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (options.webhookSecret !== undefined) {
      const id = `msg_${options.random.hex(24)}`;
      Object.assign(headers, signWebhook(options.webhookSecret, id, Math.floor(options.now() / 1000), body));
    }
    const url = task.callbackUrl;
    const delivery = fetch(url, {
      method: 'POST',
      headers,
      body,
      signal: AbortSignal.any([aborter.signal, AbortSignal.timeout(CALLBACK_TIMEOUT_MS)]),
    })
      .then(async (response) => {
        await response.body?.cancel();
        if (response.ok) options.counters.callbacks.delivered++;
        else options.counters.callbacks.failed++;
        options.log(`callback ${task.status} ${task.taskId} → ${url}: HTTP ${response.status}`);
      })
      .catch(() => {
        options.counters.callbacks.failed++;
        options.log(`callback ${task.status} ${task.taskId} → ${url}: not delivered`);
      })
      .finally(() => pending.delete(delivery));
    pending.add(delivery);
  }

  async function close(): Promise<void> {
    aborter.abort();
    await Promise.allSettled([...pending]);
  }

  return { send, close };
}
