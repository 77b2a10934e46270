import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { fetchTransport, pooledTransport, type PooledTransport } from "./transport.js";

/** A server that answers after `delayMs` and counts the connections it accepted and the most requests it held at once. */
let server: Server;
let url: string;
let connections = 0;
let inFlight = 0;
let mostInFlight = 0;
let delayMs = 0;
beforeEach(async () => {
  connections = 0;
  inFlight = 0;
  mostInFlight = 0;
  delayMs = 0;
  server = createServer((request, response) => {
    inFlight++;
    mostInFlight = Math.max(mostInFlight, inFlight);
    let body = "";
    request.on("data", (chunk: Buffer) => (body += chunk.toString("utf8")));
    request.on("end", () => {
      setTimeout(() => {
        inFlight--;
        if (request.url === "/hang") return;
        response.writeHead(request.url === "/busy" ? 429 : 200, { "content-type": "application/json", "retry-after": "7" });
        response.end(JSON.stringify({ echoed: body, path: request.url, type: request.headers["content-type"] }));
      }, delayMs);
    });
  });
  server.on("connection", () => connections++);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
let pool: PooledTransport | undefined;
afterEach(async () => {
  await pool?.close();
  pool = undefined;
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

const send = (transport: PooledTransport["send"], path: string, signal = new AbortController().signal) =>
  transport(`${url}${path}`, { headers: { "content-type": "application/json" }, body: '{"a":1}', signal });

describe("pooledTransport", () => {
  it("posts the body with its headers and reads status, headers and text, errors included", async () => {
    pool = pooledTransport(4);
    const ok = await send(pool.send, "/v1/chat?x=1");
    expect(ok.status).toBe(200);
    expect(JSON.parse(await ok.text())).toEqual({ echoed: '{"a":1}', path: "/v1/chat?x=1", type: "application/json" });
    const busy = await send(pool.send, "/busy");
    expect(busy.status).toBe(429);
    expect(busy.header("retry-after")).toBe("7");
    expect(busy.header("x-missing")).toBeNull();
    await busy.text();
  });

  it("keeps connections alive between requests and opens no more than `connections` for many requests at once", async () => {
    pool = pooledTransport(3);
    for (let i = 0; i < 6; i++) await (await send(pool.send, "/one")).text();
    // A connection is handed back a moment after its body is read, so the pool may open a second.
    expect(connections).toBeLessThanOrEqual(2);
    delayMs = 20;
    await Promise.all(Array.from({ length: 12 }, async () => (await send(pool!.send, "/many")).text()));
    expect(mostInFlight).toBe(3);
    expect(connections).toBeLessThanOrEqual(3);
  });

  it("rejects when the signal aborts a request that gets no answer", async () => {
    pool = pooledTransport(2);
    const controller = new AbortController();
    const pending = send(pool.send, "/hang", controller.signal);
    setTimeout(() => controller.abort(new Error("cut")), 30);
    await expect(pending).rejects.toThrow();
  });

  it("refuses new requests once closed, and closing twice is fine", async () => {
    pool = pooledTransport(2);
    await (await send(pool.send, "/one")).text();
    await pool.close();
    await pool.close();
    await expect(send(pool.send, "/one")).rejects.toThrow();
  });
});

describe("fetchTransport", () => {
  it("reads the same reply through an injected fetch", async () => {
    const transport = fetchTransport(fetch);
    const busy = await send(transport, "/busy");
    expect(busy.status).toBe(429);
    expect(busy.header("retry-after")).toBe("7");
    expect(JSON.parse(await busy.text()).echoed).toBe('{"a":1}');
  });
});
