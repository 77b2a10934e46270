/**
 * One error base with a stable `code`. Subclasses say what a caller can do about it:
 * retry (`retryable`) or fix their input (`userFixable`, naming the file, line, field or option).
 * Messages never carry secrets: build them from redacted values only.
 *
 * Layering: the library (data, engines, geometry, pipeline) speaks in library terms — an
 * {@link OptionError} names the option as a script passes it (`budget`, `maxTeacherTokens`),
 * an {@link InputError} names the file, line or field. Only the CLI turns options into flags
 * (`--budget`) and errors into exit codes; a {@link UsageError} is thrown by the CLI alone.
 */
export class GapfillError extends Error {
  readonly code: string;
  readonly retryable: boolean;
  readonly userFixable: boolean;
  constructor(
    code: string,
    message: string,
    options: { cause?: unknown; retryable?: boolean; userFixable?: boolean } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.retryable = options.retryable ?? false;
    this.userFixable = options.userFixable ?? false;
  }
}

/**
 * The user's input (a file, a row, a field, or a dataset too small for the method) is wrong;
 * the message says where. `file`, `line` and `field` repeat that for callers that act on it.
 * `relatedOptions` lists the library options the message names as the way to fix it (e.g.
 * `questionField`), so the CLI can show them as its flags.
 */
export class InputError extends GapfillError {
  readonly file?: string;
  readonly line?: number;
  readonly field?: string;
  readonly relatedOptions: readonly string[];
  constructor(
    code: string,
    message: string,
    where: { file?: string; line?: number; field?: string; relatedOptions?: readonly string[]; cause?: unknown } = {},
  ) {
    super(code, message, { cause: where.cause, userFixable: true });
    this.file = where.file;
    this.line = where.line;
    this.field = where.field;
    this.relatedOptions = where.relatedOptions ?? [];
  }
}

/**
 * A library option has a value the library cannot use. `option` is the option's library name
 * (`budget`, `maxTeacherTokens`, `threshold`); `detail` says what is wrong and follows that name
 * ("must be a positive integer, got 0"). The message is `${option} ${detail}`; the CLI prints
 * `${flag} ${detail}` instead, with the flag it maps the option to, and exits with 2.
 */
export class OptionError extends GapfillError {
  readonly option: string;
  readonly detail: string;
  /** Other options the detail names ("needs validation"), for the CLI to show as flags too. */
  readonly relatedOptions: readonly string[];
  constructor(option: string, detail: string, options: { code?: string; relatedOptions?: readonly string[]; cause?: unknown } = {}) {
    super(options.code ?? "invalid-option", `${option} ${detail}`, { cause: options.cause, userFixable: true });
    this.option = option;
    this.detail = detail;
    this.relatedOptions = options.relatedOptions ?? [];
  }
}

/** A command-line flag or argument is wrong. Thrown by the CLI only; it exits with 2. */
export class UsageError extends GapfillError {
  readonly flag?: string;
  constructor(message: string, flag?: string) {
    super("usage", message, { userFixable: true });
    this.flag = flag;
  }
}

/**
 * A dataset (or a set of points) has fewer rows than a method needs: a 2-row file cannot be
 * reduced to 2 dims, gridded into cells or searched for 5 neighbours. The fix is more data (or a
 * smaller k), never a code change; `needed` and `got` say by how much.
 */
export class TooFewRowsError extends InputError {
  readonly needed: number;
  readonly got: number;
  /** `what` names the step in library terms ("pca", "knn density with k = 5"); `hint` says what to change. */
  constructor(what: string, got: number, needed: number, hint?: string) {
    super("too-few-rows", `${what} needs at least ${needed} rows, got ${got}${hint ? `: ${hint}` : ""}`);
    this.needed = needed;
    this.got = got;
  }
}

/** An engine was asked for something it cannot do. */
export class CapabilityError extends GapfillError {
  readonly capability: string;
  constructor(capability: string, engine: string, enginesWithIt: readonly string[]) {
    super(
      "capability-missing",
      `${engine} cannot do "${capability}"; engines that can: ${enginesWithIt.length ? enginesWithIt.join(", ") : "none"}`,
      { userFixable: true },
    );
    this.capability = capability;
  }
}

/** The run directory is busy, damaged, or from an incompatible version. */
export class RunStateError extends GapfillError {
  constructor(code: string, message: string, options: { cause?: unknown } = {}) {
    super(code, message, { cause: options.cause, userFixable: true });
  }
}

/** A model endpoint failed; `retryable` follows HTTP semantics (408/409/429/5xx, network). */
export class EngineCallError extends GapfillError {
  readonly statusCode?: number;
  readonly endpoint: string;
  readonly retryAfterMs?: number;
  constructor(
    message: string,
    details: { endpoint: string; statusCode?: number; retryable: boolean; retryAfterMs?: number; cause?: unknown },
  ) {
    super("engine-call", message, { cause: details.cause, retryable: details.retryable });
    this.endpoint = details.endpoint;
    this.statusCode = details.statusCode;
    this.retryAfterMs = details.retryAfterMs;
  }
}

export function isRetryableStatus(status: number): boolean {
  return status === 408 || status === 409 || status === 429 || status >= 500;
}

/**
 * In batch mode an engine does not send a request it has no answer for: it records it as
 * pending in the run and throws this. The stage stops cleanly; `gapfill batch export` writes
 * the pending requests, `gapfill batch import` fills the answers, and the same command resumes.
 */
export class BatchPendingError extends GapfillError {
  readonly pending: number;
  constructor(pending: number) {
    super("batch-pending", `${pending} request(s) are pending in batch mode: run \`gapfill batch export\`, submit the file, then \`gapfill batch import\``);
    this.pending = pending;
  }
}
