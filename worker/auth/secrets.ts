// Random secrets and the one-way hash kept in their place: a credential's SHA-256 is stored, never the
// credential itself, so what storage holds cannot be replayed.

/** The hex SHA-256 of `text`. */
export async function sha256Hex(text: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join("");
}

/** Bytes as unpadded base64url. */
export const base64url = (bytes: Uint8Array) =>
  btoa(String.fromCharCode(...bytes))
    .replace(/\+/g, "-")
    .replace(/\//g, "_")
    .replace(/=+$/, "");

/** 32 random bytes as base64url (43 characters). */
export const randomSecret = () => base64url(crypto.getRandomValues(new Uint8Array(32)));
