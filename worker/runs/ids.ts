// Identifiers: run, session and agent message ids sort by creation time, then by randomness.
const ALPHABET = "0123456789abcdefghijklmnopqrstuvwxyz";

function random(n: number): string {
  const bytes = crypto.getRandomValues(new Uint8Array(n));
  return Array.from(bytes, (b) => ALPHABET[b % ALPHABET.length]).join("");
}

const stamp = (now: number) => now.toString(36).padStart(9, "0");

export const newRunId = (now = Date.now()) => `run_${stamp(now)}${random(12)}`;
export const newSessionId = (now = Date.now()) => `ses_${stamp(now)}${random(12)}`;
export const newMessageId = (now = Date.now()) => `msg_${stamp(now)}${random(12)}`;
export const newAgentName = (role: string) =>
  `${role
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .slice(0, 24)}-${random(6)}`;

export const RUN_ID_PATTERN = /^run_[0-9a-z]{21}$/;
