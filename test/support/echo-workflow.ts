// A trivial workflow that proves the infrastructure (dev server, worker, history replay) before the real one.
import { proxyActivities, sleep } from '@temporalio/workflow';

export interface EchoActivities {
  shout(text: string): Promise<string>;
}

const { shout } = proxyActivities<EchoActivities>({ startToCloseTimeout: '10 seconds' });

export async function echo(text: string): Promise<string> {
  await sleep(10);
  return `${await shout(text)}!`;
}
