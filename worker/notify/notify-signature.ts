// How a delivery is signed: HMAC-SHA256 with the run's notify secret over "<timestamp>.<body>",
// sent as `Switchyard-Signature: v1=<hex>` beside the delivery id and the timestamp (unix seconds).
// Web Crypto only, so it runs in the Worker.

const encoder = new TextEncoder();

/** `v1=<hex HMAC-SHA256 of "<timestamp>.<body>">` under `secret`. */
export async function signDelivery(secret: string, timestamp: number, body: string): Promise<string> {
  const key = await crypto.subtle.importKey(
    "raw",
    encoder.encode(secret),
    { name: "HMAC", hash: "SHA-256" },
    false,
    ["sign"],
  );
  const mac = await crypto.subtle.sign("HMAC", key, encoder.encode(`${timestamp}.${body}`));
  return `v1=${Array.from(new Uint8Array(mac), (b) => b.toString(16).padStart(2, "0")).join("")}`;
}

/** The headers of one delivery attempt sent at `nowMs` (epoch ms). */
export async function deliveryHeaders(
  secret: string,
  deliveryId: string,
  body: string,
  nowMs: number,
): Promise<Record<string, string>> {
  const timestamp = Math.floor(nowMs / 1000);
  return {
    "content-type": "application/json",
    "switchyard-delivery": deliveryId,
    "switchyard-timestamp": String(timestamp),
    "switchyard-signature": await signDelivery(secret, timestamp, body),
  };
}
