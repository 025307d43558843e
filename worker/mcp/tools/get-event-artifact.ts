// get_event_artifact: read back, by byte range, a field that was moved out of an event.
import { z } from "zod";
import { MAX_PAGE_BYTES } from "../../runs/artifacts.ts";
import { parsePointer } from "../../runs/json-pointer.ts";
import { RunSelectorShape, refineSelector } from "../fields.ts";
import { openRun } from "../runs.ts";
import { defineTool } from "../tool.ts";

export const getEventArtifact = defineTool({
  name: "get_event_artifact",
  description:
    "Read a stored event field listed in the event's data.artifact_refs, by byte offset and limit. Pages never split a " +
    "UTF-8 character; continue with offset = next_offset while has_more.",
  input: z
    .strictObject({
      ...RunSelectorShape,
      seq: z.number().int().min(1),
      field_path: z
        .string()
        .max(1024)
        .refine((p) => p !== "" && parsePointer(p) !== null, "expected a JSON Pointer such as /output"),
      offset: z.number().int().min(0).default(0),
      limit: z.number().int().min(1).max(MAX_PAGE_BYTES).default(65_536),
    })
    .superRefine(refineSelector),
  output: z.object({
    run_id: z.string(),
    seq: z.number(),
    field_path: z.string(),
    offset: z.number(),
    next_offset: z.number(),
    total_bytes: z.number(),
    has_more: z.boolean(),
    mime: z.string(),
    text: z.string(),
  }),
  async handler(args, ctx) {
    const { runId, stub } = await openRun(ctx, args);
    const page = await stub.readArtifact(args.seq, args.field_path, args.offset, args.limit);
    return { run_id: runId, seq: args.seq, field_path: args.field_path, ...page };
  },
});
