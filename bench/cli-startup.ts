import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";

/** `gapfill --help` wall time over several runs (process start included), in milliseconds. */
export async function benchCliStartup(runs = 7): Promise<{ name: string; figures: Record<string, number> }> {
  const bin = fileURLToPath(new URL("../../bin/gapfill.js", import.meta.url));
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const start = performance.now();
    const result = spawnSync(process.execPath, [bin, "--help"], { encoding: "utf8" });
    times.push(performance.now() - start);
    if (result.status !== 0) throw new Error(`gapfill --help exited ${result.status}: ${result.stderr}`);
  }
  const bare = performance.now();
  spawnSync(process.execPath, ["-e", "0"]);
  const nodeAlone = performance.now() - bare;
  times.sort((a, b) => a - b);
  const median = times[Math.floor(times.length / 2)];
  return {
    name: "cli startup (gapfill --help)",
    figures: { median_ms: median, min_ms: times[0], node_alone_ms: nodeAlone, ratio_to_bare_node: median / nodeAlone },
  };
}
