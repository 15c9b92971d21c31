// The project's own metrics, served next to the SDK's on the worker's Prometheus endpoint. Pure constants, so the
// workflow bundle (which records the job metrics) and the worker (which records Kling requests) share them.
// Every label has a bounded set of values: no job id, task id or model name ever becomes a label.

/** Counter; label `outcome`: succeeded, failed, timed_out, cancelled, rejected. */
export const JOBS_METRIC = 'kling_video_jobs_total';
/** Histogram (seconds); label `phase`: accepting, queued, submitting, waiting, billing. */
export const PHASE_DURATION_METRIC = 'kling_video_phase_duration_seconds';
/** Histogram (integer cents) of the bill lines written; label `currency`. */
export const BILL_AMOUNT_METRIC = 'kling_video_bill_amount_cents';
/** Counter; labels `route` (a template such as `GET /v1/videos/text2video/{task_id}`), `code`, `http_status`. */
export const KLING_REQUESTS_METRIC = 'kling_video_kling_requests_total';
/** Histogram (seconds); label `route`. */
export const KLING_REQUEST_DURATION_METRIC = 'kling_video_kling_request_duration_seconds';
/**
 * Counter of activities that keep failing the same way (src/activities/alarms.ts); labels `activity` (the activity
 * type) and `failure_type` (one of ALARM_FAILURE_TYPES, else `Other`). Each count has an ERROR line naming the job.
 */
export const JOB_ALARMS_METRIC = 'kling_video_job_alarms_total';

/**
 * Bucket boundaries for our histograms: the SDK's defaults suit milliseconds, while a video job waits minutes and a
 * bill is cents to tens of dollars.
 */
export const HISTOGRAM_BUCKETS: Readonly<Record<string, number[]>> = {
  [PHASE_DURATION_METRIC]: [0.1, 0.5, 1, 2, 5, 10, 30, 60, 120, 300, 600, 1200, 1800, 3600],
  [BILL_AMOUNT_METRIC]: [10, 25, 50, 100, 200, 300, 500, 750, 1000, 1500, 2000, 3000, 5000],
  [KLING_REQUEST_DURATION_METRIC]: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
};
