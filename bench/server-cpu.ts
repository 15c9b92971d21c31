// The Temporal dev server's CPU time, read from /proc: the designs also differ in the work they give the server
// (the sleep loop's timers and workflow tasks). Linux only; elsewhere the column stays empty.
import { readdir, readFile } from 'node:fs/promises';

// USER_HZ: the unit of /proc/<pid>/stat times, 100 on every Linux architecture Node supports.
const TICKS_PER_SECOND = 100;

async function readText(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch {
    return undefined;
  }
}

/** Fields after the parenthesised command name, which may itself contain spaces. */
function statFields(stat: string): string[] {
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
}

/** The pid of this process' child running `temporal server start-dev`, if any. */
export async function findDevServerPid(): Promise<number | undefined> {
  let entries: string[];
  try {
    entries = await readdir('/proc');
  } catch {
    return undefined;
  }
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = await readText(`/proc/${entry}/stat`);
    // Field 4 of stat is the parent pid; it is the second after the command name.
    if (stat === undefined || Number(statFields(stat)[1]) !== process.pid) continue;
    const cmdline = (await readText(`/proc/${entry}/cmdline`)) ?? '';
    if (cmdline.split('\0').includes('start-dev')) return Number(entry);
  }
  return undefined;
}

/** User + system CPU seconds the process has used so far. */
export async function processCpuSeconds(pid: number): Promise<number | undefined> {
  const stat = await readText(`/proc/${pid}/stat`);
  if (stat === undefined) return undefined;
  const fields = statFields(stat);
  // utime and stime are fields 14 and 15 of stat: the 12th and 13th after the command name.
  return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND;
}
