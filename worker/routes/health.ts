// GET /health: liveness for deploy checks; says nothing about tenants.
import { Hono } from "hono";

export const healthRoutes = new Hono().get("/health", (c) => c.json({ ok: true, service: "switchyard" }));
