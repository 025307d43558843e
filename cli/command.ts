// What a command is: its name, usage text, and a run from argv to an exit code. `withSwitchyard`
// opens the one client a command uses and closes it whatever happens.
import { connectionOf } from "./args.ts";
import { connectSwitchyard, type Switchyard } from "./client.ts";
import type { Output } from "./output.ts";

export interface Context {
  env: Record<string, string | undefined>;
  out: Output;
}

export interface Command {
  name: string;
  /** Usage lines shown by --help and in the overview. */
  usage: string;
  run(argv: string[], ctx: Context): Promise<number>;
}

/** Connects with the command's --url/--token (or the environment), runs `use`, closes. */
export async function withSwitchyard<T>(
  values: { url?: string; token?: string },
  ctx: Context,
  use: (sy: Switchyard) => Promise<T>,
): Promise<T> {
  const { url, token } = connectionOf(values, ctx.env);
  const sy = await connectSwitchyard(url, token);
  try {
    return await use(sy);
  } finally {
    await sy.close();
  }
}
