import type { z } from 'zod';

/** One problem with an input document: where it is (`image_list[1].type`; `""` for the whole document) and why. */
export interface Issue {
  readonly path: string;
  readonly message: string;
}

export function formatPath(path: readonly PropertyKey[]): string {
  return path
    .map((key, index) =>
      typeof key === 'number' ? `[${key}]` : index === 0 ? String(key) : `.${String(key)}`,
    )
    .join('');
}

/** zod's issues as ours; an unknown key becomes one issue at its own path, so the error names it. */
export function issuesFromZod(
  error: z.ZodError,
  /** The allowed keys of each object, by the path of the object. */
  allowedKeys: Readonly<Record<string, readonly string[]>>,
): Issue[] {
  return error.issues.flatMap((issue) =>
    issue.code === 'unrecognized_keys'
      ? issue.keys.map((key) => ({
          path: formatPath([...issue.path, key]),
          message: `unknown field; allowed: ${(allowedKeys[formatPath(issue.path)] ?? []).join(', ')}`,
        }))
      : [{ path: formatPath(issue.path), message: issue.message }],
  );
}

export function formatIssues(issues: readonly Issue[]): string {
  return issues
    .map((issue) => `  - ${issue.path === '' ? '(document)' : issue.path}: ${issue.message}`)
    .join('\n');
}
