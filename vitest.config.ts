// Worker tests inside workerd (the real runtime, through @cloudflare/vitest-plugin), and Node tests:
// the runner, the repository's own facts, end-to-end over `wrangler dev`. Real peers start in global setups.
import { cloudflareTest } from "@cloudflare/vitest-plugin";
import { defineConfig } from "vitest/config";
import type { EgressFixtureUrls } from "./test/fixtures/egress-traps.ts";

const egressFixtures = (inject: (key: never) => unknown) =>
  inject("egressFixtures" as never) as EgressFixtureUrls;

export default defineConfig({
  test: {
    projects: [
      {
        plugins: [
          cloudflareTest(({ inject }) => ({
            wrangler: { configPath: "./wrangler.toml" },
            miniflare: {
              bindings: {
                SWITCHYARD_TOKENS: "acme=test-token-acme,globex=test-token-globex",
                SWITCHYARD_RUNNER_TOKENS: "acme=runner-token-acme,globex=runner-token-globex",
                // Single-use codes for the consent page; the last two are ignored (too short, no key for initech).
                SWITCHYARD_INVITES:
                  "acme=invite-acme-0123456789,globex=invite-globex-0123456789," +
                  "acme=invite-acme-bearer-0123,acme=short-code,initech=invite-initech-0123456789",
                SWITCHYARD_RUNNER_GRACE_S: "2",
                // manage_lane land/reclaim gives up on a silent runner after this long.
                SWITCHYARD_LANE_REQUEST_TIMEOUT_S: "3",
                SWITCHYARD_PRICES: JSON.stringify({
                  "priced-model": { input_per_mtok: 2, output_per_mtok: 8 },
                }),
                // Every port of 127.0.0.1 (the fixtures' host) and, of 127.0.0.3, the egress redirector's only.
                SWITCHYARD_EDGE_ALLOW_HOSTS: `127.0.0.1:*,${new URL(egressFixtures(inject).redirector).host}`,
                // The tests reach the Worker as http://switchyard.test (SELF.fetch).
                SWITCHYARD_ALLOWED_HOSTS: "switchyard.test",
                // Every tool result is checked against its advertised output schema (mcp/output-check.ts).
                SWITCHYARD_CHECK_TOOL_OUTPUT: "1",
                TEST_A2A_AGENTS: JSON.stringify(inject("a2aAgents" as never)),
                TEST_FAKE_OPENAI: inject("fakeOpenAiUrl" as never),
                TEST_EGRESS: JSON.stringify(egressFixtures(inject)),
                TEST_NOTIFY: JSON.stringify(inject("notifyReceiver" as never)),
              },
            },
          })),
        ],
        test: {
          name: "worker",
          include: ["test/worker/**/*.test.ts"],
          globalSetup: [
            "test/fixtures/dashboard-assets-setup.ts",
            "test/fixtures/a2a-global-setup.ts",
            "test/fixtures/openai-global-setup.ts",
            "test/fixtures/egress-global-setup.ts",
            "test/fixtures/notify-global-setup.ts",
          ],
          testTimeout: 30_000,
        },
      },
      {
        test: {
          name: "node",
          include: ["test/runner/**/*.test.ts"],
          environment: "node",
          testTimeout: 120_000,
          hookTimeout: 120_000,
        },
      },
      {
        // Facts about the repository itself (what the code imports is declared).
        test: { name: "repo", include: ["test/repo/**/*.test.ts"], environment: "node" },
      },
      {
        // Each file starts its own wrangler dev and real agent programs: one file at a time.
        test: {
          name: "e2e",
          include: ["test/e2e/**/*.test.ts"],
          globalSetup: ["test/fixtures/dashboard-assets-setup.ts"],
          environment: "node",
          fileParallelism: false,
          testTimeout: 180_000,
          hookTimeout: 120_000,
        },
      },
    ],
  },
});
