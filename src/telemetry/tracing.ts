// OpenTelemetry traces (issue 17): one trace per job — the client's start, the workflow run, each activity and each
// HTTP request to Kling — exported over OTLP/HTTP when OTEL_EXPORTER_OTLP_ENDPOINT is set (src/config.ts). The
// Temporal interceptors carry the trace context from the client through the workflow to the activities in Temporal
// headers; Kling requests become child spans of the activity that made them. Span attributes are route templates,
// codes and Temporal ids: never a URL with ids, a prompt, a key or a token.
import { fileURLToPath } from 'node:url';
import { context, SpanKind, SpanStatusCode, trace, type Attributes } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { Resource } from '@opentelemetry/resources';
import {
  BasicTracerProvider,
  BatchSpanProcessor,
  NoopSpanProcessor,
  type SpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import type { WorkflowClientInterceptor } from '@temporalio/client';
import {
  makeWorkflowExporter,
  OpenTelemetryActivityInboundInterceptor,
  OpenTelemetryActivityOutboundInterceptor,
  OpenTelemetryWorkflowClientInterceptor,
  type SerializableSpan,
} from '@temporalio/interceptors-opentelemetry';
import type { WorkerOptions } from '@temporalio/worker';
import type { WorkflowInfo } from '@temporalio/workflow';
import type { TracingConfig } from '../config.js';
import type { KlingRequestEvent } from '../kling/client.js';

const sourceExtension = import.meta.url.endsWith('.ts') ? '.ts' : '.js';

/**
 * The workflow interceptor modules every workflow bundle includes, whether tracing is on or not, so the bundle
 * built at start and the one built ahead (`npm run build`) are the same code.
 */
export const workflowInterceptorModules: readonly string[] = [
  fileURLToPath(new URL(`../workflows/tracing-interceptors${sourceExtension}`, import.meta.url)),
];

export interface Tracing {
  /** Activity interceptors and the sink the workflow interceptors export through (a no-op when tracing is off). */
  readonly worker: {
    readonly activityInterceptors: NonNullable<NonNullable<WorkerOptions['interceptors']>['activity']>;
    readonly sinks: NonNullable<WorkerOptions['sinks']>;
  };
  /** For a Temporal `Client` that starts jobs (`interceptors: { workflow: … }`): the root span of each job. */
  readonly clientInterceptors: WorkflowClientInterceptor[];
  /** The Kling client's `onRequest`: a child span of the current activity per HTTP exchange. */
  readonly onKlingRequest: (event: KlingRequestEvent) => void;
  /** Exports what is still buffered, then stops. */
  shutdown(): Promise<void>;
}

/**
 * Registers the process's tracer provider (global, like the Temporal Runtime: once per process) and returns what
 * the worker and clients plug in. With `config` undefined nothing is registered and nothing is exported.
 */
export function startTracing(config: TracingConfig | undefined): Tracing {
  if (config === undefined) {
    return {
      worker: {
        activityInterceptors: [],
        sinks: workflowSpanSink(new NoopSpanProcessor(), Resource.empty()),
      },
      clientInterceptors: [],
      onKlingRequest: () => undefined,
      shutdown: () => Promise.resolve(),
    };
  }
  const resource = Resource.default().merge(
    new Resource({ ...config.resourceAttributes, 'service.name': config.serviceName }),
  );
  const processor = new BatchSpanProcessor(
    new OTLPTraceExporter({ url: config.tracesUrl, headers: { ...config.headers } }),
  );
  const provider = new BasicTracerProvider({ resource, spanProcessors: [processor] });
  // Async context (AsyncLocalStorage) makes a Kling request a child of the activity awaiting it; register() also
  // installs the W3C trace-context propagator that carries the context in Temporal headers.
  provider.register({ contextManager: new AsyncLocalStorageContextManager().enable() });
  const tracer = trace.getTracer('kling-video-worker');
  return {
    worker: {
      activityInterceptors: [
        (ctx) => ({
          inbound: new OpenTelemetryActivityInboundInterceptor(ctx),
          outbound: new OpenTelemetryActivityOutboundInterceptor(ctx),
        }),
      ],
      sinks: workflowSpanSink(processor, resource),
    },
    clientInterceptors: [new OpenTelemetryWorkflowClientInterceptor()],
    onKlingRequest: (event) => {
      const end = Date.now();
      const span = tracer.startSpan(
        event.route,
        { kind: SpanKind.CLIENT, startTime: end - event.durationMs, attributes: klingAttributes(event) },
        context.active(),
      );
      if (event.code !== 0) {
        span.setStatus({
          code: SpanStatusCode.ERROR,
          message: event.code === null ? 'no Kling answer' : `Kling code ${event.code}`,
        });
      }
      span.end(end);
    },
    shutdown: () => provider.shutdown(),
  };
}

/** What a Kling span says: the route template (no task or job id), Kling's code and the HTTP status. */
function klingAttributes(event: KlingRequestEvent): Attributes {
  return {
    'http.request.method': event.method,
    'http.route': event.route,
    'kling.family': event.family,
    ...(event.httpStatus === null ? {} : { 'http.response.status_code': event.httpStatus }),
    ...(event.code === null ? {} : { 'kling.code': event.code }),
  };
}

/**
 * The sink the workflow interceptors export through. The SDK's exporter copies the whole WorkflowInfo onto every
 * workflow span — memo and search attributes included, which may carry anything an orchestrator put there — so only
 * the workflow's identity is passed on.
 */
function workflowSpanSink(processor: SpanProcessor, resource: Resource): NonNullable<WorkerOptions['sinks']> {
  const { export: exportSpans } = makeWorkflowExporter(processor, resource);
  return {
    exporter: {
      export: {
        ...exportSpans,
        fn: (info: WorkflowInfo, spans: SerializableSpan[]) =>
          exportSpans.fn(
            {
              workflowId: info.workflowId,
              runId: info.runId,
              workflowType: info.workflowType,
              taskQueue: info.taskQueue,
              namespace: info.namespace,
              attempt: info.attempt,
            } as WorkflowInfo,
            spans,
          ),
      },
    },
  };
}

/** Both hooks on the Kling client's single `onRequest`: the metrics and the spans. */
export function onKlingRequests(
  ...hooks: readonly ((event: KlingRequestEvent) => void)[]
): (event: KlingRequestEvent) => void {
  return (event) => {
    for (const hook of hooks) hook(event);
  };
}
