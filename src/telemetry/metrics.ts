// Metrics on the worker side: the Runtime's Prometheus exporter (off unless configured), and the Kling request
// metrics fed by the client's `onRequest` hook. Our metrics go through the SDK's own meter, so one endpoint serves
// the SDK's metrics and ours; with metrics off that meter is a no-op.
import type { MetricMeter } from '@temporalio/common';
import type { RuntimeOptions } from '@temporalio/worker';
import type { KlingRequestEvent } from '../kling/client.js';
import { HISTOGRAM_BUCKETS, KLING_REQUEST_DURATION_METRIC, KLING_REQUESTS_METRIC } from './metric-names.js';

/** `Runtime.install` telemetry: Prometheus on `bindAddress` (served at `/metrics`), or nothing. */
export function telemetryOptions(
  metrics: { readonly bindAddress: string } | undefined,
): Pick<RuntimeOptions, 'telemetryOptions'> {
  if (metrics === undefined) return {};
  return {
    telemetryOptions: {
      metrics: {
        prometheus: { bindAddress: metrics.bindAddress, histogramBucketOverrides: { ...HISTOGRAM_BUCKETS } },
      },
    },
  };
}

/** The Kling client's `onRequest`: one count per HTTP exchange, by route template and answer. */
export function recordKlingRequests(meter: MetricMeter): (event: KlingRequestEvent) => void {
  const requests = meter.createCounter(KLING_REQUESTS_METRIC, undefined, 'HTTP requests to Kling');
  const seconds = meter.createHistogram(
    KLING_REQUEST_DURATION_METRIC,
    'float',
    's',
    'Duration of HTTP requests to Kling',
  );
  return (event) => {
    // `none`: no answer arrived (network error, timeout) or the body was not a Kling envelope.
    requests.add(1, {
      route: event.route,
      code: event.code === null ? 'none' : String(event.code),
      http_status: event.httpStatus === null ? 'none' : String(event.httpStatus),
    });
    seconds.record(event.durationMs / 1000, { route: event.route });
  };
}
