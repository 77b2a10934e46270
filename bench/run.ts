/**
 * `npm run bench`: prints figures and ratios for each benchmark. Speed and memory targets live
 * here, never in tests. Pick some with `npm run bench -- cli map`.
 */
import { benchCliStartup } from "./cli-startup.js";
import { benchEngineThroughput } from "./engine-throughput.js";

type Bench = () => Promise<{ name: string; figures: Record<string, number> } | Array<{ name: string; figures: Record<string, number> }>>;

const benches: Record<string, Bench> = {
  cli: () => benchCliStartup(),
  engines: () => benchEngineThroughput(),
};

const wanted = process.argv.slice(2);
for (const [key, run] of Object.entries(benches)) {
  if (wanted.length > 0 && !wanted.includes(key)) continue;
  const results = await run();
  for (const { name, figures } of Array.isArray(results) ? results : [results]) {
    console.log(`\n${name}`);
    for (const [figure, value] of Object.entries(figures)) {
      console.log(`  ${figure.padEnd(28)} ${Number.isInteger(value) ? value : value.toFixed(3)}`);
    }
  }
}
