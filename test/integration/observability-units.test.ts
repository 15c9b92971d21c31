// The small pieces behind the worker's observability: the metrics setting and the job id on SDK log lines.
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.js';
import { createLogger } from '../../src/log.js';
import { withJobIds } from '../../src/telemetry/job-log.js';
import { telemetryOptions } from '../../src/telemetry/metrics.js';
import { JOB_WORKFLOW } from '../../src/definitions/job.js';

describe('METRICS_BIND_ADDRESS', () => {
  it('is off unless set', () => {
    expect(loadConfig({}).metrics).toBeUndefined();
    expect(loadConfig({ METRICS_BIND_ADDRESS: ' ' }).metrics).toBeUndefined();
    expect(telemetryOptions(undefined)).toEqual({});
  });

  it.each(['0.0.0.0:9464', '127.0.0.1:1', '[::]:9464', '[::1]:65535'])('accepts %s', (address) => {
    const { metrics } = loadConfig({ METRICS_BIND_ADDRESS: address });
    expect(metrics).toEqual({ bindAddress: address });
    expect(telemetryOptions(metrics).telemetryOptions?.metrics).toMatchObject({
      prometheus: { bindAddress: address },
    });
  });

  // The SDK's native exporter takes an IP literal; anything else must stop the worker at start, by name.
  it.each(['localhost:9464', '9464', '0.0.0.0', '::1:9464', '0.0.0.0:0', '0.0.0.0:65536', '300.0.0.1:9464'])(
    'refuses %s',
    (address) => {
      expect(() => loadConfig({ METRICS_BIND_ADDRESS: address })).toThrow(ConfigError);
      expect(() => loadConfig({ METRICS_BIND_ADDRESS: address })).toThrow(/METRICS_BIND_ADDRESS/);
    },
  );
});

describe('withJobIds', () => {
  const capture = () => {
    const lines: Record<string, unknown>[] = [];
    const logger = withJobIds(
      createLogger({
        format: 'json',
        level: 'TRACE',
        secrets: [],
        write: (line) => lines.push(JSON.parse(line) as Record<string, unknown>),
      }),
    );
    return { lines, logger };
  };

  it("puts the workflow id of a job's lines, the SDK's included, in jobId", () => {
    const { lines, logger } = capture();
    logger.warn('Activity failed', {
      workflowId: 'job-1',
      workflowType: JOB_WORKFLOW,
      activityType: 'submitTask',
    });
    logger.debug('Workflow started', { workflowId: 'job-2', workflowType: JOB_WORKFLOW });
    expect(lines).toMatchObject([
      { level: 'warn', msg: 'Activity failed', jobId: 'job-1', activityType: 'submitTask' },
      { level: 'debug', msg: 'Workflow started', jobId: 'job-2' },
    ]);
  });

  it('leaves other lines and an explicit jobId alone', () => {
    const { lines, logger } = capture();
    logger.info('worker ready', { taskQueue: 'q' });
    logger.info('slots', { workflowId: 'kling-account-slots/q', workflowType: 'accountSlots' });
    logger.info('job accepted', { workflowId: 'job-3', workflowType: JOB_WORKFLOW, jobId: 'job-3' });
    expect(lines[0]).not.toHaveProperty('jobId');
    expect(lines[1]).not.toHaveProperty('jobId');
    expect(lines[2]).toMatchObject({ jobId: 'job-3' });
  });
});
