// Teardown for one scenario: everything a scenario starts is registered here, and run.ts closes it
// in `finally` (last started, first stopped) whether the scenario ended, failed or ran out of time.

export class Cleanup {
  readonly #steps: { what: string; close: () => Promise<unknown> | unknown }[] = [];

  /** Registers how to stop something just started. */
  defer(what: string, close: () => Promise<unknown> | unknown): void {
    this.#steps.push({ what, close });
  }

  /** Runs every step once, newest first; a failing step is reported and the others still run. */
  async run(): Promise<void> {
    for (const step of this.#steps.splice(0).reverse()) {
      try {
        await step.close();
      } catch (error) {
        console.error(
          `bench: stopping ${step.what} failed: ${error instanceof Error ? error.message : error}`,
        );
      }
    }
  }
}
