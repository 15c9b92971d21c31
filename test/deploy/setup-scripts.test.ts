// The compose one-shots (deploy/temporal-schema.sh, deploy/temporal-namespace.sh) run on every `docker compose up`,
// so they must be safe to repeat and must stop on a real failure; deploy/temporal-server.sh starts the server from
// the shared config. They run here under /bin/sh against stand-ins for the admin-tools and server binaries that
// keep state in a folder; the cluster suite (test/cluster) runs them all for real against Temporal 1.29.1.
import { execFile, spawn } from 'node:child_process';
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

describe('the same scripts outside the admin-tools image (the cluster suite)', () => {
  it('temporal-schema.sh runs the tool and schema folder it is given', async () => {
    await install('sql', fakeSqlTool.replace('temporal-sql-tool $*', 'sql $*'));
    const { code, calls } = await runScript('deploy/temporal-schema.sh', {
      TEMPORAL_SQL_TOOL_PATH: join(state, 'sql'),
      TEMPORAL_SCHEMA_DIR: '/go/mod/server@v1.29.1/schema/postgresql/v12',
    });
    expect(code).toBe(0);
    expect(calls).toEqual(
      ['temporal', 'temporal_visibility'].flatMap((db) => [
        `sql --db ${db} create`,
        `sql --db ${db} setup-schema -v 0.0`,
        `sql --db ${db} update-schema -d /go/mod/server@v1.29.1/schema/postgresql/v12/${db === 'temporal' ? 'temporal' : 'visibility'}/versioned`,
      ]),
    );
  });

  it('temporal-namespace.sh runs the CLI it is given', async () => {
    await install('cli-1.5.1', fakeTemporal);
    const { code, calls } = await runScript('deploy/temporal-namespace.sh', {
      TEMPORAL_ADDRESS: '127.0.0.1:7233',
      TEMPORAL_NAMESPACE: 'jobs',
      TEMPORAL_CLI_PATH: join(state, 'cli-1.5.1'),
    });
    expect(code).toBe(0);
    expect(calls).toContain(
      'temporal operator namespace create --address 127.0.0.1:7233 --namespace jobs --retention 72h',
    );
  });
});

describe('deploy/temporal-server.sh', () => {
  // Stand-in for the server: reports its pid, arguments and the environment the config template reads.
  const fakeServer = `#!/bin/sh
echo "pid=$$ args=$* dynamic=$DYNAMIC_CONFIG_FILE_PATH broadcast=$TEMPORAL_BROADCAST_ADDRESS"
`;
  const deployDir = join(process.cwd(), 'deploy');

  async function start(env: Record<string, string>, args: string[] = []) {
    await install('temporal-server', fakeServer);
    const child = spawn('sh', ['deploy/temporal-server.sh', ...args], {
      env: { PATH: `${state}:${process.env.PATH ?? ''}`, ...env },
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    return { code, output: output.trim(), pid: child.pid };
  }

  it('execs the server (a signal to it reaches the server) with the shared config and dynamic config', async () => {
    const { code, output, pid } = await start({}, ['--service', 'history']);
    expect(code).toBe(0);
    expect(output).toBe(
      `pid=${pid} args=--root ${deployDir} --config . --env temporal-server --allow-no-auth start --service history ` +
        `dynamic=${deployDir}/temporal-dynamicconfig.yaml broadcast=`,
    );
  });

  it('runs the binary TEMPORAL_SERVER_PATH names', async () => {
    await install('server-1.29.1', fakeServer.replace('pid=', 'own pid='));
    const { output } = await start({ TEMPORAL_SERVER_PATH: join(state, 'server-1.29.1') });
    expect(output).toMatch(/^own pid=/);
  });

  it('listening on every interface, publishes the host address to its peers (as the image entrypoint does)', async () => {
    await install('hostname', 'echo temporal-7f3a');
    await install('getent', 'test "$1 $2" = "hosts temporal-7f3a" && echo "172.18.0.5      temporal-7f3a"');
    expect((await start({ BIND_ON_IP: '0.0.0.0' })).output).toMatch(/broadcast=172\.18\.0\.5$/);
    expect((await start({ BIND_ON_IP: '0.0.0.0', TEMPORAL_BROADCAST_ADDRESS: '10.0.0.9' })).output).toMatch(
      /broadcast=10\.0\.0\.9$/,
    );
  });
});
