// A long text as artifact_added events of one artifact id: the first chunk starts the artifact,
// the rest carry `append: true`, the last `last_chunk: true` (worker/runs/joined-artifacts.ts joins them).
import { emit, type BackendOutput } from "../../shared/backends/backend.ts";
import { boundaryAtOrBefore, fromBytes, toBytes } from "../../shared/runs/utf8.ts";

/** Under the Worker's inline field bound (16 KiB), so no chunk is cut into a preview. */
const CHUNK_BYTES = 12 * 1024;

export function artifactChunks(artifactId: string, name: string, text: string): BackendOutput[] {
  const bytes = toBytes(text);
  const chunks: string[] = [];
  for (let at = 0; at < bytes.length;) {
    const end = bytes.length - at <= CHUNK_BYTES ? bytes.length : boundaryAtOrBefore(bytes, at + CHUNK_BYTES);
    chunks.push(fromBytes(bytes.subarray(at, end)));
    at = end;
  }
  if (chunks.length === 0) chunks.push("");
  return chunks.map((chunk, i) =>
    emit("artifact_added", {
      artifact_id: artifactId,
      name,
      text: chunk,
      parts: [{ kind: "text", text: chunk }],
      append: i > 0,
      last_chunk: i === chunks.length - 1,
    }),
  );
}

/** At most `maxBytes` of `text`: its beginning, and a line saying how much was left out. */
export function boundedText(text: string, maxBytes: number): string {
  const bytes = toBytes(text);
  if (bytes.length <= maxBytes) return text;
  const cut = boundaryAtOrBefore(bytes, maxBytes);
  return `${fromBytes(bytes.subarray(0, cut))}\n[… ${bytes.length - cut} more bytes not shown]\n`;
}
