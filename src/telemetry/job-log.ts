// Puts `jobId` on every log line of a job, including the SDK's own: the job workflow's lines and its activities'
// carry `workflowId` and `workflowType`, and a job's workflow id is its job id. Lines of other workflows (the
// account slots) are left as they are.
import type { Logger, LogLevel, LogMetadata } from '@temporalio/common';
import { JOB_WORKFLOW } from '../definitions/job.js';

export function withJobIds(logger: Logger): Logger {
  const log = (level: LogLevel, message: string, meta?: LogMetadata): void => {
    const workflowId: unknown = meta?.workflowId;
    const isJobLine =
      meta?.workflowType === JOB_WORKFLOW && typeof workflowId === 'string' && meta.jobId === undefined;
    logger.log(level, message, isJobLine ? { jobId: workflowId, ...meta } : meta);
  };
  return {
    log,
    trace: (message, meta) => log('TRACE', message, meta),
    debug: (message, meta) => log('DEBUG', message, meta),
    info: (message, meta) => log('INFO', message, meta),
    warn: (message, meta) => log('WARN', message, meta),
    error: (message, meta) => log('ERROR', message, meta),
  };
}
