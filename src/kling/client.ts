import type { z } from 'zod';
import { familyPath, type KlingFamily } from '../domain/family.js';
import { createKlingAuth, type KlingCredentials } from './auth.js';
import { classifyKlingCode, classifyTransportFailure, KlingError, type KlingErrorDetails } from './errors.js';
import { KlingEnvelope, KlingTaskData, KlingTaskList, toKlingTask, type KlingTask } from './task.js';

/** One HTTP exchange with Kling, for metrics. Routes are templates: no task id, external id or token. */
export interface KlingRequestEvent {
  readonly method: 'GET' | 'POST';
  /** e.g. `POST /v1/videos/text2video`, `GET /v1/videos/text2video/{task_id}`. */
  readonly route: string;
  readonly family: KlingFamily;
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

/** Kling's "resource not found": the documented lookup's answer when no task carries the id. */
const NOT_FOUND = 1203;

interface Call<T> {
  readonly method: 'GET' | 'POST';
  readonly family: KlingFamily;
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

  const redact = (text: string): string =>
    auth.secrets().reduce((result, secret) => result.split(secret).join('[redacted]'), text);

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
    for (let attempt = 0; ; attempt++) {
      const started = performance.now();
      const report = (httpStatus: number | null, code: number | null): void =>
        options.onRequest?.({
          method: call.method,
          route: call.route,
          family: call.family,
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
            authorization: await auth.authorization(),
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
      if (verdict.kind === 'reauth' && attempt === 0 && auth.renew()) continue;
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

  async function submitTask(
    family: KlingFamily,
    body: KlingRequestBody,
    externalTaskId: string,
    { mayExist = true }: SubmitOptions = {},
  ) {
    if (mayExist) {
      const existing = await findTaskByExternalId(family, externalTaskId);
      if (existing !== null) return existing;
    }
    try {
      return await createTask(family, body, externalTaskId);
    } catch (error) {
      if (!(error instanceof KlingError)) throw error;
      if (error.ambiguous) {
        const accepted = await findTaskByExternalId(family, externalTaskId);
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
        existing = await findTaskByExternalId(family, externalTaskId);
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

  return { createTask, getTask, listTasks, findTaskByExternalId, submitTask };
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}
