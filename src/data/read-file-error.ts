import { InputError } from "../core/errors.js";

/**
 * The one-line error for a dataset file the system would not let us read. A raw `EACCES` from
 * `open` used to surface as "unexpected error" with a stack; a user can fix all of these.
 * Errors that are not file-system errors pass through unchanged.
 */
export function fileReadError(path: string, error: unknown): unknown {
  if (error instanceof InputError) return error;
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  // Errno codes only: an abort (ABORT_ERR) is the caller's, not the file's.
  if (typeof code !== "string" || !/^E[A-Z]+$/.test(code)) return error;
  const where = { file: path, cause: error };
  switch (code) {
    case "ENOENT":
      return new InputError("file-not-found", `${path}: no such file`, where);
    case "EACCES":
    case "EPERM":
      return new InputError("permission-denied", `${path}: permission denied (the file cannot be read by this user)`, where);
    case "EISDIR":
      return new InputError("is-directory", `${path}: is a directory, expected a dataset file`, where);
    default:
      return new InputError("unreadable-file", `${path}: cannot read (${code})`, where);
  }
}
