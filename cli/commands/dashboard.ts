// `switchyard dashboard`: the dashboard's address and a fresh one-time sign-in link for the token's
// tenant (ten minutes, one browser), so a person gets in without pasting the token anywhere.
import { connectionOf, parseFlags, positionals } from "../args.ts";
import type { Command } from "../command.ts";
import { mintSigninLink } from "../signin-link.ts";

export const dashboard: Command = {
  name: "dashboard",
  usage: "dashboard",
  async run(argv, ctx) {
    const { values, positionals: given } = parseFlags("dashboard", argv, {});
    positionals("dashboard", given, []);
    const { url, token } = connectionOf(values, ctx.env);
    const link = await mintSigninLink(url, token);
    ctx.out.stdout.write(
      `dashboard: ${link.dashboard}\nsign in (once, until ${link.expires_at}): ${link.url}\n`,
    );
    return 0;
  },
};
