// spawn_run with every spelling of a special-purpose address: remote_a2a refuses it as a
// bad_request naming backend_config.agent_url, openai_compatible sends it to a runner instead of
// the edge, agent_card_path may not leave the agent's origin — and no trap is ever hit. The last
// test proves the trap spellings do reach a trap when fetched without the guard.
import { afterAll, describe, expect, it } from "vitest";
import { connect, type TestClient } from "./support/mcp.ts";
import { SPELLINGS, egress, hits } from "./support/egress.ts";

/** Trap hits a guard bypass could have caused (the reachability proof's own hits excluded). */
const guardedTrapHits = async () => (await hits()).trap.filter((h) => !h.url.startsWith("/__reach")).length;

let client: TestClient | undefined;
const c = async () => (client ??= await connect());
afterAll(() => client?.close());

describe("spawn_run refuses special-purpose addresses before any connection", () => {
  it.each(SPELLINGS.map((s) => [s.url]))("remote_a2a agent_url %s", async (url) => {
    const error = await (
      await c()
    ).err("spawn_run", {
      backend: "remote_a2a",
      prompt: "hi",
      backend_config: { agent_url: url, auth_token: "secret-token-a2a" },
    });
    expect(error.code).toBe("bad_request");
    expect(error.field).toBe("backend_config.agent_url");
    expect(await guardedTrapHits()).toBe(0);
  });

  it.each(SPELLINGS.map((s) => [s.url]))("openai_compatible base_url %s goes to a runner", async (url) => {
    const client = await c();
    const spawn = {
      backend: "openai_compatible",
      prompt: "hi",
      backend_config: { base_url: url, model: "m" },
    };
    if (new URL(url).username) {
      expect((await client.err("spawn_run", spawn)).field).toBe("backend_config.base_url");
    } else {
      const run = await client.ok("spawn_run", spawn);
      const view = await client.ok("get_run", { run_id: run.run_id });
      expect([view.status, view.status_reason]).toEqual([
        "queued",
        expect.stringMatching(/waiting for a runner/),
      ]);
      expect((await client.ok("cancel_run", { run_id: run.run_id })).status).toBe("cancelled");
    }
    expect(await guardedTrapHits()).toBe(0);
  });
});

it("a reviewer's agent_url is judged at spawn_run too", async () => {
  const error = await (
    await c()
  ).err("spawn_run", {
    backend: "remote_a2a",
    prompt: "hi",
    backend_config: { agent_url: `${egress.redirector}/agent/` },
    review: {
      backend: "remote_a2a",
      backend_config: { agent_url: `http://[::ffff:7f00:2]:${egress.traps.v4b}/` },
    },
  });
  expect([error.code, error.field]).toEqual(["bad_request", "review.backend_config.agent_url"]);
  expect(error.message).toMatch(/the edge does not fetch loopback addresses/);
});

describe("agent_card_path is a path on the agent's own origin", () => {
  const { v4b } = egress.traps;
  it.each([
    `//127.0.0.2:${v4b}/card.json`,
    `/\\127.0.0.2:${v4b}/card.json`,
    `\\\\127.0.0.2:${v4b}/card.json`,
    `/\t/127.0.0.2:${v4b}/card.json`,
    `\\/127.0.0.2:${v4b}/card.json`,
    `http://127.0.0.2:${v4b}/card.json`,
    `https://example.com/card.json`,
    `http:127.0.0.2:${v4b}/card.json`.replace("http:", "https:"),
  ])("%j is refused", async (path) => {
    const error = await (
      await c()
    ).err("spawn_run", {
      backend: "remote_a2a",
      prompt: "hi",
      backend_config: { agent_url: `${egress.redirector}/agent/`, agent_card_path: path },
    });
    expect(error.code).toBe("bad_request");
    expect(error.field).toBe("backend_config.agent_card_path");
    expect(error.message).toMatch(/expected a path on the agent's own origin/);
    expect(await guardedTrapHits()).toBe(0);
  });

  it.each(["/custom/card.json", "card.json", "../card.json", "", "?card=1"])(
    "%j is accepted",
    async (path) => {
      const client = await c();
      const run = await client.ok("spawn_run", {
        backend: "remote_a2a",
        prompt: "hi",
        backend_config: { agent_url: `${egress.redirector}/agent/`, agent_card_path: path },
      });
      await client.ok("cancel_run", { run_id: run.run_id });
    },
  );
});

describe("the table is not vacuous", () => {
  it("every trap spelling reaches a trap when fetched without the guard", async () => {
    const missed: string[] = [];
    for (const s of SPELLINGS.filter((s) => s.trap)) {
      const before = (await hits()).trap.length;
      const body = await fetch(`${s.url}__reach/`).then(
        (r) => r.text(),
        () => "",
      );
      if ((await hits()).trap.length !== before + 1 || body === "") missed.push(s.url);
    }
    expect(missed).toEqual([]);
  });
});
