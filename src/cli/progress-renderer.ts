import type { ProgressEvent, ProgressListener, Stage } from "../core/events.js";
import { flagForOption } from "./option-flags.js";

/** tty: redrawn bars; plain: periodic log lines (CI, pipes); quiet: nothing. */
export type RenderMode = "tty" | "plain" | "quiet";

/** Bars only where a person watches a terminal that understands cursor movement. */
export function chooseRenderMode(
  stream: NodeJS.WriteStream,
  flags: { quiet?: boolean },
  env: NodeJS.ProcessEnv = process.env,
): RenderMode {
  if (flags.quiet) return "quiet";
  return stream.isTTY === true && env.TERM !== "dumb" ? "tty" : "plain";
}

export interface ProgressRendererOptions {
  /** stderr by convention: stdout stays for results and --json. */
  stream: NodeJS.WritableStream;
  mode: RenderMode;
  /** Milliseconds clock (injectable for tests). */
  now?: () => number;
  /** Plain mode: at most one progress line per stage per interval (default 5 s). */
  plainIntervalMs?: number;
  /** TTY mode: at most one redraw per interval (default 100 ms); start, end and notices redraw at once. */
  ttyIntervalMs?: number;
  /** Terminal columns; lines are cut to fit so they never wrap (wrapping breaks the redraw). */
  width?: number;
}

/**
 * Rate of progress in items per second: an exponentially weighted moving average of the rate
 * over sample windows, so the ETA follows a stage that speeds up or slows down without
 * jumping at every tick.
 */
export interface RateEstimator {
  update(done: number, atMs: number): void;
  /** Items per second, or undefined before the first full sample window. */
  rate(): number | undefined;
}

export function createRateEstimator(options: { sampleMs?: number; timeConstantMs?: number } = {}): RateEstimator {
  const sampleMs = options.sampleMs ?? 250;
  const timeConstantMs = options.timeConstantMs ?? 10_000;
  let sampleAt: number | undefined;
  let sampleDone = 0;
  let smoothed: number | undefined;
  return {
    update(done, atMs) {
      // The first observation is the baseline, not a sample: a resumed stage reports the work
      // of earlier runs in its first tick, which says nothing about the speed now.
      if (sampleAt === undefined) {
        sampleAt = atMs;
        sampleDone = done;
        return;
      }
      const elapsed = atMs - sampleAt;
      if (elapsed < sampleMs) return;
      const instant = Math.max(0, done - sampleDone) / (elapsed / 1000);
      // Weight by elapsed time so irregular tick spacing does not skew the average.
      const alpha = 1 - Math.exp(-elapsed / timeConstantMs);
      smoothed = smoothed === undefined ? instant : smoothed + alpha * (instant - smoothed);
      sampleAt = atMs;
      sampleDone = done;
    },
    rate: () => smoothed,
  };
}

interface StageState {
  stage: Stage;
  unit: string;
  total?: number;
  done: number;
  detail?: string;
  startedAt: number;
  rate: RateEstimator;
  lastPlainAt: number;
}

const SPINNER = ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"];
const BAR_WIDTH = 24;
const CLEAR_LINE = "\x1b[2K";
const UP_ONE = "\x1b[1A";

/**
 * Renders the typed progress events of `core/events.ts` on a stream. TTY: one redrawn line per
 * active stage (bar, done/total, percent, rate, ETA, detail); a finished stage leaves one
 * summary line. Plain: a line at start, at most one per `plainIntervalMs` per stage, one at
 * end. Notices and warnings are lines of their own in both. Quiet: nothing at all.
 * Call `close()` when the command ends so the cursor is left on a fresh line.
 */
export function createProgressRenderer(options: ProgressRendererOptions): ProgressListener & { close(): void } {
  const { stream, mode } = options;
  const now = options.now ?? Date.now;
  const plainIntervalMs = options.plainIntervalMs ?? 5_000;
  const ttyIntervalMs = options.ttyIntervalMs ?? 100;
  const width = Math.max(20, options.width ?? 80);
  const stages = new Map<Stage, StageState>();
  let drawnLines = 0;
  let lastDrawAt = Number.NEGATIVE_INFINITY;
  let spinnerFrame = 0;
  let closed = false;
  // Retries and timeouts so far, shown as a line of their own under the bars (tty) or at most
  // once per interval (plain): a stage slowed by a flaky server says so.
  const retries = { count: 0, timeouts: 0, last: "", lastPlainAt: Number.NEGATIVE_INFINITY };
  const retryLine = () =>
    `requests: ${count(retries.count)} ${retries.count === 1 ? "retry" : "retries"} (${count(retries.timeouts)} timed out), last: ${retries.last}`;

  const fit = (line: string) => {
    const characters = Array.from(line);
    return characters.length < width ? line : characters.slice(0, width - 2).join("") + "…";
  };

  // Move to the top line of the block, clearing every line of it on the way.
  const clearBlock = () => {
    let out = "";
    for (let line = 0; line < drawnLines; line++) out += (line > 0 ? UP_ONE : "") + "\r" + CLEAR_LINE;
    drawnLines = 0;
    return out;
  };

  const drawBlock = () => {
    const lines = [...stages.values()].map((state) => fit(ttyLine(state, now(), SPINNER[spinnerFrame % SPINNER.length])));
    if (retries.count > 0 && stages.size > 0) lines.push(fit(retryLine()));
    spinnerFrame++;
    drawnLines = lines.length;
    lastDrawAt = now();
    return lines.join("\n");
  };

  /** Prints permanent lines above the live block, then redraws the block. */
  const emitTty = (permanent: string[]) => {
    cancelTrailingDraw();
    const above = permanent.map((line) => line + "\n").join("");
    stream.write(clearBlock() + above + drawBlock());
  };

  // A throttled update must still reach the screen if no event follows it for a while.
  let trailingDraw: NodeJS.Timeout | undefined;
  const cancelTrailingDraw = () => {
    if (trailingDraw !== undefined) clearTimeout(trailingDraw);
    trailingDraw = undefined;
  };
  const scheduleTrailingDraw = (delayMs: number) => {
    if (trailingDraw !== undefined) return;
    trailingDraw = setTimeout(() => {
      trailingDraw = undefined;
      if (!closed) emitTty([]);
    }, Math.max(0, delayMs));
    trailingDraw.unref(); // never keep the process alive for a redraw
  };

  const startStage = (stage: Stage, total: number | undefined, unit: string | undefined) => {
    const at = now();
    const state: StageState = { stage, unit: unit ?? "items", total, done: 0, startedAt: at, rate: createRateEstimator(), lastPlainAt: at };
    stages.set(stage, state);
    return state;
  };

  const listener = (event: ProgressEvent) => {
    if (closed || mode === "quiet") return;
    if (event.type === "notice" || event.type === "warning") {
      const tries = event.try?.length ? ` Try ${event.try.map((hint) => `${flagForOption(hint.option)} ${hint.value}`).join(", or ")}.` : "";
      const text = (event.type === "warning" ? "warning: " : "") + clean(event.message + tries, true);
      if (mode === "tty") emitTty([text]);
      else stream.write(text + "\n");
      return;
    }
    if (event.type === "request-retry") {
      retries.count++;
      if (event.reason === "timeout") retries.timeouts++;
      retries.last = clean(`${event.reason} (${event.message})`, false);
      const at = now();
      if (mode === "tty") {
        if (at - lastDrawAt >= ttyIntervalMs) emitTty([]);
        else scheduleTrailingDraw(ttyIntervalMs - (at - lastDrawAt));
      } else if (at - retries.lastPlainAt >= plainIntervalMs) {
        retries.lastPlainAt = at;
        stream.write(fit(retryLine()) + "\n");
      }
      return;
    }
    const phase = event.type.slice(event.stage.length + 1);
    if (phase === "start") {
      const start = event as Extract<ProgressEvent, { type: `${Stage}-start` }>;
      const state = startStage(start.stage, start.total, start.unit);
      if (mode === "tty") emitTty([]);
      else stream.write(`${state.stage}: started${state.total === undefined ? "" : `, ${count(state.total)} ${state.unit}`}\n`);
    } else if (phase === "progress") {
      const tick = event as Extract<ProgressEvent, { type: `${Stage}-progress` }>;
      let state = stages.get(tick.stage);
      const implicitStart = state === undefined;
      if (state === undefined) {
        state = startStage(tick.stage, tick.total, undefined);
        if (mode === "plain") stream.write(`${state.stage}: started\n`);
      }
      state.done = tick.done;
      if (tick.total !== undefined) state.total = tick.total;
      if (tick.detail !== undefined) state.detail = clean(tick.detail, false);
      const at = now();
      state.rate.update(tick.done, at);
      if (mode === "tty") {
        if (implicitStart || at - lastDrawAt >= ttyIntervalMs) emitTty([]);
        else scheduleTrailingDraw(ttyIntervalMs - (at - lastDrawAt));
      } else if (at - state.lastPlainAt >= plainIntervalMs) {
        state.lastPlainAt = at;
        stream.write(plainLine(state) + "\n");
      }
    } else if (phase === "end") {
      const end = event as Extract<ProgressEvent, { type: `${Stage}-end` }>;
      const state = stages.get(end.stage);
      stages.delete(end.stage);
      const unit = state?.unit ?? "items";
      const average = end.seconds > 0 ? `, ${formatRate(end.done / end.seconds)} ${unit}/s` : "";
      const line = `${end.stage}: done, ${count(end.done)} ${unit} in ${formatDuration(end.seconds)}${average}`;
      if (mode === "tty") emitTty([line]);
      else stream.write(line + "\n");
    }
  };

  return Object.assign(listener, {
    close() {
      if (closed) return;
      closed = true;
      cancelTrailingDraw();
      // Leave the last state of unfinished stages on screen, and the cursor below it.
      if (mode === "tty" && drawnLines > 0) stream.write(clearBlock() + drawBlock() + "\n");
      drawnLines = 0;
    },
  });
}

function ttyLine(state: StageState, at: number, spinner: string): string {
  const rate = state.rate.rate();
  const parts: string[] = [];
  if (state.total !== undefined && state.total > 0) {
    const fraction = Math.min(1, Math.max(0, state.done / state.total));
    const filled = Math.round(fraction * BAR_WIDTH);
    parts.push(`${state.stage.padEnd(8)} ${"█".repeat(filled)}${"░".repeat(BAR_WIDTH - filled)}`);
    parts.push(`${count(state.done)}/${count(state.total)} ${state.unit}`, `${Math.floor(fraction * 100)}%`);
  } else {
    parts.push(`${state.stage.padEnd(8)} ${spinner}`, `${count(state.done)} ${state.unit}`);
  }
  if (rate !== undefined) parts.push(`${formatRate(rate)} ${state.unit}/s`);
  const eta = etaSeconds(state, rate);
  parts.push(eta === undefined ? formatDuration((at - state.startedAt) / 1000) : `ETA ${formatDuration(Math.ceil(eta))}`);
  if (state.detail) parts.push(state.detail);
  return parts.join("  ");
}

function plainLine(state: StageState): string {
  const rate = state.rate.rate();
  const parts: string[] = [];
  if (state.total !== undefined && state.total > 0) {
    const percent = Math.floor(Math.min(1, state.done / state.total) * 100);
    parts.push(`${count(state.done)}/${count(state.total)} ${state.unit} (${percent}%)`);
  } else {
    parts.push(`${count(state.done)} ${state.unit}`);
  }
  if (rate !== undefined) parts.push(`${formatRate(rate)} ${state.unit}/s`);
  const eta = etaSeconds(state, rate);
  if (eta !== undefined) parts.push(`ETA ${formatDuration(Math.ceil(eta))}`);
  if (state.detail) parts.push(state.detail);
  return `${state.stage}: ${parts.join(", ")}`;
}

function etaSeconds(state: StageState, rate: number | undefined): number | undefined {
  if (state.total === undefined || rate === undefined || rate <= 0) return undefined;
  return Math.max(0, state.total - state.done) / rate;
}

/** Emitters' text must not move the cursor or break the one-line-per-stage layout. */
function clean(text: string, keepNewlines: boolean): string {
  const withoutEscapes = text.replace(/\x1b\[[0-?]*[ -/]*[@-~]/g, "").replace(/\x1b[@-_]/g, "");
  return withoutEscapes.replace(keepNewlines ? /[\x00-\x09\x0b-\x1f\x7f]/g : /[\x00-\x1f\x7f]/g, " ");
}

function count(value: number): string {
  return value.toLocaleString("en-US");
}

/** 3 significant-ish digits: 1,234 / 56.7 / 0.25. */
export function formatRate(perSecond: number): string {
  if (perSecond >= 100) return Math.round(perSecond).toLocaleString("en-US");
  if (perSecond >= 10) return perSecond.toFixed(1);
  return perSecond.toFixed(2);
}

/** 0.4s, 5s, 42s, 3m05s, 1h02m. */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds)) return "?";
  if (seconds < 10) return Number.isInteger(seconds) ? `${seconds}s` : `${seconds.toFixed(1)}s`;
  const whole = Math.round(seconds);
  if (whole < 60) return `${whole}s`;
  if (whole < 3600) return `${Math.floor(whole / 60)}m${String(whole % 60).padStart(2, "0")}s`;
  return `${Math.floor(whole / 3600)}h${String(Math.floor((whole % 3600) / 60)).padStart(2, "0")}m`;
}
