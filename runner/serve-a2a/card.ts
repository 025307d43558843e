// The agent card a served agent publishes: one JSON-RPC endpoint speaking A2A 1.0 and, through the
// SDK's compatibility layer, 0.3; streaming; the bearer token its calls need.
import { A2A_PROTOCOL_VERSION, type AgentCard } from "@a2a-js/sdk";
import { A2A_LEGACY_PROTOCOL_VERSION } from "@a2a-js/sdk/compat/v0_3";

/** Where the JSON-RPC endpoint lives, under the server's base URL. */
export const RPC_PATH = "/a2a/jsonrpc";

export function servedAgentCard(agent: string, baseUrl: string): AgentCard {
  const endpoint = (protocolVersion: string) => ({
    url: baseUrl + RPC_PATH,
    protocolBinding: "JSONRPC",
    tenant: "",
    protocolVersion,
  });
  return {
    name: `switchyard-${agent}`,
    description: `The local ${agent} coding agent, served by switchyard-runner serve-a2a. Each contextId works in one directory (metadata.cwd) and resumes one ${agent} session.`,
    supportedInterfaces: [endpoint(A2A_PROTOCOL_VERSION), endpoint(A2A_LEGACY_PROTOCOL_VERSION)],
    provider: undefined,
    version: "1.0.0",
    capabilities: { streaming: true, pushNotifications: false, extensions: [] },
    securitySchemes: {
      bearer: {
        scheme: {
          $case: "httpAuthSecurityScheme",
          value: { description: "the token serve-a2a printed", scheme: "Bearer", bearerFormat: "" },
        },
      },
    },
    securityRequirements: [{ schemes: { bearer: { list: [] } } }],
    defaultInputModes: ["text/plain", "application/json"],
    defaultOutputModes: ["text/plain", "application/json"],
    skills: [
      {
        id: agent,
        name: agent,
        description: `Coding work by ${agent} in the context's working directory`,
        tags: ["coding"],
        examples: [],
        inputModes: [],
        outputModes: [],
        securityRequirements: [],
      },
    ],
    signatures: [],
  };
}
