// The compose one-shots (deploy/temporal-schema.sh, deploy/temporal-namespace.sh) run on every `docker compose up`,
// so they must be safe to repeat and must stop on a real failure. They run here under /bin/sh against stand-ins
// for the admin-tools binaries that keep state in a folder; the CLI syntax itself was checked once against the
// real Temporal CLI 1.5 and a dev server (see the report of issue 9).
import { execFile } from 'node:child_process';
import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { customSearchAttributes } from '../../src/temporal/search-attributes.js';

const run = promisify(execFile);

/** The SDK's search attribute types as the temporal CLI spells them. */
const CLI_TYPE = {
  TEXT: 'Text',
  KEYWORD: 'Keyword',
  INT: 'Int',
  DOUBLE: 'Double',
  BOOL: 'Bool',
  DATETIME: 'Datetime',
  KEYWORD_LIST: 'KeywordList',
} as const;

// Stand-in for the temporal CLI: records every call; namespaces and search attributes live as files in $STATE.
// FAIL names a call to fail.
const fakeTemporal = `#!/bin/sh
echo "temporal $*" >> "$STATE/calls"
ns= name=
for arg in "$@"; do
  case "$previous" in --namespace) ns=$arg ;; --name) name=$arg ;; esac
  previous=$arg
done
case "$2 $3" in
  "cluster health") exit 0 ;;
  "namespace describe") test -f "$STATE/ns-$ns" ;;
  "namespace create") test ! -f "$STATE/ns-$ns" && touch "$STATE/ns-$ns" ;;
  "search-attribute list") test -f "$STATE/ns-$ns" && cat "$STATE/sa-$ns" 2>/dev/null; test -f "$STATE/ns-$ns" ;;
  "search-attribute create")
    test "$FAIL" != "search-attribute create" || exit 1
    grep -qw "$name" "$STATE/sa-$ns" 2>/dev/null && exit 1
    echo "  $name  Keyword" >> "$STATE/sa-$ns" ;;
  *) exit 2 ;;
esac
`;

// Stand-in for temporal-sql-tool: `create` fails once the database exists, as the real one does.
const fakeSqlTool = `#!/bin/sh
echo "temporal-sql-tool $*" >> "$STATE/calls"
case "$3" in
  create) test ! -f "$STATE/db-$2" && touch "$STATE/db-$2" ;;
  setup-schema) test "$FAIL" != setup-schema ;;
  update-schema) true ;;
  *) exit 2 ;;
esac
`;

let state: string;

beforeEach(async () => {
  state = await mkdtemp(join(tmpdir(), 'deploy-scripts-'));
});
afterEach(() => rm(state, { recursive: true, force: true }));

async function install(name: string, body: string): Promise<void> {
  const path = join(state, name);
  await writeFile(path, body);
  await chmod(path, 0o755);
}

async function runScript(script: string, env: Record<string, string>) {
  const result = await run('sh', [script], {
    env: { PATH: `${state}:${process.env.PATH ?? ''}`, STATE: state, ...env },
  }).then(
    ({ stdout }) => ({ code: 0, stdout }),
    (error: { code: number; stdout: string }) => ({ code: error.code, stdout: error.stdout }),
  );
  const calls = (await readFile(join(state, 'calls'), 'utf8').catch(() => '')).split('\n').filter(Boolean);
  await rm(join(state, 'calls'), { force: true });
  return { ...result, calls };
}

describe('deploy/temporal-namespace.sh', () => {
  beforeEach(() => install('temporal', fakeTemporal));
  const env = { TEMPORAL_ADDRESS: 'temporal:7233', TEMPORAL_NAMESPACE: 'jobs' };
  const creates = (calls: readonly string[]) => calls.filter((call) => / create /.test(call));

  it('creates the namespace and registers exactly the search attributes the workflows use, as Keyword', async () => {
    const { code, calls } = await runScript('deploy/temporal-namespace.sh', env);
    expect(code).toBe(0);
    expect(creates(calls)).toEqual([
      'temporal operator namespace create --address temporal:7233 --namespace jobs --retention 72h',
      ...customSearchAttributes.map(
        (key) =>
          `temporal operator search-attribute create --address temporal:7233 --namespace jobs --name ${key.name} --type ${CLI_TYPE[key.type]}`,
      ),
    ]);
  });

  it('creates nothing when run again, and only what is missing after a partial run', async () => {
    await runScript('deploy/temporal-namespace.sh', env);
    const again = await runScript('deploy/temporal-namespace.sh', env);
    expect(again.code).toBe(0);
    expect(creates(again.calls)).toEqual([]);

    await writeFile(join(state, 'sa-jobs'), '  KlingTaskId  Keyword\n');
    const partial = await runScript('deploy/temporal-namespace.sh', env);
    expect(partial.code).toBe(0);
    expect(creates(partial.calls)).toEqual([
      'temporal operator search-attribute create --address temporal:7233 --namespace jobs --name KlingModel --type Keyword',
    ]);
  });

  it('fails, so the worker does not start, when a search attribute cannot be registered', async () => {
    const { code } = await runScript('deploy/temporal-namespace.sh', {
      ...env,
      FAIL: 'search-attribute create',
    });
    expect(code).not.toBe(0);
  });
});

describe('deploy/temporal-schema.sh', () => {
  beforeEach(() => install('temporal-sql-tool', fakeSqlTool));

  const expected = ['temporal', 'temporal_visibility'].flatMap((db) => [
    `temporal-sql-tool --db ${db} create`,
    `temporal-sql-tool --db ${db} setup-schema -v 0.0`,
    `temporal-sql-tool --db ${db} update-schema -d /etc/temporal/schema/postgresql/v12/${db === 'temporal' ? 'temporal' : 'visibility'}/versioned`,
  ]);

  it('creates both databases and brings both schemas up to date', async () => {
    const { code, calls } = await runScript('deploy/temporal-schema.sh', {});
    expect(code).toBe(0);
    expect(calls).toEqual(expected);
  });

  it('runs again over existing databases (create fails, the schema steps still run and succeed)', async () => {
    await runScript('deploy/temporal-schema.sh', {});
    const again = await runScript('deploy/temporal-schema.sh', {});
    expect(again.code).toBe(0);
    expect(again.calls).toEqual(expected);
  });

  it('stops at the first schema step that fails, so the server never starts on a half-made schema', async () => {
    const { code, calls } = await runScript('deploy/temporal-schema.sh', { FAIL: 'setup-schema' });
    expect(code).not.toBe(0);
    expect(calls).toEqual(expected.slice(0, 2));
  });
});
