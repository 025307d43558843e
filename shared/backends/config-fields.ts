// backend_config fields the edge backends share: the endpoint's URL, secret request headers and a
// secret token, each refused with a message saying what was expected. Imports only zod (the runner
// runs openai_compatible too).
import { z } from "zod";

const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
const ONE_LINE = /^[^\r\n]*$/;

/** False for URLs with user info (`https://user:pw@host`): fetch refuses them, and logs would leak them. */
function hasNoCredentials(url: string): boolean {
  const parsed = URL.parse(url);
  return !parsed || (!parsed.username && !parsed.password);
}

/** An http(s) URL without user info; `secretFields` names where credentials go instead. */
export const endpointUrl = (secretFields: string) =>
  z
    .url({
      protocol: /^https?$/,
      error: (issue) => (issue.code === "invalid_format" ? "expected an http(s) URL" : undefined),
    })
    .max(2048)
    .refine(hasNoCredentials, `expected no credentials in the URL; use ${secretFields}`);

/** Secret: extra request headers for every call to the endpoint. */
export const SecretHeadersSchema = z
  .record(
    z.string().regex(HEADER_NAME, "expected an HTTP header name").max(256),
    z.string().max(8192).regex(ONE_LINE, "expected a header value without line breaks"),
  )
  .optional();

/** Secret: a credential sent as `Authorization: Bearer …`; `what` names it in the refusal. */
export const secretCredential = (what: "key" | "token") =>
  z.string().min(1).max(8192).regex(ONE_LINE, `expected a ${what} without line breaks`).optional();
