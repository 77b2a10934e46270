// Test helper run in a child process (through vite-node) by run.test.ts:
//   open-run-child.fixture.ts DIR try   → opens the run, prints {"ok":true} or {"error","code"}, exits
//   open-run-child.fixture.ts DIR hold  → opens the run, prints "ready", waits to be killed
import { openRun } from "./run.js";

const [dir, mode] = process.argv.slice(2);
try {
  const run = await openRun(dir, { command: `child-${mode}` });
  if (mode === "hold") {
    process.stdout.write("ready\n");
    setInterval(() => {}, 1_000);
  } else {
    run.close();
    process.stdout.write(JSON.stringify({ ok: true }) + "\n");
  }
} catch (error) {
  const { message, code } = error as { message: string; code?: string };
  process.stdout.write(JSON.stringify({ error: message, code }) + "\n");
}
