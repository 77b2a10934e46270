/**
 * Child-process side of the throughput benchmarks: the OpenAI test server with a fixed latency
 * in its own process (as a real model server is), so the client's orchestration is what gets
 * measured and the two event loops never share a thread. Started by `startBenchServer`.
 * Arguments: latency in ms, then "teacher" to answer chats as a generate teacher does.
 * Messages: "count" answers the requests received so far and the process CPU time; "close"
 * closes the server and exits.
 */
import { OpenAITestServer } from "../test/support/openai-test-server.js";
import { fakeTeacher } from "../test/cli/fake-teacher.js";

const [latency, role] = process.argv.slice(2);
const server = await OpenAITestServer.start({ latencyMs: Number(latency) });
if (role === "teacher") server.handle("chat", fakeTeacher());
const cpuMs = () => {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
};
process.on("message", async (message: unknown) => {
  if (message === "count") process.send?.({ received: server.requests.length, cpuMs: cpuMs() });
  if (message === "close") {
    await server.close();
    process.send?.({ closed: true, received: server.requests.length }, () => process.exit(0));
  }
});
process.send?.({ baseUrl: server.baseUrl });
