/**
 * One error base with a stable `code`. Subclasses say what a caller can do about it:
 * retry (`retryable`) or fix their input (`userFixable`, naming the file, line, flag or field).
 * Messages never carry secrets: build them from redacted values only.
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

/** The user's input (a file, a row, a field) is wrong; the message says where. */
export class InputError extends GapfillError {
  readonly file?: string;
  readonly line?: number;
  constructor(code: string, message: string, where: { file?: string; line?: number; cause?: unknown } = {}) {
    super(code, message, { cause: where.cause, userFixable: true });
    this.file = where.file;
    this.line = where.line;
  }
}

/** A command-line flag or argument is wrong: the CLI exits with 2. */
export class UsageError extends GapfillError {
  readonly flag?: string;
  constructor(message: string, flag?: string) {
    super("usage", message, { userFixable: true });
    this.flag = flag;
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
