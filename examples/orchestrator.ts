// Start a Kling video job from an orchestrator and wait for its video and bill.
import { Client, Connection } from '@temporalio/client';
import { createJobsClient, JobFailedError } from '../src/client.js';

const connection = await Connection.connect({ address: process.env.TEMPORAL_ADDRESS ?? '127.0.0.1:7233' });
const jobs = createJobsClient(new Client({ connection }), process.env.TEMPORAL_TASK_QUEUE ?? 'kling-video');

// The job id is the idempotency key: starting it again returns the same job, never a second charge.
const { jobId } = await jobs.startJob(
  {
    model_name: 'kling-v2-6',
    prompt: 'A neon-lit drive through a rainy city',
    duration: 5,
    mode: 'pro',
    generateAudio: true,
  },
  { jobId: `portal-order-${Date.now()}` },
);
try {
  const { videos, bill } = await jobs.waitForJob(jobId);
  console.log(
    `${jobId}: ${videos[0]?.url} billed ${bill.costUsd} ${bill.currency} (${bill.amountCents} cents)`,
  );
} catch (error) {
  if (!(error instanceof JobFailedError)) throw error;
  console.error(`${jobId} failed (${error.type}): ${error.message}`); // nothing was billed
  process.exitCode = 1;
} finally {
  await connection.close();
}
