// A small Dockerfile reader and the rules the worker image must keep (issue 9), as functions returning the
// problems they find, so a test can show each rule catching a broken copy. No Docker engine needed.

export interface Instruction {
  readonly keyword: string;
  readonly args: string;
}

export interface Stage {
  readonly image: string;
  readonly name: string | undefined;
  readonly instructions: readonly Instruction[];
}

/** Joins `\` continuations, drops comments and blank lines, splits into build stages at each FROM. */
export function parseDockerfile(text: string): Stage[] {
  const logical: string[] = [];
  let pending = '';
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line.startsWith('#') || (line === '' && pending === '')) continue;
    if (line.endsWith('\\')) {
      pending += `${line.slice(0, -1).trim()} `;
      continue;
    }
    logical.push(`${pending}${line}`.trim());
    pending = '';
  }
  if (pending !== '') logical.push(pending.trim());

  const stages: { image: string; name: string | undefined; instructions: Instruction[] }[] = [];
  for (const line of logical.filter((entry) => entry !== '')) {
    const [, keyword = '', args = ''] = /^(\S+)\s*(.*)$/s.exec(line) ?? [];
    const instruction = { keyword: keyword.toUpperCase(), args };
    if (instruction.keyword === 'FROM') {
      const [, image = '', name] = /^(?:--platform=\S+\s+)?(\S+)(?:\s+AS\s+(\S+))?$/i.exec(args) ?? [];
      stages.push({ image, name, instructions: [] });
    } else {
      stages.at(-1)?.instructions.push(instruction);
    }
  }
  return stages;
}

const args = (stage: Stage, keyword: string): string[] =>
  stage.instructions.filter((entry) => entry.keyword === keyword).map((entry) => entry.args);

/** The JSON array of an exec-form CMD / ENTRYPOINT, or undefined for the shell form. */
export function execForm(value: string): string[] | undefined {
  try {
    const parsed: unknown = JSON.parse(value);
    return Array.isArray(parsed) && parsed.every((part) => typeof part === 'string') ? parsed : undefined;
  } catch {
    return undefined;
  }
}

/** `ENV A=1 B=2` (and the legacy `ENV A 1`) as a map, over all ENV lines of a stage. */
export function envOf(stage: Stage): Map<string, string> {
  const env = new Map<string, string>();
  for (const line of args(stage, 'ENV')) {
    const legacy = /^(\w+)\s+([^=]*)$/.exec(line);
    if (legacy?.[1] !== undefined) {
      env.set(legacy[1], legacy[2] ?? '');
      continue;
    }
    for (const [, key = '', value = ''] of line.matchAll(/(\w+)=("[^"]*"|\S*)/g))
      env.set(key, value.replace(/^"|"$/g, ''));
  }
  return env;
}

/** Base images of earlier stages may be referred to by stage name; everything else is a registry image. */
export function baseImageProblems(stages: readonly Stage[]): string[] {
  const names = new Set<string>();
  const problems = stages.flatMap((stage) => {
    const found: string[] = [];
    if (!names.has(stage.image)) {
      const tag = /:([^:/@]+)$/.exec(stage.image)?.[1];
      if (tag === undefined || tag === 'latest' || !/\d/.test(tag))
        found.push(`${stage.image}: not pinned to a version tag`);
      // Temporal's native core is built against glibc; musl (Alpine) cannot load it.
      if (/alpine/i.test(stage.image)) found.push(`${stage.image}: Alpine (musl), not glibc`);
    }
    if (stage.name !== undefined) names.add(stage.name);
    return found;
  });
  return stages.length < 2
    ? ['not multi-stage: the build tools would ship in the image', ...problems]
    : problems;
}

/** The final stage: unprivileged, production settings, `node dist/worker.js` in exec form. */
export function runtimeProblems(stages: readonly Stage[]): string[] {
  const final = stages.at(-1);
  if (final === undefined) return ['no stage'];
  const problems: string[] = [];
  const user = args(final, 'USER').at(-1);
  if (user === undefined || /^(root|0)(:|$)/.test(user)) problems.push('runs as root');
  const cmd = args(final, 'CMD').at(-1);
  const form = cmd === undefined ? undefined : execForm(cmd);
  if (form === undefined) problems.push('CMD is not in exec form, so signals would not reach node');
  else if (form.join(' ') !== 'node dist/worker.js') problems.push(`CMD runs ${form.join(' ')}`);
  const entrypoint = args(final, 'ENTRYPOINT').at(-1);
  if (entrypoint !== undefined && execForm(entrypoint) === undefined)
    problems.push('ENTRYPOINT is in shell form, so signals would not reach node');
  const env = envOf(final);
  if (env.get('NODE_ENV') !== 'production') problems.push('NODE_ENV is not production');
  const workdir = args(final, 'WORKDIR').at(-1) ?? '/';
  const bundle = env.get('WORKFLOW_BUNDLE_PATH');
  if (bundle !== `${workdir.replace(/\/$/, '')}/dist/workflow-bundle.js`)
    problems.push(`WORKFLOW_BUNDLE_PATH (${bundle}) is not the pre-built bundle under ${workdir}`);
  return problems;
}

/** The bundle is built in an earlier stage (`npm run build`) and dist/ copied from it; dev deps pruned. */
export function buildProblems(stages: readonly Stage[]): string[] {
  const [final, ...earlier] = [...stages].reverse();
  if (final === undefined) return ['no stage'];
  const runs = earlier.flatMap((stage) => args(stage, 'RUN')).join('\n');
  const problems: string[] = [];
  if (!/\bnpm ci\b/.test(runs)) problems.push('dependencies are not installed with npm ci (lockfile)');
  if (!/\bnpm run build\b/.test(runs)) problems.push('the build stage does not run npm run build');
  if (!/\bnpm prune --omit=dev\b/.test(runs)) problems.push('dev dependencies are not pruned');
  const copies = args(final, 'COPY').filter((line) => line.startsWith('--from='));
  for (const path of ['package.json', 'node_modules', 'dist'])
    if (!copies.some((line) => new RegExp(`\\s/app/${path}/?\\s`).test(` ${line} `)))
      problems.push(`the final stage does not copy ${path} from the build stage`);
  return problems;
}
