// Tracing configuration (issue 17): OpenTelemetry's own variables, off unless an OTLP endpoint is set; header values
// and a URL password are secrets the logger masks; a bad value is an error naming the variable, never echoing it.
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.js';

const base = { PATH: '/usr/bin', HOME: '/home/someone' };

describe('tracing configuration', () => {
  it('is off unless an OTLP endpoint is set, and off again with OTEL_SDK_DISABLED=true', () => {
    expect(loadConfig(base).tracing).toBeUndefined();
    expect(loadConfig({ ...base, OTEL_SERVICE_NAME: 'x' }).tracing).toBeUndefined();
    expect(
      loadConfig({ ...base, OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318', OTEL_SDK_DISABLED: 'TRUE' })
        .tracing,
    ).toBeUndefined();
  });

  it('sends traces to <endpoint>/v1/traces as the service kling-video-worker', () => {
    expect(
      loadConfig({ ...base, OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318/' }).tracing,
    ).toStrictEqual({
      tracesUrl: 'http://collector:4318/v1/traces',
      headers: {},
      serviceName: 'kling-video-worker',
      resourceAttributes: {},
    });
  });

  it('takes the traces-specific variables over the general ones, as OpenTelemetry specifies', () => {
    const tracing = loadConfig({
      ...base,
      OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318',
      OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'https://traces.example/otlp/traces',
      OTEL_EXPORTER_OTLP_HEADERS: 'x-tenant=video,authorization=Bearer%20general',
      OTEL_EXPORTER_OTLP_TRACES_HEADERS: 'authorization=Bearer%20traces',
      OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc',
      OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: 'http/protobuf',
      OTEL_SERVICE_NAME: 'video-worker-eu',
      OTEL_RESOURCE_ATTRIBUTES: 'deployment.environment=prod, service.namespace=video',
    }).tracing;
    expect(tracing).toStrictEqual({
      tracesUrl: 'https://traces.example/otlp/traces',
      headers: { 'x-tenant': 'video', authorization: 'Bearer traces' },
      serviceName: 'video-worker-eu',
      resourceAttributes: { 'deployment.environment': 'prod', 'service.namespace': 'video' },
    });
  });

  it('treats header values and a password in the endpoint as secrets', () => {
    const config = loadConfig({
      ...base,
      OTEL_EXPORTER_OTLP_ENDPOINT: 'https://user:p%40ss@collector:4318',
      OTEL_EXPORTER_OTLP_HEADERS: 'authorization=Bearer%20tok-9f2e',
    });
    expect(config.secrets).toEqual(expect.arrayContaining(['Bearer tok-9f2e', 'p@ss']));
  });

  it('refuses what it cannot honour, naming the variable, and never echoes a header', () => {
    const refuse = (env: Record<string, string>, message: RegExp, secret = false) => {
      let error: unknown;
      try {
        loadConfig({ ...base, OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318', ...env });
      } catch (caught) {
        error = caught;
      }
      expect(error).toBeInstanceOf(ConfigError);
      expect((error as Error).message).toMatch(message);
      if (secret)
        for (const value of Object.values(env)) expect((error as Error).message).not.toContain(value);
    };
    refuse({ OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc' }, /^OTEL_EXPORTER_OTLP_PROTOCOL: only http\/protobuf/);
    refuse({ OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: 'http/json' }, /^OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: /);
    refuse(
      { OTEL_EXPORTER_OTLP_HEADERS: 'Bearer-secret-token-value' },
      /OTEL_EXPORTER_OTLP_HEADERS: entry 1/,
      true,
    );
    refuse(
      { OTEL_EXPORTER_OTLP_HEADERS: 'a=b,authorization=%E0%A4%A' },
      /OTEL_EXPORTER_OTLP_HEADERS: entry 2/,
      true,
    );
    refuse({ OTEL_RESOURCE_ATTRIBUTES: 'bad key=1' }, /OTEL_RESOURCE_ATTRIBUTES: entry 1/);
    refuse({ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'collector:4318' }, /OTEL_EXPORTER_OTLP_TRACES_ENDPOINT/);
  });
});
