// The resolver of Temporal's own server binaries (issue 14), with a stand-in `go` that records its calls: bring
// your own through the environment, build once into the per-user cache, then reuse it; schemas from the module.
import { chmod, mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { TemporalConfig } from '../../src/config.js';
import {
  cachedServerDir,
  resolveServerBinaries,
  ServerBinariesError,
} from '../../src/temporal/server-binaries.js';

async function executable(path: string, body: string): Promise<string> {
  await mkdir(join(path, '..'), { recursive: true });
  await writeFile(path, `#!/bin/sh\n${body}\n`);
  await chmod(path, 0o755);
  return path;
}

function config(overrides: Partial<TemporalConfig>): TemporalConfig {
  return {
    address: undefined,
    namespace: 'default',
    taskQueue: 'test',
    cliPath: undefined,
    serverPath: undefined,
    sqlToolPath: undefined,
    schemaDir: undefined,
    searchPath: [],
    cacheDir: '/nonexistent',
    ...overrides,
  };
}

/** A stand-in for go: `install` drops both binaries into GOBIN; `mod download -json` names a module folder. */
async function fakeGo(dir: string): Promise<{ bin: string; calls: () => Promise<string[]> }> {
  const marker = join(dir, 'go-calls');
  await executable(
    join(dir, 'bin', 'go'),
    [
      `echo "$@ GOTOOLCHAIN=$GOTOOLCHAIN" >> "${marker}"`,
      'case "$1" in',
      `  install) for b in server sql; do printf '#!/bin/sh\\n' > "$GOBIN/$b"; chmod +x "$GOBIN/$b"; done ;;`,
      `  mod) echo '{"Path":"go.temporal.io/server","Dir":"${dir}/mod/server@v1.29.1"}' ;;`,
      'esac',
    ].join('\n'),
  );
  return {
    bin: join(dir, 'bin'),
    calls: async () => (await readFile(marker, 'utf8')).trim().split('\n'),
  };
}

const silent = () => undefined;

describe('Temporal server binaries', () => {
  it('builds server and sql tool once with one go install, then reuses the cache', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'kvw-server-'));
    const go = await fakeGo(dir);
    const cfg = config({ searchPath: [go.bin], cacheDir: join(dir, 'cache') });
    const lines: string[] = [];
    const built = await resolveServerBinaries(cfg, (line) => lines.push(line));
    expect(built).toEqual({
      server: join(cachedServerDir(cfg), 'server'),
      sqlTool: join(cachedServerDir(cfg), 'sql'),
      schemaDir: join(dir, 'mod', 'server@v1.29.1', 'schema', 'postgresql', 'v12'),
      source: { server: 'built', sqlTool: 'built' },
    });
    expect(lines[0]).toMatch(/first run only/);
    const again = await resolveServerBinaries(cfg, silent);
    expect(again.source).toEqual({ server: 'cache', sqlTool: 'cache' });
    expect((await go.calls()).filter((call) => call.startsWith('install'))).toEqual([
      'install go.temporal.io/server/cmd/server@v1.29.1 go.temporal.io/server/cmd/tools/sql@v1.29.1 GOTOOLCHAIN=local',
    ]);
  });

  it('takes TEMPORAL_SERVER_PATH, TEMPORAL_SQL_TOOL_PATH and TEMPORAL_SCHEMA_DIR as given, building nothing', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'kvw-server-'));
    const server = await executable(join(dir, 'own', 'temporal-server'), 'exit 0');
    const sqlTool = await executable(join(dir, 'own', 'temporal-sql-tool'), 'exit 0');
    const found = await resolveServerBinaries(
      config({ serverPath: server, sqlToolPath: sqlTool, schemaDir: join(dir, 'schema') }),
      silent,
    );
    expect(found).toEqual({
      server,
      sqlTool,
      schemaDir: join(dir, 'schema'),
      source: { server: 'env', sqlTool: 'env' },
    });
  });

  it('names the variable when a given path is not executable', async () => {
    await expect(
      resolveServerBinaries(config({ serverPath: '/nonexistent/server' }), silent),
    ).rejects.toThrow(/TEMPORAL_SERVER_PATH=\/nonexistent\/server/);
  });

  it('without Go or binaries, says how to provide them', async () => {
    const attempt = resolveServerBinaries(config({}), silent);
    await expect(attempt).rejects.toBeInstanceOf(ServerBinariesError);
    await expect(attempt).rejects.toThrow(/TEMPORAL_SERVER_PATH and TEMPORAL_SQL_TOOL_PATH[\s\S]*go install/);
  });

  it('reports a failed build with its output', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'kvw-server-'));
    await executable(join(dir, 'bin', 'go'), 'echo "module lookup disabled" >&2; exit 1');
    await expect(
      resolveServerBinaries(config({ searchPath: [join(dir, 'bin')], cacheDir: join(dir, 'cache') }), silent),
    ).rejects.toThrow(/go exit 1[\s\S]*module lookup disabled/);
  });
});
