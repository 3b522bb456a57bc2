import { describe, expect, it } from "vitest";
import {
  isPreviewNameOf,
  MAX_NAME_LENGTH,
  previewContainerName,
  previewNumberOf,
  previewWorkerName,
  resolvePreviewNames,
  sanitizeName,
} from "../../../src/deploy/preview.js";
import { UsageError } from "../../../src/errors.js";

describe("sanitizeName", () => {
  it.each([
    ["my-app", "my-app"],
    ["My_App", "my-app"],
    ["my..app", "my-app"],
    ["--a--b--", "a-b"],
    ["Ünïcode Näme", "n-code-n-me"],
    ["a/b:c", "a-b-c"],
    ["", ""],
  ])("%j → %j", (input, expected) => {
    expect(sanitizeName(input)).toBe(expected);
  });
});

describe("previewWorkerName", () => {
  it.each([
    ["fastapi-backend", 12, "fastapi-backend-pr-12"],
    ["FastAPI_Backend", 3, "fastapi-backend-pr-3"],
    ["a--b", 1, "a-b-pr-1"],
    ["-lead-", 9, "lead-pr-9"],
    ["___", 4, "worker-pr-4"],
  ])("%j, PR %i → %j", (base, n, expected) => {
    expect(previewWorkerName(base, n)).toBe(expected);
  });

  it("cuts the base so the whole name is at most 63 characters, never leaving a dash before -pr-", () => {
    const base = `${"a".repeat(50)}-${"b".repeat(30)}`;
    const name = previewWorkerName(base, 12345);
    expect(name.length).toBeLessThanOrEqual(MAX_NAME_LENGTH);
    expect(name.endsWith("-pr-12345")).toBe(true);
    expect(name).not.toContain("--");
    const dashAtCut = previewWorkerName(`${"a".repeat(57)}-bbbb`, 1);
    expect(dashAtCut).toBe(`${"a".repeat(57)}-pr-1`);
  });
});

describe("previewContainerName", () => {
  it("is <preview worker>-<class lowercased> when it fits", () => {
    expect(previewContainerName("fastapi-backend", 12, "Backend")).toBe("fastapi-backend-pr-12-backend");
    expect(previewContainerName("app", 1, "My_Container")).toBe("app-pr-1-my-container");
  });

  it("cuts the base, never the -pr-<n> marker, so long names of two PRs stay distinct", () => {
    const base = "x".repeat(60);
    const a = previewContainerName(base, 1, "Backend");
    const b = previewContainerName(base, 2, "Backend");
    for (const n of [a, b]) {
      expect(n.length).toBeLessThanOrEqual(MAX_NAME_LENGTH);
      expect(n.endsWith("-backend")).toBe(true);
    }
    expect(a).toContain("-pr-1-");
    expect(b).toContain("-pr-2-");
    expect(a).not.toBe(b);
  });

  it("cuts a class name that alone would not fit", () => {
    const n = previewContainerName("app", 7, "C".repeat(100));
    expect(n.length).toBeLessThanOrEqual(MAX_NAME_LENGTH);
    expect(n).toMatch(/^a-pr-7-c+$/);
  });
});

describe("preview name checks", () => {
  it.each([
    ["app-pr-12", 12, true],
    ["app-pr-12", 1, false],
    ["app-pr-112", 12, false],
    ["-pr-12", 12, false],
    ["app", 12, false],
  ])("isPreviewNameOf(%j, %i) = %j", (name, n, expected) => {
    expect(isPreviewNameOf(name, n)).toBe(expected);
  });

  it.each([
    ["app-pr-12", 12],
    ["app-pr-x", undefined],
    ["app", undefined],
    ["-pr-3", undefined],
  ])("previewNumberOf(%j) = %j", (name, expected) => {
    expect(previewNumberOf(name)).toBe(expected);
  });
});

describe("resolvePreviewNames (shared by deploy and destroy)", () => {
  const long = "a".repeat(70);
  it.each([
    ["api", 5, "api-pr-5", "api-pr-5-backend"],
    ["Api", 5, "api-pr-5", "api-pr-5-backend"],
    // already this PR's preview name (after sanitising): taken as is, no double suffix
    ["api-pr-5", 5, "api-pr-5", "api-pr-5-backend"],
    ["API_PR_5", 5, "api-pr-5", "api-pr-5-backend"],
    ["api-pr-05", 5, "api-pr-5", "api-pr-5-backend"],
    ["api-pr-7-pr-5", 5, "api-pr-7-pr-5", "api-pr-7-pr-5-backend"],
    ["api-pr-5-pr-5", 5, "api-pr-5-pr-5", "api-pr-5-pr-5-backend"],
    // not a preview name: nothing before -pr-, or no -pr- marker at the end
    ["pr-5", 5, "pr-5-pr-5", "pr-5-pr-5-backend"],
    ["api-pr-5x", 5, "api-pr-5x-pr-5", "api-pr-5x-pr-5-backend"],
    ["api-pr-", 5, "api-pr-pr-5", "api-pr-pr-5-backend"],
    // a long preview name is cut like any other base, the -pr-<n> kept
    [`${long}-pr-5`, 5, previewWorkerName(long, 5), previewContainerName(long, 5, "Backend")],
  ])("%j, PR %i → %j, %j", (base, n, worker, container) => {
    const names = resolvePreviewNames(base, n, ["Backend"]);
    expect(names.workerName).toBe(worker);
    expect(names.containerNames).toEqual([container]);
    expect(names.workerName.length).toBeLessThanOrEqual(MAX_NAME_LENGTH);
    expect(isPreviewNameOf(names.workerName, n)).toBe(true);
  });

  it.each([
    ["api-pr-7", 5, undefined, /preview name of PR #7, but this run is about PR #5/],
    ["Api PR 7", 5, undefined, /preview name of PR #7, but this run is about PR #5/],
    ["api-pr-50", 5, undefined, /preview name of PR #50, but this run is about PR #5/],
    ["api-pr-5", 5, "api-pr-5", /production Worker's name/],
    ["api", 5, "API_pr_5", /production Worker's name/],
  ])("refuses base %j on PR %i (production %j) with a usage error", (base, n, production, message) => {
    let error: unknown;
    try {
      resolvePreviewNames(base, n, ["Backend"], production);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(UsageError);
    expect((error as UsageError).message).toMatch(message);
    expect((error as UsageError).hint).toBeTruthy();
  });
});
