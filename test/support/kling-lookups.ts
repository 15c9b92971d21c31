// Lookups of a Kling task by job id, counted from the simulator's request log (the cluster suite and the
// throttled-submit integration test).
/**
 * Requests that looked a task up by job id (external_task_id), from the simulator's request lines: its counters
 * cannot tell `GET …/{id}` with a job id from a poll with a task id.
 */
export function lookupsIn(lines: readonly { readonly text: string }[], jobIds: readonly string[]): number {
  const ids = new Set(jobIds);
  return lines.filter((line) => {
    const target = /\bGET (\S+) →/.exec(line.text)?.[1];
    if (target === undefined) return false;
    const url = new URL(target, 'http://kling');
    const last = decodeURIComponent(url.pathname.split('/').at(-1) ?? '');
    return ids.has(last) || ids.has(url.searchParams.get('external_task_id') ?? '');
  }).length;
}
