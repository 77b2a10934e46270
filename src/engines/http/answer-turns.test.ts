import { stat } from "node:fs/promises";
import { describe, expect, it } from "vitest";
import { laterTurn, SLICE_MS } from "./answer-turns.js";

function busy(ms: number): void {
  const until = performance.now() + ms;
  while (performance.now() < until);
}

describe("laterTurn", () => {
  it("lets I/O that completes meanwhile be handled between slices of deferred work", async () => {
    const order: string[] = [];
    const handled = Array.from({ length: 8 }, (_, i) =>
      laterTurn().then(() => {
        busy(SLICE_MS * 2);
        order.push(`work ${i}`);
      }),
    );
    // A file-system answer is delivered in the poll phase: with every handler run in one check
    // phase it would come after all eight.
    const io = stat(".").then(() => order.push("io"));
    await Promise.all([...handled, io]);
    expect(order.filter((entry) => entry.startsWith("work"))).toEqual(Array.from({ length: 8 }, (_, i) => `work ${i}`));
    expect(order.indexOf("io")).toBeLessThan(order.length - 1);
  });

  it("runs cheap handlers in the same turn", async () => {
    const turns: number[] = [];
    let turn = 0;
    const ticker = setInterval(() => turn++, 0);
    await Promise.all(Array.from({ length: 20 }, () => laterTurn().then(() => turns.push(turn))));
    clearInterval(ticker);
    expect(new Set(turns).size).toBe(1);
  });
});
