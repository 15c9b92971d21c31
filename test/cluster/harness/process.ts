// One child process of the cluster (a Temporal service, the simulator, a worker): its output kept line by line
// (with the time each arrived) and copied to a log file, so a fault test can look at what a process said while the
// fault lasted and CI keeps the logs of a failed run.
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, type WriteStream } from 'node:fs';

export interface OutputLine {
  readonly at: number;
  readonly stream: 'stdout' | 'stderr';
  readonly text: string;
}

export interface ProcessSpec {
  readonly name: string;
  readonly command: string;
  readonly args: readonly string[];
  readonly env: NodeJS.ProcessEnv;
  readonly logFile: string;
}

export class ClusterProcess {
  readonly lines: OutputLine[] = [];
  readonly exited: Promise<number | string>;
  private readonly child: ChildProcess;
  private readonly log: WriteStream;
  private listeners: (() => void)[] = [];

  constructor(readonly spec: ProcessSpec) {
    this.log = createWriteStream(spec.logFile, { flags: 'a' });
    this.log.write(`--- ${new Date().toISOString()} ${spec.command} ${spec.args.join(' ')}\n`);
    this.child = spawn(spec.command, [...spec.args], {
      env: spec.env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    for (const stream of ['stdout', 'stderr'] as const) {
      let pending = '';
      this.child[stream]?.on('data', (chunk: Buffer) => {
        this.log.write(chunk);
        pending += chunk.toString();
        const parts = pending.split('\n');
        pending = parts.pop() ?? '';
        for (const text of parts) this.lines.push({ at: Date.now(), stream, text });
        for (const listener of this.listeners) listener();
      });
    }
    this.exited = new Promise((resolve) => {
      this.child.once('exit', (code, signal) => {
        this.log.end(`--- exited ${code ?? signal}\n`);
        resolve(code ?? signal ?? 'unknown');
        for (const listener of this.listeners) listener();
      });
    });
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Resolves with the first line matching `pattern` (seen already or still to come). */
  waitForLine(pattern: RegExp, timeoutMs: number): Promise<OutputLine> {
    return new Promise((resolve, reject) => {
      const check = () => {
        const found = this.lines.find((line) => pattern.test(line.text));
        if (found !== undefined) return done(() => resolve(found));
        if (!this.running)
          return done(() =>
            reject(new Error(`${this.spec.name} exited before printing ${pattern}:\n${this.tail()}`)),
          );
      };
      const timer = setTimeout(
        () =>
          done(() =>
            reject(new Error(`${this.spec.name}: no ${pattern} in ${timeoutMs} ms:\n${this.tail()}`)),
          ),
        timeoutMs,
      );
      const done = (settle: () => void) => {
        clearTimeout(timer);
        this.listeners = this.listeners.filter((listener) => listener !== check);
        settle();
      };
      this.listeners.push(check);
      check();
    });
  }

  /** Sends `signal` and waits for the exit; SIGKILL after `graceMs` if it is still running. */
  async stop(signal: NodeJS.Signals, graceMs = 30_000): Promise<void> {
    if (!this.running) return;
    this.child.kill(signal);
    const timer = setTimeout(() => this.child.kill('SIGKILL'), graceMs);
    await this.exited;
    clearTimeout(timer);
  }

  tail(count = 30): string {
    return this.lines
      .slice(-count)
      .map((line) => line.text)
      .join('\n');
  }
}
