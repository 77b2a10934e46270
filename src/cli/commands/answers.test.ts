import { describe, expect, it } from "vitest";
import { runCli } from "../../../test/helpers/run-cli.js";

describe("gapfill answers check", () => {
  it("prints the verdict and both sides' normalised forms", async () => {
    const same = await runCli(["answers", "check", "(p,q)=(3,2)", "The answer is $\\boxed{(3, 2)}$."]);
    expect(same.code).toBe(0);
    expect(same.stdout).toMatch(/^verdict\s+equivalent$/m);
    expect(same.stdout).toMatch(/^gold normalised\s+\(3,2\)$/m);
    expect(same.stdout).toMatch(/^pred answer\s+\(3, 2\)\s+\(boxed\)$/m);

    const different = await runCli(["answers", "check", "10000", "9999.5"]);
    expect(different.code).toBe(0);
    expect(different.stdout).toMatch(/^verdict\s+different$/m);
    expect(different.stdout).toMatch(/^pred normalised\s+9999\.5$/m);
  });

  it("reads the extraction flags and prints JSON", async () => {
    const solution = "First \\boxed{1}, then on reflection \\boxed{2}.";
    const last = JSON.parse((await runCli(["answers", "check", "--json", "2", solution])).stdout) as { equivalent: boolean };
    const first = JSON.parse((await runCli(["answers", "check", "--json", "--boxes", "first", "2", solution])).stdout) as { equivalent: boolean; pred: { answer: string } };
    expect(last.equivalent).toBe(true);
    expect(first).toMatchObject({ equivalent: false, pred: { answer: "1" } });

    const prose = "The train's speed is 50 km/h";
    expect((await runCli(["answers", "check", "50", prose])).stdout).toMatch(/^verdict\s+different$/m);
    expect((await runCli(["answers", "check", "--last-number", "50", prose])).stdout).toMatch(/^pred answer\s+50\s+\(last-number\)$/m);
  });

  it("exits 2 naming the flag on a bad choice", async () => {
    const result = await runCli(["answers", "check", "--boxes", "middle", "1", "1"]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("--boxes must be one of last, first, all");
  });
});
