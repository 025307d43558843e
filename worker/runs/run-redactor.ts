// A run's redaction of what it stores: which event fields continue one text across events
// (messages, reasoning, each artifact's chunks) and so are redacted as a stream, and which restate
// such a text whole (final_response, a question, a reason). The matching rule is redact.ts.
import type { NewEvent } from "../../shared/runs/events.ts";
import { Redactor, TextStream, secretValues, type SecretShape } from "../../shared/runs/redact.ts";
import { statusAfter } from "../../shared/runs/status.ts";

/** One stream's state: the redactor's and what a field restating its last piece needs. */
interface Stream {
  text: TextStream;
  /** Raw text of the stream before its last piece (at most the longest form's length). */
  before: string;
  /** Raw text of the last piece. */
  last: string;
  /** Whether the last piece was a streamed partial (restated by the next whole message). */
  partial: boolean;
}

/** Fields of ending events that repeat the message stream's last piece. */
const RESTATING_FIELDS = ["final_response", "message", "reason"] as const;

export class RunRedactor {
  readonly #r: Redactor;
  readonly #streams = new Map<string, Stream>();

  constructor(secrets: Record<string, unknown>, shapes: readonly SecretShape[] = []) {
    this.#r = new Redactor(secretValues(secrets), shapes);
  }

  /** Redacts any value standalone (refs, checkpoints). */
  deep<T>(value: T): T {
    return this.#r.deep(value);
  }

  /**
   * The events to store for `event`, redacted: usually one; an event ending the run's turn is
   * preceded by the held tails of its artifacts, each as a last chunk.
   */
  event(event: NewEvent): NewEvent[] {
    if (this.#r.empty) return [event];
    const { type, data } = event;
    if (type === "agent_message" || type === "reasoning") {
      if (typeof data.text !== "string") return [{ type, data: this.#r.deep(data) }];
      const stream = this.#stream(type);
      const partial = data.partial === true;
      // A whole message after partials restates them: what they held is in it.
      if (!partial && stream.partial) this.#restart(stream);
      const { text: _raw, ...rest } = data;
      return [{ type, data: { ...this.#r.deep(rest), text: this.#piece(stream, data.text, partial) } }];
    }
    if (type === "artifact_added" && typeof data.artifact_id === "string") {
      return [{ type, data: this.#artifact(data) }];
    }
    const clean = this.#r.deep(data);
    const ending = statusAfter(event);
    if (!ending || ending === "running") return [{ type, data: clean }];
    const message = this.#streams.get("agent_message");
    if (message) {
      const restated = this.#r.after(message.before, message.last);
      for (const field of RESTATING_FIELDS) if (data[field] === message.last) clean[field] = restated;
      const error = data.error as { message?: unknown } | undefined;
      if (error?.message === message.last) clean.error = { ...(clean.error as object), message: restated };
    }
    // The turn is over: what the message streams hold is in the fields restating them.
    this.#streams.delete("agent_message");
    this.#streams.delete("reasoning");
    return [...this.#endArtifacts(), { type, data: clean }];
  }

  #stream(key: string): Stream {
    let stream = this.#streams.get(key);
    if (!stream) {
      stream = { text: new TextStream(this.#r), before: "", last: "", partial: false };
      this.#streams.set(key, stream);
    }
    return stream;
  }

  #restart(stream: Stream): void {
    stream.text.reset();
    stream.before = "";
    stream.last = "";
  }

  #piece(stream: Stream, raw: string, partial: boolean, last = false): string {
    stream.before = (stream.before + stream.last).slice(-this.#r.longest);
    stream.last = raw;
    stream.partial = partial;
    return stream.text.push(raw, last);
  }

  /** An artifact chunk: its text parts continue the artifact's text; `text` mirrors them. */
  #artifact(data: Record<string, unknown>): Record<string, unknown> {
    const key = `artifact:${String(data.artifact_id)}`;
    const stream = this.#stream(key);
    // A chunk that does not append replaces the artifact.
    if (data.append !== true) this.#restart(stream);
    const last = data.last_chunk === true;
    const parts = Array.isArray(data.parts) ? (data.parts as unknown[]) : [];
    const texts: string[] = [];
    const textIndexes = parts.flatMap((p, i) => (isTextPart(p) ? [i] : []));
    const cleanParts = parts.map((p, i) => {
      if (!isTextPart(p)) return this.#r.deep(p);
      const text = this.#piece(stream, p.text, false, last && i === textIndexes.at(-1));
      texts.push(text);
      return { ...this.#r.deep(p), text };
    });
    const { text: _raw, parts: _parts, ...rest } = data;
    const clean: Record<string, unknown> = { ...this.#r.deep(rest), parts: cleanParts };
    if (typeof data.text === "string")
      clean.text = textIndexes.length ? texts.join("\n") : this.#r.text(data.text);
    if (last) this.#streams.delete(key);
    return clean;
  }

  /** Artifacts still open when the turn ends: their held tails, as last chunks. */
  #endArtifacts(): NewEvent[] {
    const out: NewEvent[] = [];
    for (const [key, stream] of this.#streams) {
      if (!key.startsWith("artifact:")) continue;
      this.#streams.delete(key);
      const tail = stream.text.push("", true);
      if (!tail) continue;
      const artifact_id = key.slice("artifact:".length);
      out.push({
        type: "artifact_added",
        data: {
          artifact_id,
          text: tail,
          parts: [{ kind: "text", text: tail }],
          append: true,
          last_chunk: true,
        },
      });
    }
    return out;
  }
}

const isTextPart = (p: unknown): p is { kind: "text"; text: string } =>
  !!p &&
  typeof p === "object" &&
  (p as { kind?: unknown }).kind === "text" &&
  typeof (p as { text?: unknown }).text === "string";
