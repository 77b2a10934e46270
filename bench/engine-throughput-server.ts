/**
 * Worker-thread side of the engine throughput benchmarks: runs the OpenAI test server with a
 * fixed latency on its own event loop, so the client's orchestration is what gets measured.
 * Messages: "count" answers the requests received so far; "close" closes the server.
 */
import { parentPort, workerData } from "node:worker_threads";
import { OpenAITestServer } from "../test/support/openai-test-server.js";

const server = await OpenAITestServer.start({ latencyMs: (workerData as { latencyMs: number }).latencyMs });
parentPort?.on("message", async (message: unknown) => {
  if (message === "count") parentPort?.postMessage({ received: server.requests.length });
  if (message === "close") {
    await server.close();
    parentPort?.postMessage({ closed: true, received: server.requests.length });
  }
});
parentPort?.postMessage({ baseUrl: server.baseUrl });
