// get_run: the run's status, timestamps, result, error, lineage and remote handle.
import { RUN_VIEW_URI } from "../app-resource.ts";
import { z } from "zod";
import { RunViewSchema } from "../../runs/run-view.ts";
import { RunSelectorShape, refineSelector } from "../fields.ts";
import { callRun } from "../runs.ts";
import { defineTool, readOnly } from "../tool.ts";

export const getRun = defineTool({
  name: "get_run",
  app: RUN_VIEW_URI,
  description:
    "Status, timestamps, last_seq, summary, result, error, session, lineage and remote_ref of a run, and where it " +
    "runs: placement (edge or runner) and runner (the runner's name; null at the edge or before dispatch).",
  annotations: readOnly("Get a run"),
  input: z.strictObject(RunSelectorShape).superRefine(refineSelector),
  output: RunViewSchema,
  async handler(args, ctx) {
    return (await callRun(ctx, args, (stub) => stub.view())).value;
  },
});
