import type { z } from 'zod';
import { familyPath, type KlingApi, type KlingFamily } from '../domain/family.js';
import type { NewApiCreate } from '../domain/new-api-body.js';
import { createKlingAuth, createNewApiAuth, type KlingAuth, type KlingCredentials } from './auth.js';
import { classifyKlingCode, classifyTransportFailure, KlingError, type KlingErrorDetails } from './errors.js';
import {
  fromNewTask,
  KlingEnvelope,
  KlingNewTaskData,
  KlingNewTaskList,
  KlingTaskData,
  KlingTaskList,
  toKlingTask,
  type KlingTask,
} from './task.js';

/** One HTTP exchange with Kling, for metrics. Routes are templates: no task id, external id or token. */
export interface KlingRequestEvent {
  readonly method: 'GET' | 'POST';
  /**
   * e.g. `POST /v1/videos/text2video`, `GET /v1/videos/text2video/{task_id}`, `POST /text-to-video/kling-3.0-turbo`,
   * `GET /tasks?task_ids`.
   */
  readonly route: string;
  readonly api: KlingApi;
  /** Absent for the new API's queries, which serve every family at once. */
  readonly family?: KlingFamily;
  /** `null` when no response arrived (network error, timeout). */
  readonly httpStatus: number | null;
  /** Kling's code; `null` when the body was not a Kling envelope. */
  readonly code: number | null;
  readonly durationMs: number;
}

export interface KlingClientOptions {
  /** e.g. `https://api-singapore.klingai.com`, or a simulator's `url`. */
  readonly baseUrl: string;
  readonly auth: KlingCredentials;
  /** Per request, body included. */
  readonly timeoutMs?: number;
  readonly fetch?: typeof globalThis.fetch;
  /** Unix milliseconds; signs the JWT claims. */
  readonly now?: () => number;
  readonly onRequest?: (event: KlingRequestEvent) => void;
}

export type KlingRequestBody = Readonly<Record<string, unknown>>;

export interface KlingClient {
  /** One create. An `ambiguous` KlingError means the task may exist anyway: prefer `submitTask`. */
  createTask(family: KlingFamily, body: KlingRequestBody, externalTaskId: string): Promise<KlingTask>;
  getTask(family: KlingFamily, taskId: string): Promise<KlingTask>;
  /** One page of the account's tasks on a family, newest first (`pageSize` ≤ 500, `pageNum` ≤ 1000). */
  listTasks(family: KlingFamily, page: TaskPage): Promise<KlingTask[]>;
  /**
   * The documented lookup (kling-api.md, "Legacy: query"): `GET <family path>/{external_task_id}`. `null` when
   * Kling has no such task on this family (1203); any other failure is thrown, never taken for "none".
   */
  findTaskByExternalId(family: KlingFamily, externalTaskId: string): Promise<KlingTask | null>;
  /**
   * The idempotent create: the task carrying `externalTaskId` if there is one, a new task otherwise — never a
   * second paid task. A create whose outcome is unknown is followed by a lookup; a refused one too, when the
   * refusal is final (whatever the code): a task that carries this id is the job's task, and only when none does
   * is the refusal the answer.
   */
  submitTask(
    family: KlingFamily,
    body: KlingRequestBody,
    externalTaskId: string,
    options?: SubmitOptions,
  ): Promise<KlingTask>;

  /** Whether this client may call the API generation: the new one takes only an API key. */
  canUse(api: KlingApi): boolean;
  /** The new API's create (`POST /text-to-video/{model}`, …), `external_task_id` added under `options`. */
  createNewTask(create: NewApiCreate, externalTaskId: string): Promise<KlingTask>;
  /**
   * The new API's batch query, `GET /tasks?task_ids=a,b`: the tasks Kling found among these ids, in requests of
   * at most {@link MAX_IDS_PER_QUERY} ids. A task it does not know is missing from the answer.
   */
  getNewTasks(taskIds: readonly string[]): Promise<KlingTask[]>;
  /** One task of the new API; a task Kling does not know is a fatal KlingError, as the legacy API's 1203. */
  getNewTask(taskId: string): Promise<KlingTask>;
  /** The new API's documented lookup, `GET /tasks?external_task_ids=x`; `null` when no task carries the id. */
  findNewTaskByExternalId(externalTaskId: string): Promise<KlingTask | null>;
  /** `submitTask` on the new API: the task carrying `externalTaskId` if there is one, a new one otherwise. */
  submitNewTask(create: NewApiCreate, externalTaskId: string, options?: SubmitOptions): Promise<KlingTask>;
}

export interface TaskPage {
  readonly pageNum: number;
  readonly pageSize: number;
}

export interface SubmitOptions {
  /**
   * An earlier attempt sent a create whose outcome is unknown (no answer, a 5xx, or a task created but not
   * recorded), so the task may exist: look it up before creating (default true). A caller that knows every earlier
   * create was refused — or that there was none — saves the lookup.
   */
  readonly mayExist?: boolean;
}

export const DEFAULT_TIMEOUT_MS = 30_000;

/**
 * Ids per `GET /tasks` request. The page documents no limit (uncertain): fifty 18-digit ids keep the URL near 1 KB,
 * well inside any server's limit, and still read fifty waiting jobs with one request.
 */
export const MAX_IDS_PER_QUERY = 50;

/** Kling's "resource not found": the documented lookup's answer when no task carries the id. */
const NOT_FOUND = 1203;

interface Call<T> {
  readonly method: 'GET' | 'POST';
  readonly api: KlingApi;
  readonly family?: KlingFamily;
  /** Path and query, appended to the base URL. */
  readonly target: string;
  readonly route: string;
  readonly body?: KlingRequestBody;
  readonly data: z.ZodType<T>;
}

export function createKlingClient(options: KlingClientOptions): KlingClient {
  const baseUrl = options.baseUrl.replace(/\/+$/, '');
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const fetchImpl = options.fetch ?? globalThis.fetch;
  const auth = createKlingAuth(options.auth, options.now);
  const newApiAuth = createNewApiAuth(options.auth);
  const authOf = (api: KlingApi): KlingAuth | undefined => (api === 'new' ? newApiAuth : auth);

  const redact = (text: string): string =>
    [...auth.secrets(), ...(newApiAuth?.secrets() ?? [])].reduce(
      (result, secret) => result.split(secret).join('[redacted]'),
      text,
    );

  const fail = (route: string, detail: string, details: KlingErrorDetails): KlingError =>
    new KlingError(redact(`Kling ${route}: ${detail}`), details);

  const transportDetail = (error: unknown): string => {
    if (error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError')) {
      return `no answer within ${timeoutMs} ms`;
    }
    const cause: unknown = error instanceof Error ? error.cause : undefined;
    const reason =
      cause instanceof Error ? ((cause as NodeJS.ErrnoException).code ?? cause.message) : String(error);
    return `network error (${reason})`;
  };

  async function send<T>(call: Call<T>): Promise<T> {
    const isCreate = call.method === 'POST';
    const callAuth = authOf(call.api);
    if (callAuth === undefined) {
      // Nothing is sent: the new API refuses a key pair's JWT, so the request could only fail (acceptance checks it).
      throw fail(call.route, "Kling's new API takes only an API key: set KLING_API_KEY", {
        httpStatus: null,
        code: null,
        requestId: null,
        kind: 'fatal',
        ambiguous: false,
      });
    }
    for (let attempt = 0; ; attempt++) {
      const started = performance.now();
      const report = (httpStatus: number | null, code: number | null): void =>
        options.onRequest?.({
          method: call.method,
          route: call.route,
          api: call.api,
          ...(call.family === undefined ? {} : { family: call.family }),
          httpStatus,
          code,
          durationMs: performance.now() - started,
        });
      let httpStatus: number | null = null;
      let text: string;
      try {
        const response = await fetchImpl(`${baseUrl}${call.target}`, {
          method: call.method,
          headers: {
            authorization: await callAuth.authorization(),
            ...(call.body === undefined ? {} : { 'content-type': 'application/json' }),
          },
          ...(call.body === undefined ? {} : { body: JSON.stringify(call.body) }),
          signal: AbortSignal.timeout(timeoutMs),
        });
        httpStatus = response.status;
        text = await response.text();
      } catch (error) {
        report(httpStatus, null);
        throw fail(call.route, transportDetail(error), classifyTransportFailure(httpStatus, isCreate));
      }

      const envelope = KlingEnvelope.safeParse(parseJson(text));
      if (!envelope.success) {
        report(httpStatus, null);
        throw fail(
          call.route,
          `HTTP ${httpStatus}, not a Kling envelope`,
          classifyTransportFailure(httpStatus, isCreate),
        );
      }
      const { code, message, request_id: requestId } = envelope.data;
      report(httpStatus, code);

      if (code === 0) {
        const data = call.data.safeParse(envelope.data.data);
        if (data.success) return data.data;
        throw fail(call.route, `HTTP ${httpStatus}, unexpected data: ${data.error.message}`, {
          ...classifyTransportFailure(httpStatus, isCreate),
          requestId,
        });
      }

      const verdict = classifyKlingCode(code, httpStatus, isCreate);
      // 1003/1004: the cached token went stale; one fresh signature may fix it, a second failure will not.
      if (verdict.kind === 'reauth' && attempt === 0 && callAuth.renew()) continue;
      throw fail(call.route, `HTTP ${httpStatus}, code ${code} (${verdict.meaning}): ${message}`, {
        httpStatus,
        code,
        requestId,
        kind: verdict.kind === 'reauth' ? 'fatal' : verdict.kind,
        ambiguous: verdict.ambiguous,
        ...(verdict.minBackoffMs === undefined ? {} : { minBackoffMs: verdict.minBackoffMs }),
      });
    }
  }

  const createTask = async (family: KlingFamily, body: KlingRequestBody, externalTaskId: string) =>
    toKlingTask(
      await send({
        method: 'POST',
        api: 'legacy',
        family,
        target: familyPath[family],
        route: `POST ${familyPath[family]}`,
        body: { ...body, external_task_id: externalTaskId },
        data: KlingTaskData,
      }),
    );

  const getTask = async (family: KlingFamily, taskId: string) =>
    toKlingTask(
      await send({
        method: 'GET',
        api: 'legacy',
        family,
        target: `${familyPath[family]}/${encodeURIComponent(taskId)}`,
        route: `GET ${familyPath[family]}/{task_id}`,
        data: KlingTaskData,
      }),
    );

  const listTasks = async (family: KlingFamily, { pageNum, pageSize }: TaskPage) =>
    (
      await send({
        method: 'GET',
        api: 'legacy',
        family,
        target: `${familyPath[family]}?pageNum=${pageNum}&pageSize=${pageSize}`,
        route: `GET ${familyPath[family]}`,
        data: KlingTaskList,
      })
    ).map(toKlingTask);

  async function findTaskByExternalId(
    family: KlingFamily,
    externalTaskId: string,
  ): Promise<KlingTask | null> {
    const path = familyPath[family];
    let task: KlingTaskData;
    try {
      task = await send({
        method: 'GET',
        api: 'legacy',
        family,
        target: `${path}/${encodeURIComponent(externalTaskId)}`,
        route: `GET ${path}/{external_task_id}`,
        data: KlingTaskData,
      });
    } catch (error) {
      if (error instanceof KlingError && error.code === NOT_FOUND) return null;
      throw error;
    }
    // `{id}` is a task id or an external id: a task that echoes another external id is not this one.
    const echoed = task.task_info?.external_task_id;
    return echoed === undefined || echoed === '' || echoed === externalTaskId ? toKlingTask(task) : null;
  }

  /**
   * The idempotent create of either API (see `submitTask`): `create` makes one request, `find` looks the task up by
   * the job's external id, answering `null` only when Kling says no task carries it.
   */
  async function idempotentCreate(
    create: () => Promise<KlingTask>,
    find: () => Promise<KlingTask | null>,
    { mayExist = true }: SubmitOptions,
  ): Promise<KlingTask> {
    if (mayExist) {
      const existing = await find();
      if (existing !== null) return existing;
    }
    try {
      return await create();
    } catch (error) {
      if (!(error instanceof KlingError)) throw error;
      if (error.ambiguous) {
        const accepted = await find();
        if (accepted !== null) return accepted;
        // Kling may still have the create in flight: only a later retry (which looks up first) can tell.
        throw new KlingError(`${error.message}; no task carries this external_task_id yet, retry later`, {
          httpStatus: error.httpStatus,
          code: error.code,
          requestId: error.requestId,
          kind: 'retryable',
          ambiguous: true,
        });
      }
      // A retryable refusal (1302, 1303) created nothing and ends nothing: the next attempt decides again.
      if (error.kind !== 'fatal') throw error;
      // A final refusal may be Kling's (undocumented) answer to an external_task_id already in use: the task that
      // carries it is the job's task. Only when none does is the refusal the answer.
      let existing: KlingTask | null;
      try {
        existing = await find();
      } catch (lookup) {
        if (lookup instanceof KlingError && lookup.kind === 'retryable') {
          throw new KlingError(
            `${error.message}; whether a task already carries this external_task_id is unknown (${lookup.message}), retry later`,
            {
              httpStatus: lookup.httpStatus,
              code: lookup.code,
              requestId: lookup.requestId,
              kind: 'retryable',
              ambiguous: false,
            },
          );
        }
        throw error;
      }
      if (existing !== null) return existing;
      throw error;
    }
  }

  const submitTask = (
    family: KlingFamily,
    body: KlingRequestBody,
    externalTaskId: string,
    options: SubmitOptions = {},
  ) =>
    idempotentCreate(
      () => createTask(family, body, externalTaskId),
      () => findTaskByExternalId(family, externalTaskId),
      options,
    );

  const createNewTask = async ({ path, body }: NewApiCreate, externalTaskId: string) => {
    const options = typeof body.options === 'object' && body.options !== null ? body.options : {};
    return fromNewTask(
      await send({
        method: 'POST',
        api: 'new',
        target: path,
        route: `POST ${path}`,
        body: { ...body, options: { ...options, external_task_id: externalTaskId } },
        data: KlingNewTaskData,
      }),
    );
  };

  const queryNewTasks = async (key: 'task_ids' | 'external_task_ids', values: readonly string[]) => {
    const tasks: KlingTask[] = [];
    for (let start = 0; start < values.length; start += MAX_IDS_PER_QUERY) {
      const ids = values.slice(start, start + MAX_IDS_PER_QUERY).map(encodeURIComponent);
      const answer = await send({
        method: 'GET',
        api: 'new',
        target: `/tasks?${key}=${ids.join(',')}`,
        route: `GET /tasks?${key}`,
        data: KlingNewTaskList,
      });
      tasks.push(...answer.map(fromNewTask));
    }
    return tasks;
  };

  const getNewTasks = async (taskIds: readonly string[]) => {
    const wanted = new Set(taskIds);
    // Only the tasks asked for: an answer naming others (a misread id list) must not be taken for them.
    return (await queryNewTasks('task_ids', [...wanted])).filter((task) => wanted.has(task.taskId));
  };

  async function getNewTask(taskId: string): Promise<KlingTask> {
    const [task] = await getNewTasks([taskId]);
    if (task !== undefined) return task;
    throw fail('GET /tasks?task_ids', `no task ${taskId}`, {
      httpStatus: 200,
      code: null,
      requestId: null,
      kind: 'fatal',
      ambiguous: false,
    });
  }

  async function findNewTaskByExternalId(externalTaskId: string): Promise<KlingTask | null> {
    let tasks: KlingTask[];
    try {
      tasks = await queryNewTasks('external_task_ids', [externalTaskId]);
    } catch (error) {
      if (error instanceof KlingError && error.code === NOT_FOUND) return null;
      throw error;
    }
    return tasks.find((task) => task.externalTaskId === externalTaskId) ?? null;
  }

  const submitNewTask = (create: NewApiCreate, externalTaskId: string, options: SubmitOptions = {}) =>
    idempotentCreate(
      () => createNewTask(create, externalTaskId),
      () => findNewTaskByExternalId(externalTaskId),
      options,
    );

  return {
    createTask,
    getTask,
    listTasks,
    findTaskByExternalId,
    submitTask,
    canUse: (api) => authOf(api) !== undefined,
    createNewTask,
    getNewTasks,
    getNewTask,
    findNewTaskByExternalId,
    submitNewTask,
  };
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}
