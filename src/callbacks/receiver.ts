// The Kling callback receiver: POST <base>/kling/callback/<jobId>/<token> with the bare task object
// (kling-api.md, "Callbacks"). Everything is checked before anything is kept or sent: the per-job token, the body
// size, the Standard Webhooks signature and timestamp (when a webhook secret is configured), the task schema, its
// field sizes and the job it names. A terminal status becomes a hint to the account's task sweep — the job id, no
// more — at most once per job per second; the sweep reads the job's own task from Kling and wakes the job only if
// it ended, so a made-up callback never reaches a job's history and cannot hold back the genuine one.
// Neither the token nor a secret is ever logged: the request URL is not logged at all.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from '@temporalio/common';
import { parseTaskCallback, type KlingTask } from '../kling/task.js';
import { verifyWebhook } from '../kling/webhook.js';
import { MAX_TASK_ID_LENGTH } from '../definitions/job.js';
import { MAX_JOB_ID_LENGTH } from '../definitions/sweep.js';
import type { DeliverHint } from './deliver.js';
import { HintThrottle } from './hint-throttle.js';
import { CALLBACK_PATH, tokenMatches } from './token.js';

/** A task object with a few video URLs is a few kilobytes. */
export const MAX_CALLBACK_BYTES = 64 * 1024;
/** One hint per job per window; callbacks inside it are answered `coalesced` and one hint follows its end. */
export const HINT_WINDOW_MS = 1_000;
/** The hint throttle's table at most: ~10,000 jobs with long ids. */
const MAX_THROTTLE_BYTES = 4 * 1024 * 1024;

export interface CallbackReceiverOptions {
  /** KLING_CALLBACK_SECRET: keys the per-job URL tokens. */
  readonly secret: string;
  /** KLING_WEBHOOK_SECRET (`whsec_…`): when set, every callback must carry a valid, fresh signature. */
  readonly webhookSecret: string | undefined;
  readonly deliver: DeliverHint;
  readonly logger: Logger;
  /** Unix ms; the webhook timestamp window is checked against it. */
  readonly now?: () => number;
}

interface Answer {
  readonly status: number;
  readonly body: Readonly<Record<string, string>>;
  /** Close the connection: the client may still be sending a body nobody will read. */
  readonly close?: boolean;
}

const reject = (status: number, error: string, close = false): Answer => ({
  status,
  body: { error },
  close,
});
const accept = (result: string): Answer => ({ status: 200, body: { result } });

const routePattern = new RegExp(`${CALLBACK_PATH}/([^/]+)/([^/]+)$`);

/** The request handler, separate from the server so it can run behind any `node:http` server. */
export function createCallbackHandler(options: CallbackReceiverOptions): CallbackHandler {
  const now = options.now ?? Date.now;
  const { logger } = options;
  const throttle = new HintThrottle({
    windowMs: HINT_WINDOW_MS,
    maxBytes: MAX_THROTTLE_BYTES,
    later: (jobId) => {
      options.deliver(jobId).then(
        (delivery) => {
          logger.info('callback hint sent after its window', { jobId, delivery });
        },
        (error: unknown) => {
          logger.error('callback hint not sent: Temporal unavailable', { jobId, error });
        },
      );
    },
  });

  async function receive(request: IncomingMessage): Promise<Answer> {
    if (request.method !== 'POST') return reject(405, 'only POST is accepted', true);
    const route = routeOf(request.url);
    if (route === undefined) return reject(404, 'no such callback route', true);
    if (route.jobId.length > MAX_JOB_ID_LENGTH || !tokenMatches(options.secret, route.jobId, route.token))
      return reject(403, 'invalid callback token', true);
    const { jobId } = route;

    const declared = Number(request.headers['content-length'] ?? 0);
    if (declared > MAX_CALLBACK_BYTES) return reject(413, `body over ${MAX_CALLBACK_BYTES} bytes`, true);
    const raw = await readLimited(request, MAX_CALLBACK_BYTES);
    if (raw === undefined) return reject(413, `body over ${MAX_CALLBACK_BYTES} bytes`, true);

    if (
      options.webhookSecret !== undefined &&
      !verifyWebhook(options.webhookSecret, webhookHeaders(request), raw, Math.floor(now() / 1000))
    ) {
      return reject(401, 'missing, invalid or stale webhook signature');
    }

    let task: KlingTask;
    try {
      task = parseTaskCallback(JSON.parse(raw));
    } catch {
      return reject(400, 'not a Kling task object');
    }
    // Nothing of a size only the sender chose is logged, kept or passed on.
    if (task.taskId.length > MAX_TASK_ID_LENGTH) return reject(400, 'task_id too long');
    if (task.externalTaskId !== undefined && task.externalTaskId !== jobId) {
      return reject(400, 'the task belongs to another job');
    }
    // Only an ending is worth a hint: anything earlier changes nothing the job does.
    if (task.status !== 'succeed' && task.status !== 'failed') return accept('ignored: not terminal');

    if (throttle.offer(jobId) === 'later') return accept('coalesced');
    let delivery;
    try {
      delivery = await options.deliver(jobId);
    } catch (error) {
      throttle.forget(jobId);
      logger.error('callback not delivered: Temporal unavailable', { jobId, error });
      // Kling may retry; the sweep covers it otherwise.
      return reject(503, 'temporarily unable to deliver');
    }
    if (delivery === 'unknown') return reject(404, 'no such job');
    logger.info('callback received', { jobId, taskId: task.taskId, status: task.status, delivery });
    return accept(delivery);
  }

  const handle = (request: IncomingMessage, response: ServerResponse): void => {
    receive(request)
      .catch((error: unknown): Answer => {
        logger.error('callback receiver failed', { error });
        return reject(500, 'internal error', true);
      })
      .then((answer) => {
        if (answer.status >= 400 && answer.status !== 503) {
          logger.warn('callback rejected', {
            status: answer.status,
            reason: answer.body.error ?? '',
            remote: request.socket.remoteAddress ?? '',
          });
        }
        send(response, answer);
      })
      .catch(() => response.destroy());
  };
  return Object.assign(handle, { close: () => throttle.clear() });
}

/** A `node:http` request listener; `close()` drops the hints still waiting for their window. */
export type CallbackHandler = ((request: IncomingMessage, response: ServerResponse) => void) & {
  close(): void;
};

export interface CallbackReceiver {
  /** e.g. `http://127.0.0.1:8787`: where this process listens (the public base URL may differ). */
  readonly url: string;
  close(): Promise<void>;
}

export async function startCallbackReceiver(
  options: CallbackReceiverOptions & { readonly host: string; readonly port: number },
): Promise<CallbackReceiver> {
  const handler = createCallbackHandler(options);
  const server = createServer(handler);
  // A callback is one small POST: a client that dribbles it for longer is not Kling.
  server.requestTimeout = 30_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => resolve());
  });
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return {
    url: `http://${host}:${address.port}`,
    async close() {
      handler.close();
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await closed;
    },
  };
}

function routeOf(url: string | undefined): { jobId: string; token: string } | undefined {
  const match = routePattern.exec(new URL(url ?? '/', 'http://receiver').pathname);
  if (match?.[1] === undefined || match[2] === undefined) return undefined;
  try {
    return { jobId: decodeURIComponent(match[1]), token: match[2] };
  } catch {
    return undefined;
  }
}

function webhookHeaders(request: IncomingMessage): Record<string, string | undefined> {
  const one = (name: string): string | undefined => {
    const value = request.headers[name];
    return Array.isArray(value) ? value.join(' ') : value;
  };
  return {
    'webhook-id': one('webhook-id'),
    'webhook-timestamp': one('webhook-timestamp'),
    'webhook-signature': one('webhook-signature'),
  };
}

/** The body as text; `undefined` once it exceeds `limit` (the rest is left unread; the answer closes the socket). */
function readLimited(request: IncomingMessage, limit: number): Promise<string | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer): void => {
      size += chunk.length;
      if (size <= limit) {
        chunks.push(chunk);
        return;
      }
      request.off('data', onData);
      request.pause();
      resolve(undefined);
    };
    request.on('data', onData);
    request.once('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    request.once('error', reject);
  });
}

function send(response: ServerResponse, answer: Answer): void {
  const text = JSON.stringify(answer.body);
  response.writeHead(answer.status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
    ...(answer.close === true ? { connection: 'close' } : {}),
  });
  response.end(text);
}
