import { describe, expect, it } from "vitest";
import { benchReliability } from "../../bench/reliability-bench.js";

/** The reliability benchmark at a small N: what `npm run bench -- reliability` measures, asserted. */
describe("reliability benchmark, small N", () => {
  it("random SIGKILLs during generate lose and double nothing; answers paid twice stay within those in flight", async () => {
    const [kills] = await benchReliability({ parts: ["kills"], kills: 3, budget: 8, latencyMs: 20 });
    expect(kills.figures["records in synthetic.jsonl"]).toBe(8);
    expect(kills.figures["records lost"]).toBe(0);
    expect(kills.figures["records duplicated"]).toBe(0);
    expect(kills.figures["answers paid twice"]).toBeLessThanOrEqual(kills.figures["bound: in flight at the kills"]);
    expect(kills.figures["final exit code"]).toBe(0);
  }, 180_000);

  it("cut files, a lost WAL and a deleted database are repaired: every record once, each repair said", async () => {
    const [repairs] = await benchReliability({ parts: ["repairs"], cuts: 3, budget: 8, latencyMs: 20 });
    const f = repairs.figures;
    expect([f["after 3 cuts: records"], f["after 3 cuts: lost"], f["after 3 cuts: duplicated"]]).toEqual([8, 0, 0]);
    expect(f["after 3 cuts: repair lines"]).toBeGreaterThanOrEqual(1);
    // Repairs come from the database: no request is sent again for them.
    expect(f["after 3 cuts: requests sent"]).toBe(0);
    for (const lose of ["wal", "database"]) {
      expect([f[`${lose} lost after a kill: records`], f[`${lose} lost after a kill: duplicated`], f[`${lose} lost after a kill: lost`]]).toEqual([8, 0, 0]);
    }
    expect(f["database lost after a kill: repair lines"]).toBeGreaterThanOrEqual(1);
  }, 180_000);

  it("one invocation of generate and of eval completes through 35% faults and through 5% hangs", async () => {
    const [faults] = await benchReliability({ parts: ["faults"], budget: 8, items: 30, latencyMs: 20 });
    expect(faults.figures["35% faults: stages completed of 2"]).toBe(2);
    expect(faults.figures["5% hangs: stages completed of 2"]).toBe(2);
  }, 180_000);
});
