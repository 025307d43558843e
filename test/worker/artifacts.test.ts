// Oversized event fields move to artifacts and read back, in pages, to exactly the original bytes.
import { describe, expect, it } from "vitest";
import { agentUrl, connect, drainEvents } from "./support/mcp.ts";

const utf8 = new TextEncoder();

/** A finished run of the agent whose final message (over 1 MiB) moved to an artifact, and that event. */
async function bigRun() {
  const c = await connect();
  const run = await c.ok("spawn_run", {
    backend: "remote_a2a",
    prompt: "go",
    backend_config: { agent_url: agentUrl("bigOutput") },
  });
  const events = await drainEvents(c, run.run_id);
  const big = events.find((e) => e.type === "agent_message" && e.data.artifact_refs?.["/text"]);
  return { c, run, big };
}

describe("event artifacts", () => {
  it("a ≥1 MiB multi-byte output is stored as an artifact and paged back byte-exact", async () => {
    const { c, run, big } = await bigRun();
    expect(big, "the final message moved to an artifact").toBeTruthy();
    const ref = big.data.artifact_refs["/text"];
    expect(ref.total_bytes).toBeGreaterThanOrEqual(1024 * 1024);
    expect(ref.mime).toMatch(/^text\/plain/);
    // The stored event is small: a preview, not the megabyte.
    expect(JSON.stringify(big).length).toBeLessThan(64 * 1024);

    const pages: string[] = [];
    let offset = 0;
    for (let guard = 0; guard < 100; guard++) {
      // An odd page size lands inside multi-byte characters; pages must still be whole characters.
      const page = await c.ok("get_event_artifact", {
        run_id: run.run_id,
        seq: big.seq,
        field_path: "/text",
        offset,
        limit: 99_999,
      });
      expect(page.offset).toBe(offset);
      expect(page.text).not.toContain("\uFFFD");
      pages.push(page.text);
      offset = page.next_offset;
      if (!page.has_more) break;
    }
    const whole = pages.join("");
    expect(utf8.encode(whole).length).toBe(ref.total_bytes);
    expect(whole.startsWith(big.data.text)).toBe(true);
    expect(whole).toContain("漢字, 🚀");
    const lines = whole.split("\n").filter(Boolean);
    expect(lines.every((l, i) => l.startsWith(`line ${i}: `))).toBe(true);
  });

  it("get_run keeps a large final answer to its beginning and points at the event holding it whole", async () => {
    const { c, run } = await bigRun();
    const got = await c.ok("get_run", { run_id: run.run_id });
    expect(JSON.stringify(got).length).toBeLessThan(64 * 1024);
    const ref = got.result.final_response_ref;
    expect(ref.field_path).toBe("/final_response");
    const first = await c.ok("get_event_artifact", { run_id: run.run_id, ...ref, limit: 4096 });
    expect(first.total_bytes).toBeGreaterThanOrEqual(1024 * 1024);
    expect(first.text.startsWith(got.result.final_response.slice(0, 1000))).toBe(true);
    expect(utf8.encode(got.result.final_response).length).toBeLessThanOrEqual(16 * 1024);
  });

  it("an offset inside a character moves forward to the next boundary", async () => {
    const { c, run, big } = await bigRun();
    const head = await c.ok("get_event_artifact", {
      run_id: run.run_id,
      seq: big.seq,
      field_path: "/text",
      limit: 4096,
    });
    const at = utf8.encode(head.text).indexOf(0xf0); // first byte of 🚀 (4 bytes)
    const inside = await c.ok("get_event_artifact", {
      run_id: run.run_id,
      seq: big.seq,
      field_path: "/text",
      offset: at + 1,
      limit: 1,
    });
    expect(inside.offset).toBe(at + 4);
    const tiny = await c.ok("get_event_artifact", {
      run_id: run.run_id,
      seq: big.seq,
      field_path: "/text",
      offset: at,
      limit: 1,
    });
    expect(tiny.text).toBe("🚀");
    expect(tiny.next_offset).toBe(at + 4);
  });

  it("asking for a field that has no artifact names the ones that exist", async () => {
    const { c, run, big } = await bigRun();
    const error = await c.err("get_event_artifact", {
      run_id: run.run_id,
      seq: big.seq,
      field_path: "/nope",
    });
    expect(error.field).toBe("field_path");
    expect(error.message).toContain('"/text"');
    const noEvent = await c.err("get_event_artifact", {
      run_id: run.run_id,
      seq: 10_000,
      field_path: "/text",
    });
    expect(noEvent.field).toBe("seq");
  });
});
