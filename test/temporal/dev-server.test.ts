import { chmod, mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig, type TemporalConfig } from '../../src/config.js';
import {
  cachedCliPath,
  obtainTemporalServer,
  resolveCli,
  TemporalUnavailableError,
} from '../../src/temporal/dev-server.js';

async function tempDir(): Promise<string> {
  return mkdtemp(join(tmpdir(), 'kvw-resolver-'));
}

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

const silent = () => undefined;

describe('Temporal server resolution', () => {
  it('uses TEMPORAL_ADDRESS as is and starts nothing', async () => {
    const server = await obtainTemporalServer(
      loadConfig({ TEMPORAL_ADDRESS: 'temporal.internal:7233', TEMPORAL_NAMESPACE: 'video' }).temporal,
    );
    expect(server).toMatchObject({
      address: 'temporal.internal:7233',
      namespace: 'video',
      source: 'address',
    });
    await server.stop();
  });

  it('prefers TEMPORAL_CLI_PATH over PATH and the cache', async () => {
    const dir = await tempDir();
    const explicit = await executable(join(dir, 'explicit', 'temporal'), 'exit 0');
    await executable(join(dir, 'bin', 'temporal'), 'exit 0');
    const cli = await resolveCli(config({ cliPath: explicit, searchPath: [join(dir, 'bin')] }), silent);
    expect(cli).toEqual({ path: explicit, source: 'cli-path' });
  });

  it('rejects a TEMPORAL_CLI_PATH that is not executable, naming the variable', async () => {
    const dir = await tempDir();
    await expect(resolveCli(config({ cliPath: join(dir, 'missing') }), silent)).rejects.toThrow(
      /TEMPORAL_CLI_PATH=/,
    );
  });

  it('finds `temporal` on PATH before the cache', async () => {
    const dir = await tempDir();
    const onPath = await executable(join(dir, 'bin', 'temporal'), 'exit 0');
    const cacheDir = join(dir, 'cache');
    await executable(cachedCliPath(config({ cacheDir })), 'exit 0');
    expect(
      await resolveCli(config({ searchPath: [join(dir, 'empty'), join(dir, 'bin')], cacheDir }), silent),
    ).toEqual({
      path: onPath,
      source: 'path',
    });
  });

  it('builds with Go into the cache once, telling the user, then reuses the cached binary', async () => {
    const dir = await tempDir();
    const cacheDir = join(dir, 'cache');
    const marker = join(dir, 'go-calls');
    // A stand-in for `go install`: records its arguments and drops a binary into GOBIN, as go does.
    await executable(
      join(dir, 'bin', 'go'),
      `echo "$@ GOTOOLCHAIN=$GOTOOLCHAIN" >> "${marker}"\nprintf '#!/bin/sh\\n' > "$GOBIN/temporal"\nchmod +x "$GOBIN/temporal"`,
    );
    const lines: string[] = [];
    const cfg = config({ searchPath: [join(dir, 'bin')], cacheDir });
    const built = await resolveCli(cfg, (line) => lines.push(line));
    expect(built).toEqual({ path: cachedCliPath(cfg), source: 'built' });
    expect(lines[0]).toMatch(/first run only; this takes a few minutes/);
    const again = await resolveCli(cfg, silent);
    expect(again).toEqual({ path: cachedCliPath(cfg), source: 'cache' });
    const { readFile } = await import('node:fs/promises');
    expect((await readFile(marker, 'utf8')).trim().split('\n')).toEqual([
      'install github.com/temporalio/cli/cmd/temporal@v1.5.1 GOTOOLCHAIN=local',
    ]);
  });

  it('reports a failed Go build with its output', async () => {
    const dir = await tempDir();
    await executable(join(dir, 'bin', 'go'), 'echo "module lookup disabled" >&2; exit 1');
    await expect(
      resolveCli(config({ searchPath: [join(dir, 'bin')], cacheDir: join(dir, 'cache') }), silent),
    ).rejects.toThrow(/go exit 1[\s\S]*module lookup disabled/);
  });

  it('fails fast with instructions when no server can be had', async () => {
    const dir = await tempDir();
    const attempt = obtainTemporalServer(config({ cacheDir: join(dir, 'cache') }), { allowDownload: false });
    await expect(attempt).rejects.toBeInstanceOf(TemporalUnavailableError);
    await expect(attempt).rejects.toThrow(/TEMPORAL_ADDRESS=host:7233[\s\S]*TEMPORAL_CLI_PATH=/);
  });
});
