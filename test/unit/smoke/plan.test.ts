import { describe, expect, it } from "vitest";
import { containerPortOf, describeSmokeFailure, envFileText, smokeRunArgv } from "../../../src/smoke/plan.js";

describe("smokeRunArgv", () => {
  it("bridge publishes the container port on 127.0.0.1 only (a loopback bind inside the container is then unreachable)", () => {
    expect(
      smokeRunArgv({
        image: "app:1",
        name: "n",
        network: "bridge",
        containerPort: 8000,
        hostPort: 49152,
        envFile: "/t/env",
      }),
    ).toEqual([
      "run",
      "-d",
      "--name",
      "n",
      "--label",
      "cf-containers-deploy.smoke=1",
      "--env-file",
      "/t/env",
      "-p",
      "127.0.0.1:49152:8000",
      "app:1",
    ]);
  });

  it("host uses the host network and publishes nothing", () => {
    const argv = smokeRunArgv({ image: "app:1", name: "n", network: "host", containerPort: 8000 });
    expect(argv).toEqual([
      "run",
      "-d",
      "--name",
      "n",
      "--label",
      "cf-containers-deploy.smoke=1",
      "--network",
      "host",
      "app:1",
    ]);
    expect(argv).not.toContain("-p");
  });
});

describe("containerPortOf", () => {
  it.each([
    [8000, [9000], 8000, /defaultPort/],
    [undefined, [9000, 9001], 9000, /EXPOSE/],
    [undefined, [], 8080, /default/],
  ])("defaultPort %j, EXPOSE %j → %i", (dp, exposed, port, from) => {
    const r = containerPortOf(dp, exposed);
    expect(r.port).toBe(port);
    expect(r.from).toMatch(from);
  });
});

describe("envFileText", () => {
  it("writes NAME=value lines and reports (by name only) values docker's env-file cannot carry", () => {
    const r = envFileText([
      { name: "A", value: "1" },
      { name: "B", value: "x=y with spaces" },
      { name: "PEM", value: "line1\nline2" },
    ]);
    expect(r.text).toBe("A=1\nB=x=y with spaces\n");
    expect(r.skipped).toEqual(["PEM"]);
    expect(envFileText([]).text).toBe("");
  });
});

describe("describeSmokeFailure", () => {
  const base = {
    healthy: false,
    attempts: 5,
    exited: false,
    url: "http://127.0.0.1:1/api/health",
    expectStatus: 200,
    seconds: 60,
    network: "bridge" as const,
  };
  it("crash", () => {
    expect(describeSmokeFailure({ ...base, exited: true, exitCode: 3 })).toMatch(
      /exited \(code 3\).*crashed on start/,
    );
  });
  it("wrong status", () => {
    expect(describeSmokeFailure({ ...base, lastStatus: 404 })).toMatch(/answered 404, not 200/);
  });
  it("never answered: bridge mentions the loopback bind", () => {
    expect(describeSmokeFailure({ ...base, lastError: "ECONNRESET" })).toMatch(
      /nothing answered .* within 60 s .*ECONNRESET.*127\.0\.0\.1 inside the container/,
    );
    expect(describeSmokeFailure({ ...base, network: "host" })).toMatch(/listens on 0\.0\.0\.0/);
  });
});
