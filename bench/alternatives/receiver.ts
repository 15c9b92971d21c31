// src/callbacks/receiver.ts as it was before issue 15, frozen for the `callbacks` design: a valid terminal callback
// becomes the frozen `klingCallback` signal to the job itself, with the task id, status and `updated_at` the
// job de-duplicates on (production's receiver now only hints the account's sweep with the job id). The checks
// are the same: the per-job token, the body size, the Standard Webhooks signature and timestamp, the task schema
// and the job it names. Neither the token nor a secret is ever logged: the request URL is not logged at all.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from '@temporalio/common';
import type { CallbackReceiver } from '../../src/callbacks/receiver.js';
import { CALLBACK_PATH, tokenMatches } from '../../src/callbacks/token.js';
import { parseTaskCallback, type KlingTask } from '../../src/kling/task.js';
import { verifyWebhook } from '../../src/kling/webhook.js';
import type { DeliverTaskHint } from './deliver.js';

/** A task object with a few video URLs is a few kilobytes. */
const MAX_CALLBACK_BYTES = 64 * 1024;

interface CallbackReceiverOptions {
  /** KLING_CALLBACK_SECRET: keys the per-job URL tokens. */
  readonly secret: string;
  /** KLING_WEBHOOK_SECRET (`whsec_…`): when set, every callback must carry a valid, fresh signature. */
  readonly webhookSecret: string | undefined;
  readonly deliver: DeliverTaskHint;
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
function createCallbackHandler(
  options: CallbackReceiverOptions,
): (request: IncomingMessage, response: ServerResponse) => void {
  const now = options.now ?? Date.now;
  const seen = new SeenCallbacks();
  const { logger } = options;

  async function receive(request: IncomingMessage): Promise<Answer> {
    if (request.method !== 'POST') return reject(405, 'only POST is accepted', true);
    const route = routeOf(request.url);
    if (route === undefined) return reject(404, 'no such callback route', true);
    if (!tokenMatches(options.secret, route.jobId, route.token))
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
    if (task.externalTaskId !== undefined && task.externalTaskId !== jobId) {
      return reject(400, 'the task belongs to another job');
    }
    // Only an ending is worth a signal: anything earlier changes nothing the workflow does.
    if (task.status !== 'succeed' && task.status !== 'failed') return accept('ignored: not terminal');

    const key = JSON.stringify([jobId, task.taskId, task.status, task.updatedAt]);
    if (seen.has(key)) return accept('duplicate');
    const hint = { taskId: task.taskId, status: task.status, updatedAt: task.updatedAt };
    let delivery;
    try {
      delivery = await options.deliver(jobId, hint);
    } catch (error) {
      logger.error('callback not delivered: Temporal unavailable', { jobId, error });
      // Kling may retry; the job's polling covers it otherwise.
      return reject(503, 'temporarily unable to deliver');
    }
    if (delivery === 'unknown') return reject(404, 'no such job');
    seen.add(key);
    logger.info('callback received', { jobId, taskId: task.taskId, status: task.status, delivery });
    return accept(delivery);
  }

  return (request, response) => {
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
}

export async function startFrozenCallbackReceiver(
  options: CallbackReceiverOptions & { readonly host: string; readonly port: number },
): Promise<CallbackReceiver> {
  const server = createServer(createCallbackHandler(options));
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

/**
 * Callbacks this receiver already delivered, so Kling's retries of one callback do not each become a signal (each
 * signal is an event in the job's history). Bounded: the oldest entries go first. (src/callbacks/seen-callbacks.ts
 * before issue 15.)
 */
class SeenCallbacks {
  readonly #keys = new Set<string>();
  readonly #capacity = 10_000;

  has(key: string): boolean {
    return this.#keys.has(key);
  }

  add(key: string): void {
    this.#keys.add(key);
    if (this.#keys.size <= this.#capacity) return;
    const oldest = this.#keys.values().next();
    if (oldest.done !== true) this.#keys.delete(oldest.value);
  }
}
