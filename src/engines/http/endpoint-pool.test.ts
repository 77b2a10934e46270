import { describe, expect, it } from "vitest";
import { EndpointPool } from "./endpoint-pool.js";

describe("EndpointPool", () => {
  it("never exceeds the limit and serves waiters in order", async () => {
    const pool = new EndpointPool(["a"], { concurrency: 2 });
    const first = await pool.acquire();
    const second = await pool.acquire();
    const order: number[] = [];
    const third = pool.acquire().then((lease) => (order.push(3), lease));
    const fourth = pool.acquire().then((lease) => (order.push(4), lease));
    await Promise.resolve();
    expect(order).toEqual([]);
    expect(pool.snapshot()[0].inFlight).toBe(2);
    first.release("ok");
    (await third).release("ok");
    second.release("ok");
    (await fourth).release("ok");
    expect(order).toEqual([3, 4]);
    expect(pool.snapshot()[0].inFlight).toBe(0);
  });

  it("spreads leases over several base URLs, least loaded first", async () => {
    const pool = new EndpointPool(["a", "b", "c"], { concurrency: 4 });
    const leases = await Promise.all(Array.from({ length: 6 }, () => pool.acquire()));
    const counts = Object.fromEntries(pool.snapshot().map((e) => [e.baseUrl, e.inFlight]));
    expect(counts).toEqual({ a: 2, b: 2, c: 2 });
    leases.forEach((lease) => lease.release("ok"));
  });

  it("halves the limit once per window of repeated overload signals and grows back after successes", async () => {
    const changes: string[] = [];
    const pool = new EndpointPool(["a"], { concurrency: 8, increaseAfter: 2, onLimitChange: (_, from, to) => changes.push(`${from}->${to}`) });
    const burst = await Promise.all(Array.from({ length: 4 }, () => pool.acquire()));
    // Four in-flight requests all throttled: one halving, not four.
    burst.forEach((lease) => lease.release("throttled"));
    expect(pool.snapshot()[0].limit).toBe(4);
    // One more 429 is noise; the third in the new window is overload again.
    (await pool.acquire()).release("throttled");
    expect(pool.snapshot()[0].limit).toBe(4);
    (await pool.acquire()).release("throttled");
    (await pool.acquire()).release("throttled");
    expect(pool.snapshot()[0].limit).toBe(2);
    for (let i = 0; i < 4; i += 1) (await pool.acquire()).release("ok");
    expect(pool.snapshot()[0].limit).toBe(4);
    expect(changes).toEqual(["8->4", "4->2", "2->3", "3->4"]);
  });

  it("keeps its limit on a 500-style failure: one bad request is not overload", async () => {
    const pool = new EndpointPool(["a"], { concurrency: 8 });
    const burst = await Promise.all(Array.from({ length: 8 }, () => pool.acquire()));
    burst.forEach((lease) => lease.release("failed"));
    expect(pool.snapshot()[0].limit).toBe(8);
    for (let i = 0; i < 3; i += 1) (await pool.acquire()).release("throttled");
    expect(pool.snapshot()[0].limit).toBe(4);
  });

  it("rejects a waiting acquire when its signal aborts, and releasing twice is harmless", async () => {
    const pool = new EndpointPool(["a"], { concurrency: 1 });
    const held = await pool.acquire();
    const controller = new AbortController();
    const waiting = pool.acquire(controller.signal);
    controller.abort(new Error("stop"));
    await expect(waiting).rejects.toThrow("stop");
    held.release("ok");
    held.release("ok");
    expect(pool.snapshot()[0].inFlight).toBe(0);
    (await pool.acquire()).release("ok");
  });

  it("prefers the endpoint with the most free slots, so a failing URL whose limit collapsed gets little traffic", async () => {
    const pool = new EndpointPool(["down", "up"], { concurrency: 8 });
    for (let i = 0; i < 8; i += 1) {
      const lease = await pool.acquire();
      if (lease.baseUrl === "down") lease.release("throttled");
      else lease.release("ok");
    }
    const down = () => pool.snapshot().find((e) => e.baseUrl === "down")!;
    expect(down().limit).toBeLessThan(8);
    const leases = await Promise.all(Array.from({ length: 8 }, () => pool.acquire()));
    expect(leases.filter((lease) => lease.baseUrl === "down").length).toBeLessThanOrEqual(down().limit);
    expect(leases.filter((lease) => lease.baseUrl === "up").length).toBeGreaterThanOrEqual(8 - down().limit);
    leases.forEach((lease) => lease.release("rejected"));
    expect(pool.snapshot().map((e) => e.inFlight)).toEqual([0, 0]);
  });
});
