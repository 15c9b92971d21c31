// The demo's jobs: every payload in examples/. A video extension can only extend a video the simulator made,
// so each one waits for a job of the same model (else the first job) and extends that job's video.
import { readdir } from 'node:fs/promises';
import { basename, join } from 'node:path';
import type { RequestEnvelope } from '../domain/envelope.js';
import { UsageError } from './command.js';
import { readCheckedPayload } from './payload.js';

export interface DemoExample {
  /** The file name without `.json`; also the job id. */
  readonly name: string;
  readonly payload: Readonly<Record<string, unknown>>;
  readonly envelope: RequestEnvelope;
}

export interface DemoPlan {
  /** Submitted at once. */
  readonly first: readonly DemoExample[];
  /** Submitted when `source` has a video, with that video's id. */
  readonly extensions: readonly { readonly example: DemoExample; readonly source: DemoExample | undefined }[];
}

export async function loadDemoPlan(dir: string): Promise<DemoPlan> {
  const files = (await readdir(dir)).filter((file) => file.endsWith('.json')).sort();
  const examples: DemoExample[] = [];
  for (const file of files) {
    const { payload, envelope } = await readCheckedPayload(join(dir, file));
    examples.push({ name: basename(file, '.json'), payload: payload as Record<string, unknown>, envelope });
  }
  if (examples.length === 0) throw new UsageError(`no example payloads (*.json) in ${dir}`);
  const first = examples.filter((example) => example.envelope.family !== 'video-extend');
  return {
    first,
    extensions: examples
      .filter((example) => example.envelope.family === 'video-extend')
      .map((example) => ({
        example,
        source: first.find((candidate) => candidate.envelope.model === example.envelope.model) ?? first[0],
      })),
  };
}

/** The extension's payload, pointed at a video the simulator made. */
export function extending(example: DemoExample, videoId: string): Record<string, unknown> {
  return { ...example.payload, video_id: videoId };
}
