// Replays every committed workflow history against today's workflow code: a non-deterministic change to a
// workflow fails here before it can break a running job. Histories are recorded by
// `RECORD_HISTORIES=1 npx vitest run --project integration test/integration/histories.test.ts` (as `*-v3.json`, the
// shape since the submit became local: two workflow tasks); `*-v2.json` are jobs started on issue 15's first shape
// (`local-steps-and-sweep`) and the files without a suffix jobs from before it — all must still finish.
import { readdir, readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils.js';
import { Worker } from '@temporalio/worker';
import { describe, expect, it } from 'vitest';
import { workflowInterceptorModules } from '../../src/telemetry/tracing.js';

const fixtures = fileURLToPath(new URL('../fixtures/histories/', import.meta.url));
const workflowsPath = fileURLToPath(new URL('../../src/workflows/index.ts', import.meta.url));

describe('committed klingVideo histories', () => {
  // Bundling the workflows with the OpenTelemetry interceptors takes seconds; more on a loaded machine.
  it('replay without a non-determinism error, one per workflow path', { timeout: 120_000 }, async () => {
    const files = (await readdir(fixtures)).filter(
      (file) =>
        (file.startsWith('kling-video-') ||
          file.startsWith('account-slots') ||
          file.startsWith('task-sweep')) &&
        file.endsWith('.json'),
    );
    expect(files.sort()).toEqual(
      expect.arrayContaining([
        'account-slots.json',
        'kling-video-callback.json',
        'kling-video-cancel.json',
        'kling-video-invalid-input.json',
        'kling-video-queued.json',
        'kling-video-kling-failure.json',
        'kling-video-success.json',
        'kling-video-timeout.json',
        'account-slots-v2.json',
        'kling-video-callback-v2.json',
        'kling-video-cancel-v2.json',
        'kling-video-invalid-input-v2.json',
        'kling-video-kling-failure-v2.json',
        'kling-video-new-api-v2.json',
        'kling-video-own-check-v2.json',
        'kling-video-queued-v2.json',
        'kling-video-success-v2.json',
        'kling-video-timeout-v2.json',
        'task-sweep-v2.json',
        'account-slots-v3.json',
        'kling-video-callback-v3.json',
        'kling-video-cancel-v3.json',
        'kling-video-invalid-input-v3.json',
        'kling-video-kling-failure-v3.json',
        'kling-video-new-api-v3.json',
        'kling-video-own-check-v3.json',
        'kling-video-queued-v3.json',
        'kling-video-success-v3.json',
        'kling-video-timeout-v3.json',
        'task-sweep-v3.json',
        'task-sweep-v4.json',
        'task-sweep-v5.json',
      ]),
    );
    const histories = await Promise.all(
      files.map(async (file) => ({
        workflowId: file.replace(/\.json$/, ''),
        history: historyFromJSON(JSON.parse(await readFile(`${fixtures}${file}`, 'utf8')) as unknown),
      })),
    );
    const failures: string[] = [];
    // With the workflow interceptors every production bundle carries (tracing on or off).
    const options = { workflowsPath, interceptors: { workflowModules: [...workflowInterceptorModules] } };
    for await (const result of Worker.runReplayHistories(options, histories)) {
      if (result.error !== undefined) failures.push(`${result.workflowId}: ${String(result.error)}`);
    }
    expect(failures).toEqual([]);
  });
});
