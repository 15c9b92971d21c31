// Workflow interceptors of the OpenTelemetry tracing (issue 17), bundled with the workflows (src/worker.ts and
// scripts/bundle-workflows.ts both name this module): a span for the workflow run, linked to the client's span by
// the start headers, and one per activity scheduled, whose context travels to the activity in its headers. Spans
// leave the sandbox through the worker's `exporter` sink, which drops them when tracing is off. Adding them keeps
// old histories replaying: interceptors add no commands (test/replay replays the committed histories with them).
import {
  OpenTelemetryInboundInterceptor,
  OpenTelemetryInternalsInterceptor,
  OpenTelemetryOutboundInterceptor,
} from '@temporalio/interceptors-opentelemetry/lib/workflow/index.js';
import type { WorkflowInterceptorsFactory } from '@temporalio/workflow';

export const interceptors: WorkflowInterceptorsFactory = () => ({
  inbound: [new OpenTelemetryInboundInterceptor()],
  outbound: [new OpenTelemetryOutboundInterceptor()],
  internals: [new OpenTelemetryInternalsInterceptor()],
});
