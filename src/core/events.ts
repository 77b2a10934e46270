/**
 * Progress is a stream of typed events (`inspect-progress`, `embed-start`, `generate-end`, …).
 * The CLI renders bars from them; a UI can render live views from the same stream.
 * Every long stage emits `<stage>-start`, then `<stage>-progress`, then `<stage>-end`.
 */
export type Stage =
  | "inspect"
  | "read"
  | "embed"
  | "reduce"
  | "density"
  | "map"
  | "generate"
  | "evaluate"
  | "train"
  | "round"
  | "requests";

export type StageStartEvent = { type: `${Stage}-start`; stage: Stage; total?: number; unit?: string };
export type StageProgressEvent = {
  type: `${Stage}-progress`;
  stage: Stage;
  done: number;
  total?: number;
  /** Short free text shown after the bar: "accepted 12, rejected 3". */
  detail?: string;
};
export type StageEndEvent = { type: `${Stage}-end`; stage: Stage; done: number; seconds: number };
export type NoticeEvent = {
  type: "notice" | "warning";
  stage: Stage;
  message: string;
  /** Option values worth trying, by library option name (the CLI shows them as flags). */
  try?: ReadonlyArray<{ option: string; value: string | number }>;
};

/**
 * A request failed and will be tried again (a timeout, a 429, a 500, a cut connection): sent as
 * it happens so a stage that slows down says why instead of showing "0.00 items/s".
 */
export type RequestRetryEvent = {
  type: "request-retry";
  stage: "requests";
  /** The engine spec (redacted by its engine). */
  engine: string;
  /** Short code: "timeout", "overloaded", "server-error", "network", "refused", "bad-response". */
  reason: string;
  /** The attempt that failed, from 1. */
  attempt: number;
  message: string;
};

export type ProgressEvent = StageStartEvent | StageProgressEvent | StageEndEvent | NoticeEvent | RequestRetryEvent;

export type ProgressListener = (event: ProgressEvent) => void;

/** A listener that drops everything: the default for library calls. */
export const silent: ProgressListener = () => {};

/** Helpers so emitters stay one-liners and the `type` always matches the `stage`. */
export const progress = {
  start: (stage: Stage, total?: number, unit?: string): StageStartEvent => ({ type: `${stage}-start`, stage, total, unit }),
  tick: (stage: Stage, done: number, total?: number, detail?: string): StageProgressEvent => ({
    type: `${stage}-progress`,
    stage,
    done,
    total,
    detail,
  }),
  end: (stage: Stage, done: number, seconds: number): StageEndEvent => ({ type: `${stage}-end`, stage, done, seconds }),
  retry: (engine: string, info: { reason: string; attempt: number; message: string }): RequestRetryEvent => ({
    type: "request-retry",
    stage: "requests",
    engine,
    reason: info.reason,
    attempt: info.attempt,
    message: info.message,
  }),
};
