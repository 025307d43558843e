// The path rule the Worker places runs by and the runner checks its roots with (shared code in
// shared/protocol/paths.ts): normal forms, and which path lies within which root.
import { describe, expect, it } from "vitest";
import { isPathWithin, normalizeAbsolutePath } from "../../shared/protocol/paths.ts";

describe("isPathWithin", () => {
  it.each([
    ["/a/b", "/a/b", true],
    ["/a/b/c", "/a/b", true],
    ["/a/bc", "/a/b", false],
    ["/a", "/a/b", false],
    ["/a/b/", "/a/b", true],
    ["/a/b", "/a/b/", true],
    ["/a/b//c/./d", "/a/b/c", true],
    ["/a/b/../c", "/a/b", false],
    ["/a/b/../b/c", "/a/b", true],
    ["/a/b/c/..", "/a/b", true],
    ["/../../a/b", "/a", true],
    ["/etc", "/", true],
    ["/", "/a", false],
    ["/A/b", "/a", false],
    // On POSIX a backslash is part of a name, not a separator.
    ["/a\\b", "/a", false],
    ["/a\\b/c", "/a\\b", true],
    ["a/b", "/", false],
    ["/a/b", "a", false],
    ["", "/", false],
    ["C:\\src\\repo", "C:\\src", true],
    ["c:/SRC/repo", "C:\\src", true],
    ["C:\\srcx", "C:\\src", false],
    ["D:\\src", "C:\\src", false],
    ["C:\\src", "/src", false],
    ["C:\\src\\..\\x", "C:\\src", false],
  ])("%j within %j: %s", (path, root, expected) => {
    expect(isPathWithin(path, root)).toBe(expected);
  });
});

describe("normalizeAbsolutePath", () => {
  it.each([
    ["/a/b/", "/a/b"],
    ["//a///b/./c/../d", "/a/b/d"],
    ["/..", "/"],
    ["/", "/"],
    ["c:/Users/dev/", "C:\\Users\\dev"],
    ["C:\\", "C:\\"],
    ["relative/dir", undefined],
    ["C:relative", undefined],
    ["~/src", undefined],
  ])("%j → %j", (path, expected) => {
    expect(normalizeAbsolutePath(path)).toBe(expected);
  });
});
