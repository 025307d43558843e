// cancel_run: stop a run; the remote side is told, the run ends as cancelled.
import { z } from "zod";
import { RunViewSchema, toRunView } from "../../runs/run-view.ts";
import { RunSelectorShape, refineSelector } from "../fields.ts";
import { openRun } from "../runs.ts";
import { defineTool } from "../tool.ts";

export const cancelRun = defineTool({
  name: "cancel_run",
  description: "Cancel a live run. A finished run is returned unchanged.",
  annotations: {
    title: "Cancel a run",
    readOnlyHint: false,
    destructiveHint: true,
    idempotentHint: true,
    openWorldHint: true,
  },
  input: z.strictObject(RunSelectorShape).superRefine(refineSelector),
  output: RunViewSchema,
  async handler(args, ctx) {
    const { stub } = await openRun(ctx, args);
    return toRunView(await stub.cancel());
  },
});
