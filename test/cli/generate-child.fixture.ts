// Runs the CLI in a child process (spawned through vite-node) so a test can SIGKILL it mid-run.
import { main } from "../../src/cli/main.js";

const separator = process.argv.indexOf("--");
process.exitCode = await main(separator === -1 ? process.argv.slice(2) : process.argv.slice(separator + 1));
