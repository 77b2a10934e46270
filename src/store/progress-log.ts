import type { ProgressEvent, ProgressListener } from "../core/events.js";
import type { Run } from "./run.js";

/** The event-log type progress is stored under (the UI's live views read it). */
export const PROGRESS_EVENT = "progress";

/**
 * A listener that passes every progress event on and also keeps it in the run's event log, so
 * another process (`gapfill ui`) can show a running stage live. Starts, ends, notices and
 * warnings are all kept; ticks at most once per stage per `intervalMs` (plus the last one before
 * an end), so a stage of a million items writes a few hundred rows, not a million.
 */
export function withProgressLog(run: Run, next: ProgressListener, intervalMs = 500): ProgressListener {
  const lastWritten = new Map<string, number>();
  const pending = new Map<string, ProgressEvent>();
  const write = (event: ProgressEvent) => {
    if (!run.readonly) run.event(PROGRESS_EVENT, event as unknown as Record<string, unknown>);
  };
  return (event) => {
    next(event);
    if (event.type.endsWith("-progress")) {
      const now = Date.now();
      if (now - (lastWritten.get(event.stage) ?? 0) < intervalMs) {
        pending.set(event.stage, event);
        return;
      }
      lastWritten.set(event.stage, now);
      pending.delete(event.stage);
      write(event);
      return;
    }
    if (event.type.endsWith("-end")) {
      const last = pending.get(event.stage);
      if (last) write(last);
      pending.delete(event.stage);
      lastWritten.delete(event.stage);
    }
    write(event);
  };
}
