import { randomInt } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { z } from 'zod';
import { familyPath, KlingFamily, newApiFamilyPath } from '../../domain/family.js';
import { klingErrorTable } from '../errors.js';
import { createCallbackSender } from './callbacks.js';
import { countRequest, createCounters, type SimulatorCounters } from './counters.js';
import { defaultKnobs, SimulatorKnobs, SimulatorKnobsUpdate } from './knobs.js';
import { createRandom } from './random.js';
import { openTaskJournal } from './task-journal.js';
import { productOf, TaskBook, toNewTaskData, toTaskData, type SimulatedTask } from './tasks.js';
import { validateCreate, type CreateVerdict } from './validate-create.js';
import { validateNewCreate } from './validate-new-create.js';
import { createAuthVerifier, type SimulatorCredentials } from './verify-auth.js';

export interface SimulatorOptions extends Partial<SimulatorKnobs> {
  /** 0 (the default) picks a free port. */
  readonly port?: number;
  readonly host?: string;
  /** Same seed and same order of requests → same ids and outcomes. Random when absent (see `seed`). */
  readonly seed?: number;
  readonly accessKey?: string;
  readonly secretKey?: string;
  readonly apiKey?: string;
  /** `whsec_<base64>`: sign callbacks (Standard Webhooks). */
  readonly webhookSecret?: string;
  /** One line per request, transition and callback. */
  readonly log?: (line: string) => void;
  /** Keep the tasks in this folder (`tasks.jsonl`), so a simulator started again knows them; memory only without. */
  readonly dataDir?: string;
}

export interface Simulator {
  /** e.g. `http://127.0.0.1:38211`: the client's base URL. */
  readonly url: string;
  readonly seed: number;
  readonly credentials: SimulatorCredentials;
  counters(): SimulatorCounters;
  tasks(): SimulatedTask[];
  knobs(): SimulatorKnobs;
  /** Merges a partial update; queues replace the current ones. */
  setFaults(update: SimulatorKnobsUpdate): void;
  close(): Promise<void>;
}

export const DEFAULT_SIMULATOR_CREDENTIALS: SimulatorCredentials = {
  accessKey: 'sim-access-key',
  secretKey: 'sim-secret-key',
  apiKey: 'sim-api-key',
};

const ADMIN_PREFIX = '/__simulator';
const MAX_BODY_BYTES = 10 * 1024 * 1024;
const RANDOM_ERROR_CODES = [1302, 5000, 5001, 5002] as const;
// The first bytes of an MP4 (an `ftyp` box): enough for a download to look like a video.
const VIDEO_BYTES = Buffer.from('0000001c667479706973736f6d0000020069736f6d69736f326d703431', 'hex');

const familyByPath = new Map(KlingFamily.options.map((family) => [familyPath[family], family]));
/** The new API's products the simulator serves; motion control (`/motion-control/{model}`) is not simulated. */
const newApiFamilies = new Map(
  (['text2video', 'image2video', 'omni-video'] as const).map((family) => [newApiFamilyPath[family]!, family]),
);
/** `POST /tasks`: at most this many tasks per page (kling-api.md: `limit ≤ 500`). */
const MAX_LIST_LIMIT = 500;
const DEFAULT_LIST_LIMIT = 30;

type Answer = { status: number; code: number; message: string; data?: unknown } | 'drop';

export async function startSimulator(options: SimulatorOptions = {}): Promise<Simulator> {
  const seed = options.seed ?? randomInt(2 ** 31);
  // Separate streams, so polling more or less often does not change task ids, delays or outcomes.
  const requestRandom = createRandom(seed);
  const taskRandom = createRandom(seed ^ 0x5bd1e995);
  const callbackRandom = createRandom(seed ^ 0x27d4eb2f);
  const credentials: SimulatorCredentials = {
    accessKey: options.accessKey ?? DEFAULT_SIMULATOR_CREDENTIALS.accessKey,
    secretKey: options.secretKey ?? DEFAULT_SIMULATOR_CREDENTIALS.secretKey,
    apiKey: options.apiKey ?? DEFAULT_SIMULATOR_CREDENTIALS.apiKey,
  };
  const knobUpdate = Object.fromEntries(
    Object.entries(options).filter(([key, value]) => key in defaultKnobs && value !== undefined),
  );
  let knobs: SimulatorKnobs = SimulatorKnobs.parse({ ...defaultKnobs, ...knobUpdate });
  const log = options.log ?? (() => {});
  const now = (): number => Date.now() + knobs.clockSkewMs;
  const counters = createCounters();
  const snapshot = (): SimulatorCounters => ({ ...structuredClone(counters), inFlight: book.inFlight() });
  const verify = createAuthVerifier(credentials);
  const closing = new AbortController();
  let url = '';

  const callbacks = createCallbackSender({
    random: callbackRandom,
    knobs: () => knobs,
    counters,
    now,
    log,
    ...(options.webhookSecret === undefined ? {} : { webhookSecret: options.webhookSecret }),
  });
  const journal =
    options.dataDir === undefined ? undefined : openTaskJournal(join(options.dataDir, 'tasks.jsonl'));
  const book = new TaskBook({
    ...(journal === undefined ? {} : { onChange: (task) => journal.record(task) }),
    random: taskRandom,
    knobs: () => knobs,
    now,
    videoUrl: (videoId) => `${url}${ADMIN_PREFIX}/videos/${videoId}.mp4`,
    onTransition(task) {
      if (task.status === 'succeed') counters.tasksSucceeded++;
      if (task.status === 'failed') counters.tasksFailed++;
      log(
        `task ${task.taskId} (${task.family}) → ${task.status}${task.statusMessage ? `: ${task.statusMessage}` : ''}`,
      );
      callbacks.send(task);
    },
  });

  const error = (code: number, message?: string): Answer => {
    const known = klingErrorTable[code];
    return { status: known?.httpStatus ?? 500, code, message: message ?? known?.meaning ?? 'error' };
  };
  const ok = (data: unknown): Answer => ({ status: 200, code: 0, message: 'SUCCEED', data });

  /** One-shot queue entries first, then the seeded error rate. */
  const injected = (queue: 'createErrors' | 'queryErrors'): Answer | undefined => {
    const [code, ...rest] = knobs[queue];
    if (code !== undefined) {
      knobs = { ...knobs, [queue]: rest };
      return error(code, `${klingErrorTable[code]?.meaning ?? 'error'} (injected)`);
    }
    if (requestRandom.next() < knobs.errorRate) {
      const pick = RANDOM_ERROR_CODES[Math.floor(requestRandom.next() * RANDOM_ERROR_CODES.length)] ?? 5000;
      return error(pick, `${klingErrorTable[pick]?.meaning ?? 'error'} (injected)`);
    }
    return undefined;
  };

  function create(family: KlingFamily, raw: string): Answer {
    const fault = injected('createErrors');
    if (fault !== undefined) return fault;
    const body = parseBody(raw);
    if (body === undefined) return error(1200, 'request body is not valid JSON');
    const verdict = validateCreate(family, body, (videoId) => book.sourceVideo(videoId));
    return admit(family, body, verdict, (task) => toTaskData(task, 'create'));
  }

  /** `POST /<product>/{model}` of the new API: the same lifecycle and faults, the new task object. */
  function createNew(
    family: 'text2video' | 'image2video' | 'omni-video',
    model: string,
    raw: string,
  ): Answer {
    const fault = injected('createErrors');
    if (fault !== undefined) return fault;
    const body = parseBody(raw);
    if (body === undefined) return error(1200, 'request body is not valid JSON');
    const verdict = validateNewCreate(family, model, body);
    if (verdict === undefined) return error(1203, `model ${model} not found on ${newApiFamilyPath[family]}`);
    return admit(family, body, verdict, (task) => toNewTaskData(task, 'create', knobs.newApiCharge));
  }

  /** A create past the body checks: the account's rules, then the task and the faults that follow accepting it. */
  function admit(
    family: KlingFamily,
    body: unknown,
    verdict: CreateVerdict,
    render: (task: SimulatedTask) => unknown,
  ): Answer {
    if (!verdict.ok) return error(verdict.code, verdict.message);
    const { externalTaskId } = verdict.spec;
    // What Kling does with a reused id is undocumented: refused, or (the worst case, a knob) a second paid task.
    const reused = externalTaskId !== undefined && book.externalIdInUse(externalTaskId);
    if (reused && knobs.reusedExternalId === 'refuse') {
      return error(1201, `external_task_id: ${externalTaskId} already exists`);
    }
    if (book.inFlight() >= knobs.concurrencyLimit) {
      return error(1303, `parallel task limit of ${knobs.concurrencyLimit} reached`);
    }
    const willFail = knobs.failTasks > 0 || taskRandom.next() < knobs.failureRate;
    if (knobs.failTasks > 0) knobs = { ...knobs, failTasks: knobs.failTasks - 1 };
    counters.tasksCreated++;
    const task = book.create(family, body as Record<string, unknown>, verdict.spec, willFail);
    counters.maxInFlight = Math.max(counters.maxInFlight, book.inFlight());

    if (knobs.dropCreates > 0) {
      knobs = { ...knobs, dropCreates: knobs.dropCreates - 1 };
      return 'drop';
    }
    if (requestRandom.next() < knobs.dropRate) return 'drop';
    const [acceptedCode, ...rest] = knobs.acceptedCreateErrors;
    if (acceptedCode !== undefined) {
      knobs = { ...knobs, acceptedCreateErrors: rest };
      return error(
        acceptedCode,
        `${klingErrorTable[acceptedCode]?.meaning ?? 'error'} (injected after accepting)`,
      );
    }
    return ok(render(task));
  }

  function query(family: KlingFamily, id: string | undefined, params: URLSearchParams): Answer {
    const fault = injected('queryErrors');
    if (fault !== undefined) return fault;
    if (id !== undefined) {
      // kling-api.md: `{id}` is either the task id or the external task id; other query parameters are folklore
      // and ignored, as an unknown parameter would be.
      const task = book.find(family, id) ?? book.findByExternalId(family, id);
      return task === undefined ? error(1203, `task ${id} not found`) : ok(toTaskData(task, 'query'));
    }
    const pageNum = Number(params.get('pageNum') ?? '1');
    const pageSize = Number(params.get('pageSize') ?? '30');
    if (
      !Number.isInteger(pageNum) ||
      pageNum < 1 ||
      pageNum > 1000 ||
      !Number.isInteger(pageSize) ||
      pageSize < 1 ||
      pageSize > 500
    ) {
      return error(1201, 'pageNum must be 1–1000 and pageSize 1–500');
    }
    const start = (pageNum - 1) * pageSize;
    return ok(
      book
        .list(family)
        .slice(start, start + pageSize)
        .map((task) => toTaskData(task, knobs.listResults ? 'query' : 'bare')),
    );
  }

  /** `GET /tasks?task_ids=a,b` or `?external_task_ids=x,y` (batch, mutually exclusive): the tasks found. */
  function queryTasks(params: URLSearchParams): Answer {
    const fault = injected('queryErrors');
    if (fault !== undefined) return fault;
    const byId = params.get('task_ids');
    const byExternalId = params.get('external_task_ids');
    if ((byId === null) === (byExternalId === null)) {
      return error(1201, 'exactly one of task_ids and external_task_ids is required');
    }
    const wanted = new Set(
      (byId ?? byExternalId ?? '')
        .split(',')
        .map((entry) => entry.trim())
        .filter((entry) => entry !== ''),
    );
    if (wanted.size === 0) return error(1201, `${byId === null ? 'external_task_ids' : 'task_ids'} is empty`);
    const found = book
      .newApiTasks(knobs.tasksFindsLegacy)
      .filter((task) => wanted.has((byId === null ? task.externalTaskId : task.taskId) ?? ''));
    return ok(found.map((task) => toNewTaskData(task, 'query', knobs.newApiCharge)));
  }

  /** `POST /tasks` `{start_time, end_time, cursor, limit, filters}`: a page of the account's tasks, newest first. */
  function listTasks(raw: string): Answer {
    const fault = injected('queryErrors');
    if (fault !== undefined) return fault;
    const parsed = TaskListRequest.safeParse(parseBody(raw));
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      return error(1201, `${issue?.path.join('.') || 'body'}: ${issue?.message ?? 'invalid'}`);
    }
    const { start_time: from, end_time: to, cursor, limit = DEFAULT_LIST_LIMIT, filters = [] } = parsed.data;
    const offset = cursor === undefined || cursor === '' ? 0 : Number(cursor);
    if (!Number.isSafeInteger(offset) || offset < 0) return error(1201, 'cursor: not a cursor of this list');
    const matching = book.newApiTasks(knobs.tasksFindsLegacy).filter((task) => {
      if (from !== undefined && task.createdAt < from) return false;
      if (to !== undefined && task.createdAt >= to) return false;
      const status = toNewTaskData(task, 'create', knobs.newApiCharge).status;
      return filters.every(({ key, values }) => values.includes(key === 'status' ? status : productOf(task)));
    });
    const page = matching.slice(offset, offset + limit);
    const hasMore = offset + limit < matching.length;
    return ok({
      result: page.map((task) => toNewTaskData(task, 'query', knobs.newApiCharge)),
      count: matching.length,
      next_cursor: hasMore ? String(offset + limit) : '',
      has_more: hasMore,
    });
  }

  async function api(request: IncomingMessage, response: ServerResponse, target: URL): Promise<void> {
    const requestId = `${requestRandom.hex(8)}-${requestRandom.hex(4)}-${requestRandom.hex(4)}-${requestRandom.hex(4)}-${requestRandom.hex(12)}`;
    const method = request.method ?? 'GET';
    const match = /^(\/v1\/videos\/[a-z0-9-]+)(?:\/([^/]+))?$/.exec(target.pathname);
    const family = match === null ? undefined : familyByPath.get(match[1]!);
    const id = match?.[2] === undefined ? undefined : decodeURIComponent(match[2]);
    // The new API: the model in a create's path, one query endpoint for every product.
    const newCreate = /^(\/[a-z-]+)\/([^/]+)$/.exec(target.pathname);
    const newFamily = newCreate === null ? undefined : newApiFamilies.get(newCreate[1]!);
    const tasks = target.pathname === '/tasks';
    const route =
      family !== undefined
        ? `${method} ${familyPath[family]}${id === undefined ? '' : '/{id}'}`
        : newFamily !== undefined
          ? `${method} ${target.pathname}`
          : tasks
            ? `${method} /tasks${method === 'GET' ? queryKind(target.searchParams) : ''}`
            : `${method} (unknown path)`;
    const raw = await readBody(request);

    let answer: Answer;
    const newApi = newFamily !== undefined || tasks;
    const authCode = await verify(request.headers.authorization, now(), newApi);
    if (family === undefined && !newApi) answer = error(1203, `no resource at ${target.pathname}`);
    else if (authCode !== 0) answer = error(authCode);
    else if (raw === undefined) answer = error(1200, `request body over ${MAX_BODY_BYTES} bytes`);
    else if (newFamily !== undefined && method === 'POST')
      answer = createNew(newFamily, decodeURIComponent(newCreate![2]!), raw);
    else if (tasks && method === 'GET') answer = queryTasks(target.searchParams);
    else if (tasks && method === 'POST') answer = listTasks(raw);
    else if (family !== undefined && method === 'POST' && id === undefined) answer = create(family, raw);
    else if (family !== undefined && method === 'GET') answer = query(family, id, target.searchParams);
    else answer = error(1202, `${method} is not allowed on ${target.pathname}`);

    if (knobs.latencyMs > 0) await sleep(knobs.latencyMs, undefined, { signal: closing.signal });
    if (answer === 'drop') {
      countRequest(counters, route, 'dropped');
      log(`${method} ${target.pathname}${target.search} → connection dropped after accepting`);
      response.socket?.destroy();
      return;
    }
    countRequest(counters, route, answer.status, answer.code);
    log(`${method} ${target.pathname}${target.search} → ${answer.status} code ${answer.code}`);
    const envelope = { code: answer.code, message: answer.message, request_id: requestId, data: answer.data };
    sendJson(response, answer.status, envelope);
  }

  async function admin(request: IncomingMessage, response: ServerResponse, target: URL): Promise<void> {
    const path = target.pathname.slice(ADMIN_PREFIX.length);
    const video = /^\/videos\/([^/]+)\.mp4$/.exec(path);
    if (video !== null && (request.method === 'GET' || request.method === 'HEAD')) {
      const found = book.video(video[1]!);
      countRequest(counters, `${request.method} ${ADMIN_PREFIX}/videos/{video_id}`, found ? 200 : 404);
      if (found === undefined) return sendJson(response, 404, { error: 'no such video' });
      response.writeHead(200, {
        'content-type': 'video/mp4',
        'content-length': VIDEO_BYTES.length,
        'x-simulator-duration': found.duration,
        'x-simulator-resolution': found.resolution,
      });
      response.end(request.method === 'HEAD' ? undefined : VIDEO_BYTES);
      return;
    }
    if (request.method === 'GET' && path === '/counters') return sendJson(response, 200, snapshot());
    if (request.method === 'GET' && path === '/tasks') return sendJson(response, 200, book.all());
    if (request.method === 'GET' && path === '/faults') return sendJson(response, 200, knobs);
    if (request.method === 'POST' && path === '/faults') {
      const raw = await readBody(request);
      let update: unknown;
      try {
        update = JSON.parse(raw ?? '');
      } catch {
        return sendJson(response, 400, { error: 'body must be JSON' });
      }
      const parsed = SimulatorKnobsUpdate.safeParse(update);
      if (!parsed.success) return sendJson(response, 400, { error: parsed.error.message });
      knobs = { ...knobs, ...parsed.data };
      return sendJson(response, 200, knobs);
    }
    sendJson(response, 404, { error: `no admin route ${request.method} ${target.pathname}` });
  }

  const server = createServer((request, response) => {
    const target = new URL(request.url ?? '/', 'http://simulator');
    const handler = target.pathname.startsWith(`${ADMIN_PREFIX}/`) ? admin : api;
    handler(request, response, target).catch((failure: unknown) => {
      if (closing.signal.aborted) return void response.socket?.destroy();
      log(`internal error: ${String(failure)}`);
      if (!response.headersSent)
        sendJson(response, 500, { code: 5000, message: 'simulator error', request_id: '' });
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => resolve());
  });
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  url = `http://${host}:${address.port}`;
  // Once the URL is known: a restored task that finishes now gets its video URL from it.
  if (journal !== undefined) book.restore(journal.tasks);

  return {
    url,
    seed,
    credentials,
    counters: snapshot,
    tasks: () => book.all(),
    knobs: () => structuredClone(knobs),
    setFaults(update) {
      knobs = { ...knobs, ...SimulatorKnobsUpdate.parse(update) };
    },
    async close() {
      closing.abort();
      book.close();
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await Promise.all([closed, callbacks.close()]);
    },
  };
}

/** `POST /tasks`'s body (kling-api.md, "New design standard"); times are Unix ms, like the task objects'. */
const TaskListRequest = z.strictObject({
  start_time: z.number().int().nonnegative().optional(),
  end_time: z.number().int().nonnegative().optional(),
  cursor: z.string().optional(),
  limit: z.number().int().min(1).max(MAX_LIST_LIMIT).optional(),
  filters: z
    .array(z.strictObject({ key: z.enum(['status', 'product_type']), values: z.array(z.string()).min(1) }))
    .optional(),
});

/** Which batch query a `GET /tasks` is, for the request counters. */
function queryKind(params: URLSearchParams): string {
  return params.has('task_ids') ? '?task_ids' : params.has('external_task_ids') ? '?external_task_ids' : '';
}

/** A JSON request body; `undefined` when it is not JSON. */
function parseBody(raw: string): unknown {
  try {
    return JSON.parse(raw) as unknown;
  } catch {
    return undefined;
  }
}

/** The body as text; `undefined` when over the size limit. */
async function readBody(request: IncomingMessage): Promise<string | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) return undefined;
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function sendJson(response: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  response.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
  });
  response.end(text);
}
