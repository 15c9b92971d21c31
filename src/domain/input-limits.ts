// What hostile or careless input is refused at the door (issue 13): anything the store, Kling, the history or a
// log line would choke on later. Every check here is iterative and bounded, so it can run before any recursive
// code (zod's `z.json()`, `JSON.stringify`, deep equality) sees a document.
import { z } from 'zod';
import type { Issue } from './issues.js';
import { knownModels } from './models.js';
import { compareDecimals, fitsDecimalPlaces } from './money.js';

/**
 * Unicode "Cc" controls: C0 (U+0000–U+001F, NUL included), DEL and C1 (U+0080–U+009F). PostgreSQL refuses NUL in
 * text and JSONB, and the others forge or garble log lines and terminals. Free text (prompts) keeps tab, line
 * feed and carriage return, which people write; identifiers, names and URLs keep none.
 */
const CONTROL = /\p{Cc}/u;
const CONTROL_IN_FREE_TEXT = /[^\P{Cc}\t\n\r]/u;
/** A UTF-16 surrogate without its pair: not well-formed Unicode, refused by PostgreSQL's JSON and mangled by UTF-8. */
const LONE_SURROGATE = /\p{Cs}/u;

/** The deepest a payload may nest, counting the payload object itself and every object or array in it. */
export const MAX_PAYLOAD_DEPTH = 8;

/** Why `value` is refused, or `undefined`: a control character (free text: other than tab, LF, CR) or a lone surrogate. */
export function unsafeTextProblem(value: string, kind: 'free-text' | 'identifier'): string | undefined {
  const control = (kind === 'free-text' ? CONTROL_IN_FREE_TEXT : CONTROL).exec(value);
  if (control !== null) {
    const allowed = kind === 'free-text' ? ' (tab, line feed and carriage return are allowed)' : '';
    return `control character ${codePoint(control[0])} at offset ${control.index} is not allowed${allowed}`;
  }
  const surrogate = LONE_SURROGATE.exec(value);
  if (surrogate !== null) {
    return `lone surrogate ${codePoint(surrogate[0])} at offset ${surrogate.index}: not well-formed Unicode`;
  }
  return undefined;
}

function codePoint(character: string): string {
  return `U+${(character.codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, '0')}`;
}

/** A zod check for strings: refuses what {@link unsafeTextProblem} refuses, with its message. */
export function safeText(kind: 'free-text' | 'identifier') {
  return (ctx: z.core.ParsePayload<string>): void => {
    const problem = unsafeTextProblem(ctx.value, kind);
    if (problem !== undefined) ctx.issues.push({ code: 'custom', message: problem, input: ctx.value });
  };
}

export interface JsonLimits {
  /** The deepest the value may nest (the value itself counts 1 when it is an object or array). */
  readonly maxDepth: number;
  /** Paths (as formatted, e.g. `prompt`) whose strings are free text; every other string and key is an identifier. */
  readonly freeText?: ReadonlySet<string>;
  /** Prefix of every reported path, e.g. `camera_control`. */
  readonly path?: string;
  /** The depth of the value itself within its document (1, the default, for the document). */
  readonly depth?: number;
}

/** At most this many problems are reported for one document: a hostile one could otherwise make a huge error. */
const MAX_ISSUES = 20;

/**
 * Walks any JSON-like value without recursion and reports where it nests too deep, and every key or string that
 * {@link unsafeTextProblem} refuses. Stops at {@link MAX_ISSUES} problems.
 */
export function jsonLimitIssues(value: unknown, limits: JsonLimits): Issue[] {
  const issues: Issue[] = [];
  const stack: { value: unknown; path: string; depth: number }[] = [
    { value, path: limits.path ?? '', depth: limits.depth ?? 1 },
  ];
  while (stack.length > 0 && issues.length < MAX_ISSUES) {
    const { value: item, path, depth } = stack.pop()!;
    if (typeof item === 'string') {
      const problem = unsafeTextProblem(
        item,
        limits.freeText?.has(path) === true ? 'free-text' : 'identifier',
      );
      if (problem !== undefined) issues.push({ path, message: problem });
      continue;
    }
    if (typeof item !== 'object' || item === null) continue;
    if (depth > limits.maxDepth) {
      issues.push({ path, message: `nested deeper than ${limits.maxDepth} levels of objects and arrays` });
      continue;
    }
    const entries: [string | number, unknown][] = Array.isArray(item)
      ? item.map((element, index) => [index, element])
      : Object.entries(item);
    for (const [key, element] of entries.reverse()) {
      const childPath = typeof key === 'number' ? `${path}[${key}]` : joinPath(path, key);
      if (typeof key === 'string') {
        const problem = unsafeTextProblem(key, 'identifier');
        if (problem !== undefined) issues.push({ path: childPath, message: `key: ${problem}` });
      }
      stack.push({ value: element, path: childPath, depth: depth + 1 });
    }
  }
  return issues.slice(0, MAX_ISSUES);
}

/** `path.key`; keys are shown escaped and shortened, so a hostile key cannot forge or flood an error message. */
export function joinPath(path: string, key: string): string {
  const shown = /^[\w-]{1,64}$/.test(key) ? key : JSON.stringify(shorten(key));
  return path === '' ? shown : `${path}.${shown}`;
}

/** The first 40 characters of a value quoted in an error message. */
export function shorten(value: string): string {
  return value.length <= 40 ? value : `${value.slice(0, 40)}…`;
}

/**
 * A JSON object checked by {@link jsonLimitIssues} before `inner` parses it: `inner` (typically `z.json()`,
 * which recurses) never sees a value that nests too deep.
 */
export function boundedJson<T extends z.ZodType>(inner: T, limits: Pick<JsonLimits, 'maxDepth' | 'depth'>) {
  return z
    .unknown()
    .check((ctx) => {
      for (const issue of jsonLimitIssues(ctx.value, limits)) {
        ctx.issues.push({
          code: 'custom',
          message: issue.message,
          input: undefined,
          path: issue.path === '' ? [] : [issue.path],
        });
      }
    })
    .pipe(inner);
}

/**
 * A model name: lower-case letters, digits, `-` and `.`, starting and ending with a letter or digit, at most 64
 * characters (`kling-v2-6`, `kling-3.0-turbo`). It goes into URLs, logs and the store, so nothing else passes.
 */
export const MODEL_NAME_PATTERN = /^[a-z0-9](?:[a-z0-9.-]{0,62}[a-z0-9])?$/;
const modelNameRule =
  'a model name is lower-case letters, digits, "-" and ".", starting and ending with a letter or digit, at most 64 characters';

/** Why `name` is not a model name, naming the known model it nearly is (case, spaces); `undefined` when it is one. */
export function modelNameProblem(name: string): string | undefined {
  if (MODEL_NAME_PATTERN.test(name)) return undefined;
  const nearly = name.trim().replace(/\s+/g, '-').replace(/_/g, '-').toLowerCase();
  const hint = Object.hasOwn(knownModels, nearly) ? ` did you mean ${nearly}?` : '';
  return `${JSON.stringify(shorten(name))} is not a model name:${hint} (${modelNameRule})`;
}

export const ModelName = z
  .string({
    error: (issue) => (issue.input === undefined ? 'required, e.g. "kling-v2-6"' : 'expected a string'),
  })
  .min(1, 'expected a model name, e.g. "kling-v2-6"')
  .check((ctx) => {
    const problem = ctx.value === '' ? undefined : modelNameProblem(ctx.value);
    if (problem !== undefined) ctx.issues.push({ code: 'custom', message: problem, input: ctx.value });
  });

/**
 * A job id: 1–128 ASCII letters, digits, `.`, `_`, `:` and `-`, starting with a letter or digit. It is the
 * workflow id, Kling's `external_task_id` (a URL path segment when a task is looked up) and a field of every log
 * line, so it holds nothing that needs escaping anywhere.
 */
export const JOB_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/;
export const jobIdRule =
  'a job id is 1–128 characters: ASCII letters, digits, ".", "_", ":" and "-", starting with a letter or digit';

export function jobIdProblem(jobId: unknown): string | undefined {
  if (typeof jobId === 'string' && JOB_ID_PATTERN.test(jobId)) return undefined;
  const shown = typeof jobId === 'string' ? JSON.stringify(shorten(jobId)) : typeof jobId;
  return `${shown} is not a job id (${jobIdRule})`;
}

/** The payload fields whose strings are free text: they keep tab, line feed and carriage return. */
const freeTextFields: ReadonlySet<string> = new Set(['prompt', 'negative_prompt']);

/**
 * What can be checked of a payload without the model table: its shape is an object, it nests at most
 * {@link MAX_PAYLOAD_DEPTH} levels, it holds no control character outside the prompts, and its model name has
 * the shape of one. Orchestrators (`startJob`) run this before anything starts; the worker checks the rest.
 */
export function payloadLimitIssues(payload: unknown): Issue[] {
  if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) {
    return [{ path: '', message: 'expected a JSON object' }];
  }
  const issues = jsonLimitIssues(payload, { maxDepth: MAX_PAYLOAD_DEPTH, freeText: freeTextFields });
  const model: unknown = (payload as Record<string, unknown>).model_name;
  const modelProblem = typeof model === 'string' ? modelNameProblem(model) : undefined;
  if (modelProblem !== undefined && !issues.some((issue) => issue.path === 'model_name')) {
    issues.push({ path: 'model_name', message: modelProblem });
  }
  return issues;
}

/**
 * The most a rate card may charge for one job. Every bill is clamped to the card's `maxChargeUsd`, so this bounds
 * every amount: 100,000,000 cents fits the bill line's `bigint` column and a JavaScript number exactly.
 */
export const MAX_CHARGE_USD = '1000000.00';
/** The largest base price per second or multiplier: far above any real price, far below what breaks arithmetic. */
export const MAX_FACTOR = '1000';
/** Decimal places a factor may have; the exact product of four of them stays a short, exact string. */
export const MAX_FACTOR_PLACES = 10;
/** Model multipliers a card may list, its defaults included: the card is stored with every job. */
export const MAX_MODEL_MULTIPLIERS = 100;

/** The card fields {@link rateCardLimitIssues} reads: a parsed rate card. */
export interface CardLimitsInput {
  readonly version: string;
  readonly basePricePerSecond: Readonly<Record<string, string>>;
  readonly resolutionMultipliers: Readonly<Record<string, string>>;
  readonly inputMultipliers: Readonly<Record<string, string>>;
  readonly modelMultipliers: Readonly<Record<string, string>>;
  readonly unknownModelMultiplier: string;
  readonly maxChargeUsd: string;
}

/**
 * What a rate card must respect when it is loaded (not when a job's stored snapshot is read back, which must keep
 * billing): every amount fits the bill line, every factor is bounded, every text is safe for the store and logs,
 * and every model name has the shape of one.
 */
export function rateCardLimitIssues(card: CardLimitsInput): Issue[] {
  const issues: Issue[] = [];
  const versionProblem =
    card.version.length > 64 ? 'at most 64 characters' : unsafeTextProblem(card.version, 'identifier');
  if (versionProblem !== undefined) issues.push({ path: 'version', message: versionProblem });
  if (compareDecimals(card.maxChargeUsd, MAX_CHARGE_USD) > 0) {
    issues.push({ path: 'maxChargeUsd', message: `at most ${MAX_CHARGE_USD} (one job's charge)` });
  }
  const factors: [string, string][] = [
    ...tableEntries('basePricePerSecond', card.basePricePerSecond),
    ...tableEntries('resolutionMultipliers', card.resolutionMultipliers),
    ...tableEntries('inputMultipliers', card.inputMultipliers),
    ...tableEntries('modelMultipliers', card.modelMultipliers),
    ['unknownModelMultiplier', card.unknownModelMultiplier],
  ];
  for (const [path, factor] of factors) {
    if (compareDecimals(factor, MAX_FACTOR) > 0) issues.push({ path, message: `at most ${MAX_FACTOR}` });
    else if (!fitsDecimalPlaces(factor, MAX_FACTOR_PLACES)) {
      issues.push({ path, message: `at most ${MAX_FACTOR_PLACES} decimal places` });
    }
  }
  const models = Object.keys(card.modelMultipliers);
  if (models.length > MAX_MODEL_MULTIPLIERS) {
    issues.push({
      path: 'modelMultipliers',
      message: `at most ${MAX_MODEL_MULTIPLIERS} models, the built-in ones included`,
    });
  }
  for (const model of models) {
    const problem = modelNameProblem(model);
    if (problem !== undefined) issues.push({ path: joinPath('modelMultipliers', model), message: problem });
  }
  return issues;
}

function tableEntries(table: string, entries: Readonly<Record<string, string>>): [string, string][] {
  return Object.entries(entries).map(([key, value]) => [joinPath(table, key), value]);
}
