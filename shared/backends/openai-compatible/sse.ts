// Server-sent events decoding (WHATWG HTML "Parsing an event stream") reduced to what chat streams
// use: the `data` of each event. Bytes may arrive split anywhere, inside a line or a UTF-8 character.
// Event names, ids and retry hints are ignored; chat-completion streams carry everything in `data`.

const LF = 10;
const CR = 13;

/** Feed it the body's byte chunks in order; it returns the data of every event they complete. */
export class SseDecoder {
  readonly #utf8 = new TextDecoder();
  /** The unterminated tail of the text so far. */
  #line = "";
  /** Data lines of the event being built. */
  #data: string[] = [];
  /** The text so far ended with CR, so a LF opening the next chunk ends no second line. */
  #afterCr = false;

  push(bytes: Uint8Array): string[] {
    return this.#feed(this.#utf8.decode(bytes, { stream: true }));
  }

  /** Ends the stream. Lenient: a last event without its closing blank line still counts. */
  end(): string[] {
    const out = this.#feed(this.#utf8.decode());
    if (this.#line) this.#onLine(this.#line, out);
    this.#line = "";
    this.#onLine("", out);
    return out;
  }

  #feed(text: string): string[] {
    const out: string[] = [];
    let start = 0;
    if (this.#afterCr && text.length > 0) {
      this.#afterCr = false;
      if (text.charCodeAt(0) === LF) start = 1;
    }
    for (let i = start; i < text.length; i++) {
      const c = text.charCodeAt(i);
      if (c !== LF && c !== CR) continue;
      this.#onLine(this.#line + text.slice(start, i), out);
      this.#line = "";
      if (c === CR) {
        if (i + 1 === text.length) this.#afterCr = true;
        else if (text.charCodeAt(i + 1) === LF) i++;
      }
      start = i + 1;
    }
    if (start < text.length) this.#line += text.slice(start);
    return out;
  }

  #onLine(line: string, out: string[]): void {
    if (line === "") {
      if (this.#data.length > 0) out.push(this.#data.join("\n"));
      this.#data = [];
      return;
    }
    const colon = line.indexOf(":");
    // A line starting with ":" is a comment (servers send them as keep-alives).
    if (colon === 0) return;
    const field = colon < 0 ? line : line.slice(0, colon);
    if (field !== "data") return;
    const value = colon < 0 ? "" : line.slice(colon + 1);
    this.#data.push(value.startsWith(" ") ? value.slice(1) : value);
  }
}
