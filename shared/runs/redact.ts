// Keeps secrets given in backend_config out of everything stored or shown. A secret is matched by
// its exact text and by the forms it takes when echoed back (JSON-escaped, whitespace collapsed,
// base64, percent-encoded); every character any match covers is replaced. Text that arrives in
// pieces (streamed deltas, chunks) goes through a TextStream, which holds back a tail that could
// still become a secret. Which event fields form one stream is run-redactor.ts.

/** Shorter values are not redacted: they would match ordinary text. Defined for every redactor. */
export const MIN_SECRET_LENGTH = 4;
/** Encoded forms are looked for only from this length of the secret. */
export const MIN_ENCODED_LENGTH = 8;
export const REDACTED = "[redacted]";

/** The string values inside a secrets object (header values, tokens, keys). */
export function secretValues(secrets: Record<string, unknown>): string[] {
  const out: string[] = [];
  const visit = (v: unknown) => {
    if (typeof v === "string" && v.length >= MIN_SECRET_LENGTH) out.push(v);
    else if (v && typeof v === "object") Object.values(v).forEach(visit);
  };
  visit(secrets);
  return [...new Set(out)];
}

const toBase64 = (bytes: Uint8Array): string => btoa(String.fromCharCode(...bytes));
const urlSafe = (b64: string): string => b64.replace(/\+/g, "-").replace(/\//g, "_");

/**
 * The base64 text of `value` wherever it sits in an encoded blob: for each of the 3 byte offsets,
 * only the characters that depend on the value's bytes alone; plus the whole padded encoding.
 */
function base64Forms(value: string): string[] {
  const bytes = new TextEncoder().encode(value);
  const out = [toBase64(bytes)];
  for (let offset = 0; offset < 3; offset++) {
    const shifted = new Uint8Array(offset + bytes.length);
    shifted.set(bytes, offset);
    const encoded = toBase64(shifted);
    out.push(encoded.slice(Math.ceil((8 * offset) / 6), Math.floor((8 * shifted.length) / 6)));
  }
  return out.flatMap((b64) => [b64, urlSafe(b64)]);
}

function percentForms(value: string): string[] {
  const component = encodeURIComponent(value);
  const form = new URLSearchParams({ v: value }).toString().slice(2);
  const lowerHex = (s: string) => s.replace(/%[0-9A-F]{2}/g, (h) => h.toLowerCase());
  return [component, form, lowerHex(component), lowerHex(form)];
}

/** Every text that stands for `value`: exact first, then its echoed and encoded forms. */
export function secretForms(value: string): string[] {
  const forms = [value, JSON.stringify(value).slice(1, -1), value.replace(/\s+/g, " ").trim()];
  if (value.length >= MIN_ENCODED_LENGTH) forms.push(...base64Forms(value), ...percentForms(value));
  return [...new Set(forms)].filter((f) => f.length >= MIN_SECRET_LENGTH);
}

type Span = [start: number, end: number];

/**
 * A kind of secret known by its shape rather than its value (a run token, whose value the Worker
 * keeps only hashed): every match of `regex` (global) is covered; `prefix` starts every match and
 * `maxLength` bounds it, so a streamed tail that could still become one is held back.
 */
export interface SecretShape {
  regex: RegExp;
  prefix: string;
  maxLength: number;
}

/** Redacts with a fixed set of secrets (and shapes of secrets); build once per run. */
export class Redactor {
  readonly #forms: string[];
  readonly #shapes: readonly SecretShape[];
  /** Length of the longest form or shape (UTF-16 code units). */
  readonly longest: number;

  constructor(values: readonly string[], shapes: readonly SecretShape[] = []) {
    const forms = values.filter((v) => v.length >= MIN_SECRET_LENGTH).flatMap(secretForms);
    this.#forms = [...new Set(forms)].sort((a, b) => b.length - a.length);
    this.#shapes = shapes;
    this.longest = Math.max(this.#forms[0]?.length ?? 0, ...shapes.map((s) => s.maxLength));
  }

  get empty(): boolean {
    return this.#forms.length === 0 && this.#shapes.length === 0;
  }

  text(text: string): string {
    return this.empty ? text : render(text, this.covered(text));
  }

  /** `text` redacted as it reads after `left` (raw text before it in the same stream). */
  after(left: string, text: string): string {
    if (this.empty) return text;
    const spans = this.covered(left + text)
      .filter(([, end]) => end > left.length)
      .map(([s, e]): Span => [Math.max(0, s - left.length), e - left.length]);
    return render(text, spans);
  }

  /** A copy of `value` with every secret occurrence in its strings replaced. */
  deep<T>(value: T): T {
    if (this.empty) return value;
    const walk = (v: unknown): unknown => {
      if (typeof v === "string") return this.text(v);
      if (Array.isArray(v)) return v.map(walk);
      if (v && typeof v === "object")
        return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, walk(x)]));
      return v;
    };
    return walk(value) as T;
  }

  /** The spans of `text` any form covers, overlapping ones merged, in order. */
  covered(text: string): Span[] {
    const spans: Span[] = [];
    for (const form of this.#forms) {
      for (let i = text.indexOf(form); i !== -1; i = text.indexOf(form, i + 1))
        spans.push([i, i + form.length]);
    }
    for (const { regex } of this.#shapes)
      for (const m of text.matchAll(regex)) spans.push([m.index, m.index + m[0].length]);
    spans.sort((a, b) => a[0] - b[0]);
    const merged: Span[] = [];
    for (const span of spans) {
      const last = merged.at(-1);
      if (last && span[0] < last[1]) last[1] = Math.max(last[1], span[1]);
      else merged.push([...span]);
    }
    return merged;
  }

  /** Where the earliest tail of `text` begins that is a proper prefix of a form, if any. */
  pendingFrom(text: string): number | undefined {
    for (let s = Math.max(0, text.length - this.longest + 1); s < text.length; s++) {
      const first = text.charCodeAt(s);
      const rest = text.length - s;
      // The first character rules out most forms before any slice is made.
      const could = this.#forms.some(
        (f) => f.length > rest && f.charCodeAt(0) === first && f.startsWith(text.slice(s)),
      );
      if (could || this.#shapeMayStartAt(text, s)) return s;
    }
    return undefined;
  }

  /** Whether a shape's match could begin at `s` and run past the end of `text`. */
  #shapeMayStartAt(text: string, s: number): boolean {
    const tail = text.slice(s);
    return this.#shapes.some(
      ({ prefix, maxLength }) =>
        tail.length < maxLength && (prefix.startsWith(tail) || (tail.startsWith(prefix) && !/\s/.test(tail))),
    );
  }
}

function render(text: string, spans: readonly Span[]): string {
  let out = "";
  let at = 0;
  for (const [start, end] of spans) {
    out += text.slice(at, start) + REDACTED;
    at = end;
  }
  return out + text.slice(at);
}

/**
 * One text arriving in pieces. Each piece comes back redacted as the whole text will read; a tail
 * that could still become a secret with the next piece is held back and comes first in that one.
 */
export class TextStream {
  readonly #r: Redactor;
  #held = "";

  constructor(redactor: Redactor) {
    this.#r = redactor;
  }

  /** The raw text received and not yet returned. */
  get held(): string {
    return this.#held;
  }

  /** The piece redacted; `last` returns everything held too. */
  push(piece: string, last = false): string {
    if (this.#r.empty) return piece;
    const text = this.#held + piece;
    const spans = this.#r.covered(text);
    let cut = last ? text.length : (this.#r.pendingFrom(text) ?? text.length);
    // A match across the cut is held whole, so it is replaced in one piece.
    for (const [start, end] of spans) if (start < cut && cut < end) cut = start;
    this.#held = text.slice(cut);
    return render(
      text.slice(0, cut),
      spans.filter(([, end]) => end <= cut),
    );
  }

  /** Forgets what is held (the piece it belonged to was restated whole). */
  reset(): void {
    this.#held = "";
  }
}
