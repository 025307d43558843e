// Everything the dashboard's browser app talks to under /dashboard/, and the app itself (mounted last).
import { Hono } from "hono";
import type { Env } from "../env.ts";
import { appAssetRoutes } from "./app-assets.ts";
import { liveRoutes } from "./live-routes.ts";
import { oauthSigninRoutes } from "./oauth-signin.ts";
import { signinRoutes } from "./signin-routes.ts";
import { toolRoutes } from "./tool-routes.ts";

export const dashboardRoutes = new Hono<{ Bindings: Env }>();
dashboardRoutes.route("/", signinRoutes);
dashboardRoutes.route("/", oauthSigninRoutes);
dashboardRoutes.route("/", toolRoutes);
dashboardRoutes.route("/", liveRoutes);

export { appAssetRoutes };
