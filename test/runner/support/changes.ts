// Event-driven waiting for tests: whoever changes state calls `notify`; `until` re-checks then, and
// fails after a timeout with what it was waiting for. No polling, no sleeps.

export class Changes {
  readonly #watchers = new Set<() => void>();

  notify(): void {
    for (const watch of [...this.#watchers]) watch();
  }

  until(check: () => boolean, what: string, timeoutMs = 5000): Promise<void> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#watchers.delete(watch);
        reject(new Error(`timed out waiting for ${what}`));
      }, timeoutMs);
      const watch = () => {
        if (!check()) return;
        clearTimeout(timer);
        this.#watchers.delete(watch);
        resolve();
      };
      this.#watchers.add(watch);
      watch();
    });
  }
}
