import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { echo } from '../support/echo-workflow.js';
import { klingModelKey, klingTaskIdKey } from '../../src/temporal/search-attributes.js';
import {
  connectTemporal,
  type TemporalTestContext,
  withWorker,
  workflowBundle,
} from '../support/temporal.js';

const workflowsPath = fileURLToPath(new URL('../support/echo-workflow.ts', import.meta.url));

describe('the shared Temporal dev server', () => {
  let ctx: TemporalTestContext;
  beforeAll(async () => {
    ctx = await connectTemporal('foundation');
  });
  afterAll(async () => ctx?.close());

  it('runs a workflow through a real worker and returns its result', async () => {
    const result = await withWorker(
      ctx,
      {
        workflowBundle: await workflowBundle(workflowsPath),
        activities: { shout: (text: string) => Promise.resolve(text.toUpperCase()) },
      },
      () =>
        ctx.client.workflow.execute<typeof echo>('echo', {
          taskQueue: ctx.taskQueue,
          workflowId: `echo-${ctx.taskQueue}`,
          args: ['hello'],
        }),
    );
    expect(result).toBe('HELLO!');
  });

  it('has the custom search attributes registered', async () => {
    const workflowId = `echo-sa-${ctx.taskQueue}`;
    await withWorker(
      ctx,
      {
        workflowBundle: await workflowBundle(workflowsPath),
        activities: { shout: (text: string) => Promise.resolve(text) },
      },
      () =>
        ctx.client.workflow.execute<typeof echo>('echo', {
          taskQueue: ctx.taskQueue,
          workflowId,
          args: ['x'],
          typedSearchAttributes: [
            { key: klingTaskIdKey, value: 't-1' },
            { key: klingModelKey, value: 'kling-v2-6' },
          ],
        }),
    );
    const description = await ctx.client.workflow.getHandle(workflowId).describe();
    expect(description.typedSearchAttributes.get(klingTaskIdKey)).toBe('t-1');
    expect(description.typedSearchAttributes.get(klingModelKey)).toBe('kling-v2-6');
  });
});
