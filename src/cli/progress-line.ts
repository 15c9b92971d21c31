// A live progress line: rewritten in place on a terminal, one line per change when piped into a file or CI log
// (where rewriting would pile up carriage returns, and a line per tick would drown the changes).
export interface ProgressLine {
  /** `state` is what counts as a change off a terminal; `detail` (the elapsed time) only refreshes a terminal. */
  update(state: string, detail: string): void;
  /** Finishes a rewritten line so the next output starts on its own line. */
  end(): void;
}

export function createProgressLine(
  stream: NodeJS.WritableStream & { readonly isTTY?: boolean },
): ProgressLine {
  let last: string | undefined;
  let open = false;
  return {
    update(state, detail) {
      if (stream.isTTY === true) {
        stream.write(`\r\x1b[K${state}  ${detail}`);
        open = true;
      } else if (state !== last) {
        stream.write(`${state}  ${detail}\n`);
      }
      last = state;
    },
    end() {
      if (open) stream.write('\n');
      open = false;
    },
  };
}

export function formatElapsed(ms: number): string {
  const seconds = ms / 1000;
  if (seconds < 60) return `${seconds.toFixed(1)} s`;
  const whole = Math.floor(seconds);
  return `${Math.floor(whole / 60)} min ${String(whole % 60).padStart(2, '0')} s`;
}
