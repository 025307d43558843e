// A dashboard credential — a session cookie's value or a one-time link's code — names its tenant
// (so the Worker knows whose object to ask) and carries a random secret; the tenant's object keeps
// only the secret's hash.
export interface Credential {
  tenant: string;
  secret: string;
}

const CREDENTIAL = /^([A-Za-z0-9_.-]{1,64})~([A-Za-z0-9_-]{43})$/;

export const formatCredential = ({ tenant, secret }: Credential) => `${tenant}~${secret}`;

/** The credential `text` spells, or undefined for anything else. */
export function parseCredential(text: string | null | undefined): Credential | undefined {
  const match = CREDENTIAL.exec(text ?? "");
  return match ? { tenant: match[1]!, secret: match[2]! } : undefined;
}
