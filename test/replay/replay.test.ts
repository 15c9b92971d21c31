// Replays every committed workflow history against today's workflow code: a non-deterministic change to a
// workflow fails here before it can break a running job.
import { readdir, readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { Worker } from '@temporalio/worker';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils.js';
import { describe, expect, it } from 'vitest';

const fixtures = fileURLToPath(new URL('../fixtures/histories/', import.meta.url));

async function loadHistories(prefix: string) {
  const files = (await readdir(fixtures)).filter((file) => file.startsWith(prefix) && file.endsWith('.json'));
  return Promise.all(
    files.map(async (file) => ({
      workflowId: file.replace(/\.json$/, ''),
      history: historyFromJSON(JSON.parse(await readFile(`${fixtures}${file}`, 'utf8')) as unknown),
    })),
  );
}

describe('committed histories replay', () => {
  it('replays the echo workflow histories', async () => {
    const histories = await loadHistories('echo-');
    expect(histories.length).toBeGreaterThan(0);
    const results = [];
    for await (const result of Worker.runReplayHistories(
      { workflowsPath: fileURLToPath(new URL('../support/echo-workflow.ts', import.meta.url)) },
      histories,
    )) {
      results.push(result);
    }
    expect(results.map((r) => r.error)).toEqual(histories.map(() => undefined));
  });
});
