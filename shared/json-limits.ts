// Limits on free-form JSON at the boundary: nesting depth and size, measured by a loop (never by
// recursion, so no input can overflow the stack while being checked), and the one zod schema every
// free-form tool field uses. Fields with a fixed shape are bounded by their own schemas instead.
import { z } from "zod";
import { toBytes } from "./runs/utf8.ts";

/** Most levels of objects/arrays in one free-form field; the field's own object is level 1. */
export const MAX_JSON_DEPTH = 64;

/** Which limit a value broke, if any. */
export type JsonExcess = { exceeded: "depth" | "bytes"; limit: number } | undefined;

/**
 * Walks `value` with an explicit stack, adding up the UTF-8 size of its JSON text, and stops at the
 * first container deeper than `maxDepth` or once the size passes `maxBytes`.
 */
export function jsonExcess(value: unknown, maxDepth: number, maxBytes: number): JsonExcess {
  const stack: { value: unknown; depth: number }[] = [{ value, depth: 0 }];
  let bytes = 0;
  for (let next = stack.pop(); next; next = stack.pop()) {
    const v = next.value;
    const depth = next.depth + 1;
    const container = v !== null && typeof v === "object";
    if (container && depth > maxDepth) return { exceeded: "depth", limit: maxDepth };
    const children = container ? (Array.isArray(v) ? v : Object.values(v)) : [];
    bytes += container ? 2 + Math.max(0, children.length - 1) : jsonBytes(v); // brackets and commas
    if (container && !Array.isArray(v)) for (const key of Object.keys(v)) bytes += jsonBytes(key) + 1;
    // Checked before the children are stacked, so a wide input cannot grow the stack past the budget.
    if (bytes > maxBytes) return { exceeded: "bytes", limit: maxBytes };
    for (const child of children) stack.push({ value: child, depth });
  }
  return undefined;
}

/** Adds an issue when `value` breaks a limit; the one place the limits' messages are worded. */
export function checkJsonLimits(
  value: unknown,
  ctx: z.RefinementCtx,
  limits: { maxBytes: number; maxDepth?: number; path?: string[] },
): void {
  const excess = jsonExcess(value, limits.maxDepth ?? MAX_JSON_DEPTH, limits.maxBytes);
  if (!excess) return;
  ctx.addIssue({
    code: "custom",
    path: limits.path,
    message:
      excess.exceeded === "depth"
        ? `expected JSON nested at most ${excess.limit} levels deep`
        : `expected at most ${excess.limit} bytes as JSON`,
  });
}

/**
 * A free-form JSON object field of at most `maxBytes` bytes and MAX_JSON_DEPTH levels. The record
 * is parsed one level only; the limits are checked before anything walks deeper.
 */
export const boundedJson = (maxBytes: number) =>
  z.record(z.string(), z.unknown()).superRefine((value, ctx) => checkJsonLimits(value, ctx, { maxBytes }));

/** Bytes of one scalar's JSON text (a value JSON cannot hold counts as `null`, as stringify writes it). */
const jsonBytes = (scalar: unknown): number => toBytes(JSON.stringify(scalar) ?? "null").length;
