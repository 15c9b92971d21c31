// Pre-builds the workflow bundle (`npm run build`), so a container's worker starts without webpack and every
// replica runs byte-identical workflow code. The worker loads it through WORKFLOW_BUNDLE_PATH.
//   tsx scripts/bundle-workflows.ts [output]   (default dist/workflow-bundle.js; tests write theirs elsewhere)
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bundleWorkflowCode } from '@temporalio/worker';
import { workflowInterceptorModules } from '../src/telemetry/tracing.js';

const workflowsPath = fileURLToPath(new URL('../src/workflows/index.ts', import.meta.url));
const bundlePath = resolve(
  process.argv[2] ?? fileURLToPath(new URL('../dist/workflow-bundle.js', import.meta.url)),
);

// The same interceptor modules the worker adds when it bundles at start (src/worker.ts).
const { code } = await bundleWorkflowCode({
  workflowsPath,
  workflowInterceptorModules: [...workflowInterceptorModules],
});
await mkdir(dirname(bundlePath), { recursive: true });
await writeFile(bundlePath, code);
console.log(`workflow bundle: ${bundlePath} (${Math.round(code.length / 1024)} KiB)`);
