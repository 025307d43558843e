// A streamed A2A artifact (49 chunks with `append`, cut inside characters) is one artifact in
// get_run's result, byte-exact; the events keep the chunks; big joined text is stored apart and
// read back whole with get_event_artifact, so get_run stays small.
import { describe, expect, it } from "vitest";
import { CHUNK_BYTES } from "../../worker/runs/artifacts.ts";
import {
  MAX_JOINED_ARTIFACTS,
  joinArtifact,
  type ArtifactTextStore,
  type StoredArtifact,
} from "../../worker/runs/joined-artifacts.ts";
import { ARTIFACT_CHUNKS, artifactText } from "../fixtures/chunked-text.ts";
import { connect, drainEvents, spawnA2aRun } from "./support/mcp.ts";

const utf8 = new TextEncoder();
const endsInsideCharacter = (text: string) => /[\ud800-\udbff]$/.test(text);

async function chunkedRun(prompt: string) {
  const c = await connect();
  const run = await spawnA2aRun(c, "chunkedArtifact", { prompt });
  const events = await drainEvents(c, run.run_id);
  const chunks = events.filter((e) => e.type === "artifact_added" && e.data.artifact_id === "stream");
  const got = await c.ok("get_run", { run_id: run.run_id });
  const stream = got.result.artifacts.find((a: any) => a.artifact_id === "stream");
  return { c, run, chunks, got, stream };
}

describe("joined artifacts", () => {
  it("49 appended chunks are one artifact whose text is their concatenation, byte for byte", async () => {
    const { chunks, got, stream } = await chunkedRun("go");
    expect(got.status).toBe("completed");
    // The events keep every chunk as the agent sent it, cuts inside characters included.
    expect(chunks).toHaveLength(ARTIFACT_CHUNKS);
    expect(chunks.map((e) => e.data.append)).toEqual(chunks.map((_, i) => i > 0));
    expect(chunks.some((e) => endsInsideCharacter(e.data.text))).toBe(true);

    expect(got.result.artifacts.map((a: any) => a.artifact_id)).toEqual(["stream", "notes"]);
    const joined = chunks.map((e) => e.data.text).join("");
    expect(utf8.encode(stream.text)).toEqual(utf8.encode(joined));
    expect(stream.text).toBe(artifactText(false));
    expect(stream).toMatchObject({
      name: "stream.txt",
      chunks: ARTIFACT_CHUNKS,
      last_chunk: true,
      first_seq: chunks[0].seq,
      last_seq: chunks.at(-1).seq,
      parts: [{ kind: "data", data: { chunks: ARTIFACT_CHUNKS } }],
    });
    expect(stream.text_ref).toBeUndefined();
    expect(got.result.artifacts[1]).toMatchObject({ text: "one chunk only", chunks: 1 });
  });

  it("a joined text past the inline bound is a preview in get_run and read whole with get_event_artifact", async () => {
    const { c, run, chunks, got, stream } = await chunkedRun("big");
    const expected = utf8.encode(artifactText(true));
    // Past one stored chunk row (128 KiB), so the text is topped up across rows.
    expect(expected.length).toBeGreaterThan(CHUNK_BYTES);
    expect(chunks).toHaveLength(ARTIFACT_CHUNKS);
    expect(utf8.encode(chunks.map((e) => e.data.text).join(""))).toEqual(expected);

    expect(stream.text_ref).toEqual({
      total_bytes: expected.length,
      mime: "text/plain; charset=utf-8",
      chunk_count: Math.ceil(expected.length / CHUNK_BYTES),
    });
    expect(artifactText(true).startsWith(stream.text)).toBe(true);
    expect(utf8.encode(stream.text).length).toBeLessThanOrEqual(2048);
    // get_run stays small: the preview, not the artifact.
    expect(JSON.stringify(got).length).toBeLessThan(16 * 1024);

    const pages: Uint8Array[] = [];
    let offset = 0;
    for (let guard = 0; guard < 100; guard++) {
      // An odd page size lands inside characters; pages still hold whole ones.
      const page = await c.ok("get_event_artifact", {
        run_id: run.run_id,
        artifact_id: "stream",
        offset,
        limit: 9_999,
      });
      expect(page.text).not.toContain("\uFFFD");
      pages.push(utf8.encode(page.text));
      offset = page.next_offset;
      if (!page.has_more) break;
    }
    const whole = new Uint8Array(pages.reduce((n, p) => n + p.length, 0));
    pages.reduce((at, p) => (whole.set(p, at), at + p.length), 0);
    expect(whole).toEqual(expected);
  });

  it("get_event_artifact by artifact_id names what it can read", async () => {
    const { c, run } = await chunkedRun("big");
    const unknown = await c.err("get_event_artifact", { run_id: run.run_id, artifact_id: "nope" });
    expect(unknown).toMatchObject({ code: "not_found", field: "artifact_id" });
    expect(unknown.message).toContain('"stream"');
    const inline = await c.err("get_event_artifact", { run_id: run.run_id, artifact_id: "notes" });
    expect(inline).toMatchObject({ code: "not_found", field: "artifact_id" });
    const both = await c.err("get_event_artifact", {
      run_id: run.run_id,
      artifact_id: "stream",
      seq: 1,
      field_path: "/text",
    });
    expect(both.field).toBe("artifact_id");
    const neither = await c.err("get_event_artifact", { run_id: run.run_id });
    expect(neither.field).toBe("seq");
  });
});

/** A store of byte strings by artifact id, for the fold on its own. */
function memoryStore() {
  const texts = new Map<string, number[]>();
  const store: ArtifactTextStore = {
    append(id, at, bytes) {
      const held = texts.get(id) ?? [];
      expect(held.length).toBe(at);
      texts.set(id, [...held, ...bytes]);
    },
    clear: (id) => void texts.delete(id),
  };
  return { store, text: (id: string) => new TextDecoder().decode(new Uint8Array(texts.get(id) ?? [])) };
}

describe("joinArtifact", () => {
  it("a chunk without append replaces the artifact of its id, its stored text too", () => {
    const { store, text } = memoryStore();
    const artifacts: StoredArtifact[] = [];
    const big = "漢".repeat(10_000);
    joinArtifact(artifacts, { artifact_id: "a", text: big, parts: [] }, 1, store);
    expect(text("a")).toBe(big);
    joinArtifact(artifacts, { artifact_id: "a", text: "fresh", parts: [], append: false }, 2, store);
    expect(artifacts).toEqual([
      { artifact_id: "a", text: "fresh", parts: [], chunks: 1, first_seq: 2, last_seq: 2 },
    ]);
    expect(text("a")).toBe("");
  });

  it("a character split across chunks of stored text is stored whole", () => {
    const { store, text } = memoryStore();
    const artifacts: StoredArtifact[] = [];
    const rocket = "🚀";
    joinArtifact(artifacts, { artifact_id: "a", text: "x".repeat(20_000) + rocket[0], parts: [] }, 1, store);
    joinArtifact(artifacts, { artifact_id: "a", text: rocket[1] + "y", append: true, parts: [] }, 2, store);
    expect(text("a")).toBe("x".repeat(20_000) + "🚀y");
    expect(artifacts[0]!.text_ref!.total_bytes).toBe(20_000 + 4 + 1);
  });

  it(`joins at most ${MAX_JOINED_ARTIFACTS} artifacts and says when it left one out`, () => {
    const { store } = memoryStore();
    const artifacts: StoredArtifact[] = [];
    const joined = Array.from({ length: MAX_JOINED_ARTIFACTS + 3 }, (_, i) =>
      joinArtifact(artifacts, { artifact_id: `a${i}`, text: "t", parts: [] }, i + 1, store),
    );
    expect(joined.filter((j) => !j)).toHaveLength(3);
    expect(artifacts).toHaveLength(MAX_JOINED_ARTIFACTS);
  });
});
