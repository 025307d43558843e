// The redaction rule (shared/runs/redact.ts) and a run's streams (worker/runs/run-redactor.ts):
// exact text, echoed and encoded forms, overlaps, and secrets split across pieces at every point.
import { describe, expect, it } from "vitest";
import { MIN_SECRET_LENGTH, REDACTED, Redactor, TextStream } from "../../shared/runs/redact.ts";
import { RUN_TOKEN_SHAPE, formatRunToken } from "../../shared/runs/run-token.ts";
import { RunRedactor } from "../../worker/runs/run-redactor.ts";

const SECRET = "SWYD-SECRET-k3y  with\ttabs";
const r = new Redactor([SECRET]);

/** Every way of cutting `text` into `n` non-empty pieces. */
function cuts(text: string, n: number): string[][] {
  if (n === 1) return [[text]];
  const out: string[][] = [];
  for (let i = 1; i <= text.length - n + 1; i++)
    for (const rest of cuts(text.slice(i), n - 1)) out.push([text.slice(0, i), ...rest]);
  return out;
}

describe("the redaction rule", () => {
  it("matches the exact text, whitespace and all, and the forms it is echoed in", () => {
    expect(r.text(`a ${SECRET} b`)).toBe(`a ${REDACTED} b`);
    expect(r.text(JSON.stringify({ auth: SECRET }))).toBe(`{"auth":"${REDACTED}"}`);
    expect(r.text("SWYD-SECRET-k3y with tabs!")).toBe(`${REDACTED}!`);
    // Nothing of the secret survives next to a match: not the part after its first spaces.
    expect(r.text(`x${SECRET}`)).not.toContain("with");
  });

  it("catches base64 (standard, url-safe, at every byte offset) and percent-encoded forms", () => {
    const bytes = (s: string) => new TextEncoder().encode(s);
    const b64 = (s: string) => btoa(String.fromCharCode(...bytes(s)));
    const encodings = [
      b64(SECRET),
      b64(`u:${SECRET}`),
      b64(`x${SECRET}`),
      b64(`xy${SECRET}zz`),
      b64(`xy${SECRET}`).replace(/\+/g, "-").replace(/\//g, "_"),
      encodeURIComponent(SECRET),
      new URLSearchParams({ k: SECRET }).toString(),
    ];
    for (const encoded of encodings) {
      const out = r.text(`Authorization: Basic ${encoded};`);
      expect(out, encoded).toContain(REDACTED);
      // At most the few characters that also encode the neighbouring bytes are left.
      expect(out.length, encoded).toBeLessThan(`Authorization: Basic ;`.length + REDACTED.length + 8);
    }
  });

  it("replaces a secret containing another whole, and overlapping secrets as one", () => {
    const nested = new Redactor(["abcdEFGH", "abcdEFGHijkl"]);
    expect(nested.text("xx abcdEFGHijkl yy abcdEFGH")).toBe(`xx ${REDACTED} yy ${REDACTED}`);
    const overlapping = new Redactor(["aaaaBBBB", "BBBBcccc"]);
    expect(overlapping.text("-aaaaBBBBcccc-")).toBe(`-${REDACTED}-`);
  });

  it("leaves values shorter than the minimum alone, and encodes only secrets of 8 or more", () => {
    const short = "x".repeat(MIN_SECRET_LENGTH - 1);
    expect(new Redactor([short]).text(`a${short}b`)).toBe(`a${short}b`);
    expect(new Redactor(["wxyz"]).text("awxyzb")).toBe(`a${REDACTED}b`);
    expect(new Redactor(["wxyz"]).text(btoa("wxyz"))).toBe(btoa("wxyz"));
  });
});

describe("a secret split across pieces", () => {
  const text = `before ${SECRET} after`;
  for (const n of [2, 3]) {
    it(`is redacted at every split point into ${n} pieces`, () => {
      const all = cuts(text, n);
      expect(all.length).toBeGreaterThan(20);
      for (const pieces of all) {
        const stream = new TextStream(r);
        const out = pieces.map((p, i) => stream.push(p, i === pieces.length - 1));
        expect(out.join(""), JSON.stringify(pieces)).toBe(`before ${REDACTED} after`);
      }
    });
  }

  it("is redacted when every character is its own piece", () => {
    const stream = new TextStream(r);
    const out = [...text].map((ch) => stream.push(ch));
    out.push(stream.push("", true));
    expect(out.join("")).toBe(`before ${REDACTED} after`);
    // Nothing of the secret was returned before the piece completing it arrived.
    expect(out.some((p) => p.includes("SWYD"))).toBe(false);
  });

  it("is redacted across base64 pieces", () => {
    const encoded = btoa(`user:${SECRET}`);
    for (const pieces of cuts(encoded, 2)) {
      const stream = new TextStream(r);
      const joined = pieces.map((p, i) => stream.push(p, i === 1)).join("");
      expect(joined, JSON.stringify(pieces)).toBe(new Redactor([SECRET]).text(encoded));
    }
  });
});

describe("a run token, known by its shape", () => {
  const token = formatRunToken(
    { tenant: "acme.dev", run_id: `run_${"a1".repeat(10)}z` },
    "Q".repeat(42) + "w",
  );
  const shaped = new Redactor([], [RUN_TOKEN_SHAPE]);

  it("is redacted wherever it stands, and text of the prefix alone is left", () => {
    expect(shaped.text(`Bearer ${token}\nnext`)).toBe(`Bearer ${REDACTED}\nnext`);
    expect(shaped.text(JSON.stringify({ env: `T=${token}` }))).toBe(`{"env":"T=${REDACTED}"}`);
    expect(shaped.text("syrun~ is a prefix, syrun~acme~run_x~short is no token")).toBe(
      "syrun~ is a prefix, syrun~acme~run_x~short is no token",
    );
  });

  it("is redacted at every split point into 2 pieces, none of it returned early", () => {
    const text = `token=${token} done`;
    for (const pieces of cuts(text, 2)) {
      const stream = new TextStream(shaped);
      const out = pieces.map((p, i) => stream.push(p, i === 1));
      expect(out.join(""), JSON.stringify(pieces)).toBe(`token=${REDACTED} done`);
      expect(out[0]!.includes("QQQQ"), JSON.stringify(pieces)).toBe(false);
    }
  });
});

describe("a run's streams", () => {
  const secrets = { secrets: { api_key: SECRET } };
  const joinedText = (events: { data: Record<string, unknown> }[]) =>
    events.map((e) => String(e.data.text ?? "")).join("");

  it("redacts streamed partials, the whole message and final_response", () => {
    const run = new RunRedactor(secrets);
    const whole = `key: ${SECRET}.`;
    for (const pieces of cuts(whole, 2)) {
      const partials = pieces.flatMap((text, index) =>
        run.event({ type: "agent_message", data: { text, partial: true, index } }),
      );
      const final = run.event({ type: "agent_message", data: { text: whole, partial: false } });
      const done = run.event({ type: "run_completed", data: { final_response: whole } });
      const all = [...partials, ...final, ...done];
      expect(JSON.stringify(all), JSON.stringify(pieces)).not.toContain("SWYD");
      expect(joinedText(partials) + final[0]!.data.text).not.toContain("SECRET");
      expect(done[0]!.data.final_response).toBe(`key: ${REDACTED}.`);
    }
  });

  it("redacts a secret split across whole messages and the final_response restating the last", () => {
    for (const [a, b] of cuts(`is ${SECRET}`, 2)) {
      const run = new RunRedactor(secrets);
      const events = [
        ...run.event({ type: "agent_message", data: { text: a, message_id: "m1" } }),
        ...run.event({ type: "agent_message", data: { text: b, message_id: "m2" } }),
        ...run.event({ type: "run_completed", data: { final_response: b } }),
      ];
      const stored = JSON.stringify(events);
      for (const fragment of ["SWYD-SECRET", "k3y", "tabs"])
        expect(stored, `${a}|${b}`).not.toContain(fragment);
    }
  });

  it("redacts artifact chunks per artifact, flushing what an unfinished artifact holds at the end", () => {
    const run = new RunRedactor(secrets);
    const chunk = (id: string, text: string, append: boolean) =>
      run.event({
        type: "artifact_added",
        data: { artifact_id: id, text, parts: [{ kind: "text", text }], append },
      });
    const events = [
      ...chunk("a", "one SWYD-SEC", false),
      ...chunk("b", "SWYD-SECRET-k3y", false),
      ...chunk("a", "RET-k3y  with\ttabs two", true),
      ...chunk("b", "  with\ttabs", true),
      ...chunk("a", " SWYD", true),
      ...run.event({ type: "run_completed", data: {} }),
    ];
    const textOf = (id: string) =>
      events
        .filter((e) => e.data.artifact_id === id)
        .map((e) => (e.data.parts as { text: string }[])[0]!.text)
        .join("");
    expect(textOf("a")).toBe(`one ${REDACTED} two SWYD`);
    expect(textOf("b")).toBe(REDACTED);
    expect(events.at(-2)).toMatchObject({ type: "artifact_added", data: { last_chunk: true, text: "SWYD" } });
    expect(events.filter((e) => e.type === "artifact_added")).toHaveLength(6);
  });
});
