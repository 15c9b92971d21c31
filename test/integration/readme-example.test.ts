// The README's orchestrator example is the file examples/orchestrator.ts, and it runs against a real worker.
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { startPipeline, type Pipeline } from '../support/pipeline.js';

const run = promisify(execFile);
const example = fileURLToPath(new URL('../../examples/orchestrator.ts', import.meta.url));

describe("the README's orchestrator example", () => {
  let p: Pipeline;
  beforeAll(async () => {
    p = await startPipeline({ fileTag: 'readme' });
    await p.startWorker();
  });
  afterAll(async () => p?.close());

  it('is quoted verbatim in the README', async () => {
    const readme = await readFile(new URL('../../README.md', import.meta.url), 'utf8');
    const block = /<!-- orchestrator-example -->\s*```ts\n([\s\S]*?)```/.exec(readme)?.[1];
    expect(block).toBe(await readFile(example, 'utf8'));
  });

  it('runs: starts a job, waits, and prints the video and the bill', async () => {
    const { stdout } = await run(process.execPath, ['--import', 'tsx', example], {
      env: {
        PATH: process.env.PATH,
        TEMPORAL_ADDRESS: inject('temporalAddress'),
        TEMPORAL_TASK_QUEUE: p.temporal.taskQueue,
      },
    });
    expect(stdout).toMatch(
      /^portal-order-\d+: http:\/\/127\.0\.0\.1:\d+\/\S+ billed 0\.60 USD \(60 cents\)\n$/,
    );
  });
});
