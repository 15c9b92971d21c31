// The contract fixtures of test/fixtures/kling/: Kling's answers transcribed from kling-api.md, each naming its
// section. Tests parse them with the client's schemas and hold the simulator's answers to their exact keys.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';

const dir = join(import.meta.dirname, '../fixtures/kling');

const Answer = z.strictObject({
  section: z.string().startsWith('kling-api.md § '),
  kind: z.string(),
  httpStatus: z.number().int(),
  body: z.looseObject({ code: z.number(), message: z.string(), request_id: z.string() }),
});
const Callback = z.strictObject({
  section: z.string().startsWith('kling-api.md § '),
  kind: z.string(),
  body: z.record(z.string(), z.unknown()),
});
const Errors = z.strictObject({
  section: z.string().startsWith('kling-api.md § '),
  kind: z.literal('error'),
  answers: z.array(Answer.omit({ section: true, kind: true })),
});
const Request = z.strictObject({
  section: z.string().startsWith('kling-api.md § '),
  kind: z.literal('request'),
  method: z.literal('POST'),
  path: z.string().startsWith('/'),
  body: z.record(z.string(), z.unknown()),
});
const TestVector = z.strictObject({
  section: z.string().startsWith('kling-api.md § '),
  kind: z.literal('webhook-signature'),
  secret: z.string(),
  headers: z.record(z.string(), z.string()),
  rawBody: z.string(),
});

function load<T>(name: string, schema: z.ZodType<T>): T {
  return schema.parse(JSON.parse(readFileSync(join(dir, `${name}.json`), 'utf8')));
}

export type AnswerFixture = z.infer<typeof Answer>;
export type AnswerKind = 'create' | 'query-pending' | 'query-succeed' | 'query-failed' | 'list';
/** The new design standard's answers. */
export type NewAnswerKind =
  'new-create' | 'new-query-pending' | 'new-query-succeeded' | 'new-query-failed' | 'new-list';

export const fixtures = {
  answer: (kind: AnswerKind | NewAnswerKind): AnswerFixture => load(kind, Answer),
  /** A create body the worker sends the new API, transcribed from the page; `external_task_id` is `job-8812`. */
  request: (name: 'new-request-text-to-video' | 'new-request-image-to-video') => load(name, Request),
  errors: () => load('errors', Errors).answers,
  callback: (name: 'callback-legacy' | 'callback-new-console-test' | 'callback-new-succeeded') =>
    load(name, Callback),
  webhookTestVector: () => load('webhook-test-vector', TestVector),
};

/** The `data` of an answer fixture, as a task object. */
export function taskDataOf(kind: Exclude<AnswerKind, 'list'>): Record<string, unknown> {
  return fixtures.answer(kind).body['data'] as Record<string, unknown>;
}

/** The one task of a new-API query fixture. */
export function newTaskDataOf(
  kind: Exclude<NewAnswerKind, 'new-list' | 'new-create'>,
): Record<string, unknown> {
  return (fixtures.answer(kind).body['data'] as Record<string, unknown>[])[0]!;
}

/** The new-API query fixture a task in this (new-API) status is held to. */
export function newQueryKindOf(status: string): Exclude<NewAnswerKind, 'new-list' | 'new-create'> {
  return status === 'succeeded'
    ? 'new-query-succeeded'
    : status === 'failed'
      ? 'new-query-failed'
      : 'new-query-pending';
}

/** The query fixture a task in this status is held to. */
export function queryKindOf(status: string): Exclude<AnswerKind, 'create' | 'list'> {
  return status === 'succeed' ? 'query-succeed' : status === 'failed' ? 'query-failed' : 'query-pending';
}

/**
 * The keys of a JSON value at every depth, with the type of each leaf: two answers of one kind have the same
 * shape whatever their values. An array's shape is its first element's (the callers compare list entries one by
 * one).
 */
export function shapeOf(value: unknown): unknown {
  if (Array.isArray(value)) return value.length === 0 ? [] : [shapeOf(value[0])];
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(
      Object.keys(value)
        .sort()
        .map((key) => [key, shapeOf((value as Record<string, unknown>)[key])]),
    );
  }
  return value === null ? 'null' : typeof value;
}
