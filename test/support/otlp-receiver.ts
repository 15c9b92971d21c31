// An OTLP/HTTP traces receiver for tests: it decodes what an exporter POSTs to /v1/traces (protobuf, the
// OpenTelemetry default) with protobufjs and a schema written here from the OTLP protocol's .proto files — only the
// fields the tests read; the decoder skips the rest — so a test reads spans as a collector would receive them.
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gunzipSync } from 'node:zlib';
import protobuf from 'protobufjs';

export interface ReceivedSpan {
  readonly traceId: string;
  readonly spanId: string;
  /** '' for a root span. */
  readonly parentSpanId: string;
  readonly name: string;
  readonly kind: number;
  readonly attributes: Readonly<Record<string, unknown>>;
  readonly events: readonly {
    readonly name: string;
    readonly attributes: Readonly<Record<string, unknown>>;
  }[];
  readonly status: { readonly code: number; readonly message: string };
  readonly resource: Readonly<Record<string, unknown>>;
}

export interface OtlpReceiver {
  /** The base URL, as OTEL_EXPORTER_OTLP_ENDPOINT takes it. */
  readonly url: string;
  readonly spans: ReceivedSpan[];
  /** Headers of every export request received. */
  readonly requests: Readonly<Record<string, string | string[] | undefined>>[];
  close(): Promise<void>;
}

const keyValue = { fields: { key: { type: 'string', id: 1 }, value: { type: 'AnyValue', id: 2 } } };
const root = protobuf.Root.fromJSON({
  nested: {
    ExportTraceServiceRequest: {
      fields: { resourceSpans: { rule: 'repeated', type: 'ResourceSpans', id: 1 } },
    },
    ResourceSpans: {
      fields: {
        resource: { type: 'Resource', id: 1 },
        scopeSpans: { rule: 'repeated', type: 'ScopeSpans', id: 2 },
      },
    },
    Resource: { fields: { attributes: { rule: 'repeated', type: 'KeyValue', id: 1 } } },
    ScopeSpans: { fields: { spans: { rule: 'repeated', type: 'Span', id: 2 } } },
    Span: {
      fields: {
        traceId: { type: 'bytes', id: 1 },
        spanId: { type: 'bytes', id: 2 },
        parentSpanId: { type: 'bytes', id: 4 },
        name: { type: 'string', id: 5 },
        kind: { type: 'int32', id: 6 },
        attributes: { rule: 'repeated', type: 'KeyValue', id: 9 },
        events: { rule: 'repeated', type: 'Event', id: 11 },
        status: { type: 'Status', id: 15 },
      },
    },
    Event: {
      fields: { name: { type: 'string', id: 2 }, attributes: { rule: 'repeated', type: 'KeyValue', id: 3 } },
    },
    Status: { fields: { message: { type: 'string', id: 2 }, code: { type: 'int32', id: 3 } } },
    KeyValue: keyValue,
    AnyValue: {
      oneofs: {
        value: {
          oneof: [
            'stringValue',
            'boolValue',
            'intValue',
            'doubleValue',
            'arrayValue',
            'kvlistValue',
            'bytesValue',
          ],
        },
      },
      fields: {
        stringValue: { type: 'string', id: 1 },
        boolValue: { type: 'bool', id: 2 },
        intValue: { type: 'int64', id: 3 },
        doubleValue: { type: 'double', id: 4 },
        arrayValue: { type: 'ArrayValue', id: 5 },
        kvlistValue: { type: 'KeyValueList', id: 6 },
        bytesValue: { type: 'bytes', id: 7 },
      },
    },
    ArrayValue: { fields: { values: { rule: 'repeated', type: 'AnyValue', id: 1 } } },
    KeyValueList: { fields: { values: { rule: 'repeated', type: 'KeyValue', id: 1 } } },
  },
});
const ExportTraceServiceRequest = root.lookupType('ExportTraceServiceRequest');

type Plain = Record<string, unknown>;

/** An AnyValue as plain JS; `value` names the member of the oneof that is set (toObject's `oneofs: true`). */
function anyValue(value: Plain | undefined): unknown {
  if (value === undefined) return undefined;
  const set = String(value.value);
  if (set === 'arrayValue')
    return ((value.arrayValue as Plain).values as Plain[] | undefined)?.map(anyValue) ?? [];
  if (set === 'kvlistValue') return attributes((value.kvlistValue as Plain).values as Plain[] | undefined);
  return value[set];
}

function attributes(list: Plain[] | undefined): Record<string, unknown> {
  return Object.fromEntries(
    (list ?? []).map((kv) => [String(kv.key), anyValue(kv.value as Plain | undefined)]),
  );
}

const hex = (bytes: unknown) =>
  typeof bytes === 'string' ? Buffer.from(bytes, 'base64').toString('hex') : '';

function decode(body: Buffer): ReceivedSpan[] {
  const request = ExportTraceServiceRequest.toObject(ExportTraceServiceRequest.decode(body), {
    longs: String,
    bytes: String,
    oneofs: true,
  });
  return ((request.resourceSpans as Plain[] | undefined) ?? []).flatMap((resourceSpans) => {
    const resource = attributes(
      (resourceSpans.resource as Plain | undefined)?.attributes as Plain[] | undefined,
    );
    return ((resourceSpans.scopeSpans as Plain[] | undefined) ?? []).flatMap((scope) =>
      ((scope.spans as Plain[] | undefined) ?? []).map((span): ReceivedSpan => {
        const status = (span.status ?? {}) as { code?: number; message?: string };
        return {
          traceId: hex(span.traceId),
          spanId: hex(span.spanId),
          parentSpanId: hex(span.parentSpanId),
          name: String(span.name),
          kind: Number(span.kind),
          attributes: attributes(span.attributes as Plain[]),
          events: ((span.events as Plain[] | undefined) ?? []).map((event) => ({
            name: String(event.name),
            attributes: attributes(event.attributes as Plain[]),
          })),
          status: { code: status.code ?? 0, message: status.message ?? '' },
          resource,
        };
      }),
    );
  });
}

async function bodyOf(request: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  const body = Buffer.concat(chunks);
  return request.headers['content-encoding'] === 'gzip' ? gunzipSync(body) : body;
}

export async function startOtlpReceiver(): Promise<OtlpReceiver> {
  const spans: ReceivedSpan[] = [];
  const requests: OtlpReceiver['requests'][number][] = [];
  const server = createServer((request, response) => {
    void (async () => {
      if (request.method !== 'POST' || request.url !== '/v1/traces') {
        response.writeHead(404).end();
        return;
      }
      requests.push({ ...request.headers });
      if (request.headers['content-type'] !== 'application/x-protobuf') {
        response.writeHead(415).end();
        return;
      }
      spans.push(...decode(await bodyOf(request)));
      // An empty ExportTraceServiceResponse: all accepted.
      response.writeHead(200, { 'content-type': 'application/x-protobuf' }).end();
    })().catch(() => response.writeHead(400).end());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    spans,
    requests,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
