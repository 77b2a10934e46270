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
export type NoticeEvent = { type: "notice" | "warning"; stage: Stage; message: string };

export type ProgressEvent = StageStartEvent | StageProgressEvent | StageEndEvent | NoticeEvent;

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
};
