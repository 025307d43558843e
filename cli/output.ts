// Where a command writes: stdout for results, stderr for the progress line and errors. bin.ts
// hands in the process's streams; whether stderr is a terminal decides if a progress line is drawn.
export interface Output {
  stdout: { write(text: string): unknown };
  stderr: { write(text: string): unknown; isTTY?: boolean };
}

/** A progress line on a TTY's stderr, redrawn in place; nothing at all elsewhere. */
export function progress(out: Output) {
  const tty = out.stderr.isTTY === true;
  let shown = false;
  return {
    show(line: string) {
      if (!tty) return;
      out.stderr.write(`\r\x1b[2K${line}`);
      shown = true;
    },
    /** Clears the line before stdout writes under it, so the two never interleave on screen. */
    clear() {
      if (!shown) return;
      out.stderr.write("\r\x1b[2K");
      shown = false;
    },
  };
}
