import type { Command } from "commander";
import type { Database } from "better-sqlite3";
import type { RequestCache } from "../../engines/request-cache.js";

/** Flags of the commands that send requests through the run's cache. */
export interface CacheFlags {
  /** Commander's negation of --no-cache. */
  cache?: boolean;
  batch?: boolean;
}

export function addCacheOptions(command: Command): Command {
  return command
    .option("--no-cache", "bypass the run's request cache: send every request and store no answer")
    .option("--batch", "record requests without answers instead of sending them; then `gapfill batch export`, run the batch, `gapfill batch import`, and run this command again");
}

export async function cacheFrom(db: Database, flags: CacheFlags): Promise<RequestCache> {
  const { RequestCache } = await import("../../engines/request-cache.js");
  return new RequestCache(db, { enabled: flags.cache !== false, mode: flags.batch ? "batch" : "live" });
}
