// get_event_artifact: read back, by byte range, a field that was moved out of an event, or the
// text of a joined artifact that get_run's result keeps behind text_ref.
import { z } from "zod";
import { MAX_PAGE_BYTES } from "../../runs/artifacts.ts";
import { parsePointer } from "../../runs/json-pointer.ts";
import { RunSelectorShape, refineSelector } from "../fields.ts";
import { openRun } from "../runs.ts";
import { defineTool, readOnly } from "../tool.ts";

export const getEventArtifact = defineTool({
  name: "get_event_artifact",
  description:
    "Read a stored event field listed in the event's data.artifact_refs (seq and field_path), or the whole text of an " +
    "artifact in get_run's result.artifacts that has a text_ref (artifact_id), by byte offset and limit. Pages never " +
    "split a UTF-8 character; continue with offset = next_offset while has_more.",
  annotations: readOnly("Read an event field or artifact"),
  input: z
    .strictObject({
      ...RunSelectorShape,
      seq: z.number().int().min(1).optional(),
      field_path: z
        .string()
        .max(1024)
        .refine((p) => p !== "" && parsePointer(p) !== null, "expected a JSON Pointer such as /output")
        .optional(),
      artifact_id: z.string().min(1).max(1024).optional().describe("Instead of seq and field_path."),
      offset: z.number().int().min(0).default(0),
      limit: z.number().int().min(1).max(MAX_PAGE_BYTES).default(65_536),
    })
    .superRefine(refineSelector)
    .superRefine((v, ctx) => {
      if (v.artifact_id !== undefined) {
        if (v.seq !== undefined || v.field_path !== undefined)
          ctx.addIssue({
            code: "custom",
            path: ["artifact_id"],
            message: "expected artifact_id alone, or seq with field_path",
          });
        return;
      }
      for (const field of ["seq", "field_path"] as const)
        if (v[field] === undefined)
          ctx.addIssue({
            code: "custom",
            path: [field],
            message: "expected seq and field_path, or artifact_id",
          });
    }),
  output: z.object({
    run_id: z.string(),
    seq: z.number().optional(),
    field_path: z.string().optional(),
    artifact_id: z.string().optional(),
    offset: z.number(),
    next_offset: z.number(),
    total_bytes: z.number(),
    has_more: z.boolean(),
    mime: z.string(),
    text: z.string(),
  }),
  async handler(args, ctx) {
    const { runId, stub } = await openRun(ctx, args);
    if (args.artifact_id !== undefined) {
      const page = await stub.readJoinedArtifact(args.artifact_id, args.offset, args.limit);
      return { run_id: runId, artifact_id: args.artifact_id, ...page };
    }
    const page = await stub.readArtifact(args.seq!, args.field_path!, args.offset, args.limit);
    return { run_id: runId, seq: args.seq, field_path: args.field_path, ...page };
  },
});
