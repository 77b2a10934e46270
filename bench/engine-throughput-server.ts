/**
 * Child-process side of the throughput benchmarks: the OpenAI test server with a fixed latency
 * in its own process (as a real model server is), so the client's orchestration is what gets
 * measured and the two event loops never share a thread. Started by `startBenchServer`.
 * Arguments: latency in ms, then "teacher" to answer chats as a generate teacher does.
 * Messages: "count" answers the requests received so far, the process CPU time and the time
 * the answers were held (their real latency); "close"
 * closes the server and exits.
 */
import { OpenAITestServer } from "../test/support/openai-test-server.js";
import { fakeTeacher } from "../test/cli/fake-teacher.js";

const [latency, role] = process.argv.slice(2);
const server = await OpenAITestServer.start({ latencyMs: Number(latency), record: false });
if (role === "teacher") server.handle("chat", fakeTeacher());
const cpuMs = () => {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
};
process.on("message", async (message: unknown) => {
  if (message === "count") process.send?.({ received: server.received, cpuMs: cpuMs(), heldMs: server.held.ms, held: server.held.answers });
  if (message === "close") {
    await server.close();
    process.send?.({ closed: true, received: server.received }, () => process.exit(0));
  }
});
process.send?.({ baseUrl: server.baseUrl });
