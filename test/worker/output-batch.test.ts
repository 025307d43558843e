// The group commit of edge stream outputs (objects/output-batch.ts), on the real clock and timers.
import { describe, expect, it } from "vitest";
import { OutputBatch } from "../../worker/objects/output-batch.ts";

const WINDOW_MS = 20;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe("OutputBatch", () => {
  it("writes the first output at once and a burst after it together, within the window", async () => {
    const writes: number[][] = [];
    const batch = new OutputBatch<number>(WINDOW_MS, (items) => writes.push(items));
    batch.push(1);
    expect(writes).toEqual([[1]]);
    for (const n of [2, 3, 4]) batch.push(n);
    expect(writes).toEqual([[1]]);
    await sleep(WINDOW_MS * 2);
    expect(writes).toEqual([[1], [2, 3, 4]]);
    // After a quiet spell longer than the window, an output goes out at once again.
    await sleep(WINDOW_MS * 2);
    batch.push(5);
    expect(writes).toEqual([[1], [2, 3, 4], [5]]);
  });

  it("flush writes what is held at once (and cancels the timer), and nothing when nothing is", async () => {
    const writes: number[][] = [];
    const batch = new OutputBatch<number>(WINDOW_MS, (items) => writes.push(items));
    batch.push(1);
    batch.push(2);
    batch.push(3);
    batch.flush();
    expect(writes).toEqual([[1], [2, 3]]);
    batch.flush();
    await sleep(WINDOW_MS * 2);
    expect(writes).toEqual([[1], [2, 3]]);
  });
});
