// The group commit of edge stream outputs (runs/output-batch.ts), on the real clock and timers.
import { describe, expect, it } from "vitest";
import { OutputBatch } from "../../worker/runs/output-batch.ts";

const WINDOW_MS = 20;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Outputs are numbers; negative ones are urgent. */
function batchOf() {
  const writes: number[][] = [];
  const batch = new OutputBatch<number>(
    WINDOW_MS,
    (items) => writes.push(items),
    (n) => n < 0,
  );
  return { writes, batch };
}

describe("OutputBatch", () => {
  it("holds outputs and writes them together once the window has passed", async () => {
    const { writes, batch } = batchOf();
    for (const n of [1, 2, 3]) batch.push(n);
    expect(writes).toEqual([]);
    await sleep(WINDOW_MS * 2);
    expect(writes).toEqual([[1, 2, 3]]);
    batch.push(4);
    await sleep(WINDOW_MS * 2);
    expect(writes).toEqual([[1, 2, 3], [4]]);
  });

  it("writes an urgent output at once, with everything held before it", async () => {
    const { writes, batch } = batchOf();
    batch.push(1);
    batch.push(2);
    batch.push(-3);
    expect(writes).toEqual([[1, 2, -3]]);
    await sleep(WINDOW_MS * 2);
    expect(writes).toEqual([[1, 2, -3]]);
  });

  it("flush writes what is held at once (and cancels the timer), and nothing when nothing is", async () => {
    const { writes, batch } = batchOf();
    batch.push(1);
    batch.flush();
    expect(writes).toEqual([[1]]);
    batch.flush();
    await sleep(WINDOW_MS * 2);
    expect(writes).toEqual([[1]]);
  });
});
