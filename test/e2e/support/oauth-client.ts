// An MCP SDK OAuthClientProvider for tests, held in memory: where the SDK would open a browser it
// runs the scripted consent (the page, its form, a tenant key), and keeps the code for finishAuth.
import { auth } from "@modelcontextprotocol/sdk/client/auth.js";
import type { OAuthClientProvider } from "@modelcontextprotocol/sdk/client/auth.js";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import type {
  OAuthClientInformationMixed,
  OAuthClientMetadata,
  OAuthTokens,
} from "@modelcontextprotocol/sdk/shared/auth.js";
import { consentAs } from "../../fixtures/oauth-consent.ts";

/** Never listened on: the scripted browser reads the redirect instead of following it. */
export const REDIRECT_URL = "http://127.0.0.1:1/callback";

export class ScriptedOAuthClient implements OAuthClientProvider {
  readonly tenantKey: string;
  readonly clientMetadataUrl: string | undefined;
  /** What the consent page answered with: the client redirect carrying `code`. */
  lastRedirect: URL | undefined;
  /** The consent page as last shown. */
  lastPage = "";
  #client: OAuthClientInformationMixed | undefined;
  #tokens: OAuthTokens | undefined;
  #verifier = "";
  /** Replaces the PKCE verifier sent with the code, to see it refused. */
  tamperVerifier = false;

  constructor(tenantKey: string, options: { clientMetadataUrl?: string } = {}) {
    this.tenantKey = tenantKey;
    this.clientMetadataUrl = options.clientMetadataUrl;
  }

  get redirectUrl() {
    return REDIRECT_URL;
  }
  get clientMetadata(): OAuthClientMetadata {
    return {
      client_name: "switchyard e2e client",
      redirect_uris: [REDIRECT_URL],
      grant_types: ["authorization_code", "refresh_token"],
      response_types: ["code"],
      token_endpoint_auth_method: "none",
    };
  }
  clientInformation() {
    return this.#client;
  }
  saveClientInformation(info: OAuthClientInformationMixed) {
    this.#client = info;
  }
  tokens() {
    return this.#tokens;
  }
  saveTokens(tokens: OAuthTokens) {
    this.#tokens = tokens;
  }
  async redirectToAuthorization(url: URL) {
    const { page, redirect } = await consentAs(fetch, url.href, this.tenantKey);
    this.lastPage = page;
    this.lastRedirect = redirect;
  }
  saveCodeVerifier(verifier: string) {
    this.#verifier = verifier;
  }
  codeVerifier() {
    return this.tamperVerifier ? `${this.#verifier}x` : this.#verifier;
  }

  /** The access token, once authorized. */
  get accessToken(): string {
    if (!this.#tokens) throw new Error("not authorized");
    return this.#tokens.access_token;
  }
}

/** Runs the SDK's whole OAuth flow against `baseUrl`/mcp: discovery, registration, consent, code exchange. */
export async function authorize(baseUrl: string, provider: ScriptedOAuthClient): Promise<void> {
  const serverUrl = `${baseUrl}/mcp`;
  if ((await auth(provider, { serverUrl })) === "AUTHORIZED") return;
  const code = provider.lastRedirect?.searchParams.get("code");
  if (!code) throw new Error(`consent gave no code: ${provider.lastRedirect}`);
  const result = await auth(provider, { serverUrl, authorizationCode: code });
  if (result !== "AUTHORIZED") throw new Error(`authorization ended ${result}`);
}

/** An MCP client on `baseUrl`/mcp whose transport authenticates with `provider`'s tokens. */
export async function connectOAuth(baseUrl: string, provider: ScriptedOAuthClient): Promise<Client> {
  const transport = new StreamableHTTPClientTransport(new URL(`${baseUrl}/mcp`), { authProvider: provider });
  const client = new Client({ name: "switchyard-e2e-oauth", version: "1.0.0" });
  await client.connect(transport);
  return client;
}
