// JSON text as the worker reads it from a file or stdin (payloads, rate cards): `JSON.parse`, plus the two things
// it lets through silently: a key given twice in one object (the last one wins, so a reader that keeps the first
// one — a portal, say — sees another document), and nesting deep enough to overflow a recursive reader later.
//
// Why not a library: no well-kept npm JSON parser reports duplicate keys by name. AST parsers (momoa, jsonc-parser)
// would leave the duplicate search to us anyway, and their recursive descent is what a deep document must not
// reach. So `JSON.parse` checks the syntax, and the scanner below — which only ever sees valid JSON — walks the
// text once, without recursion, tracking each open object's keys.
import { joinPath } from './input-limits.js';
import { formatIssues, type Issue } from './issues.js';

export class JsonTextError extends Error {
  override readonly name = 'JsonTextError';
  constructor(readonly issues: Issue[]) {
    super(formatIssues(issues));
  }
}

interface Frame {
  readonly path: string;
  /** The decoded keys seen so far; `undefined` for an array. */
  readonly keys: Set<string> | undefined;
  index: number;
}

/**
 * Parses `text` as JSON; throws `SyntaxError` for invalid JSON and `JsonTextError` naming the path of a duplicate
 * key or of the first container nested deeper than `maxDepth` (the document itself counts 1).
 */
export function parseStrictJson(text: string, { maxDepth }: { maxDepth: number }): unknown {
  const value: unknown = JSON.parse(text);
  const issues: Issue[] = [];
  const stack: Frame[] = [];
  /** Where the next value goes, as a path: a key just read, or the next index of the innermost array. */
  let pendingKey: string | undefined;
  const childPath = (): string => {
    const parent = stack.at(-1);
    if (parent === undefined) return '';
    if (parent.keys === undefined) return `${parent.path}[${parent.index}]`;
    return joinPath(parent.path, pendingKey ?? '');
  };

  for (let i = 0; i < text.length; i++) {
    const char = text[i];
    if (char === '"') {
      const end = stringEnd(text, i);
      const top = stack.at(-1);
      // A string directly inside an object, not after a colon, is a key.
      if (top?.keys !== undefined && pendingKey === undefined) {
        const key = JSON.parse(text.slice(i, end + 1)) as string;
        if (top.keys.has(key)) {
          issues.push({ path: joinPath(top.path, key), message: 'duplicate key: this key appears twice' });
        }
        top.keys.add(key);
        pendingKey = key;
      } else {
        valueDone(stack);
        pendingKey = undefined;
      }
      i = end;
    } else if (char === '{' || char === '[') {
      const path = childPath();
      pendingKey = undefined;
      if (stack.length + 1 > maxDepth) {
        issues.push({ path, message: `nested deeper than ${maxDepth} levels of objects and arrays` });
        break;
      }
      stack.push({ path, keys: char === '{' ? new Set() : undefined, index: 0 });
    } else if (char === '}' || char === ']') {
      stack.pop();
      valueDone(stack);
      pendingKey = undefined;
    } else if (/[-0-9tfn]/.test(char ?? '')) {
      // A number or literal: skip to its end.
      while (i + 1 < text.length && /[-+.0-9eEa-z]/.test(text[i + 1] ?? '')) i++;
      valueDone(stack);
      pendingKey = undefined;
    }
  }
  if (issues.length > 0) throw new JsonTextError(issues);
  return value;
}

/** One more element of the innermost array is complete. */
function valueDone(stack: Frame[]): void {
  const top = stack.at(-1);
  if (top !== undefined && top.keys === undefined) top.index++;
}

/** The index of the quote that closes the string opening at `start`. */
function stringEnd(text: string, start: number): number {
  let i = start + 1;
  while (text[i] !== '"') i += text[i] === '\\' ? 2 : 1;
  return i;
}
