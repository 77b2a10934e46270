import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { InputError } from "../core/errors.js";
import { readFileHead } from "./detect-format.js";
import { fileReadError } from "./read-file-error.js";
import { readLines } from "./read-lines.js";

const errno = (code: string) => Object.assign(new Error(`${code}: open 'x'`), { code });

describe("fileReadError", () => {
  it("turns permission and file-system errors into one-line InputErrors naming the file", () => {
    // Tests run as root here, where chmod 000 denies nothing: the mapping is tested on the error itself.
    for (const [code, text] of [
      ["EACCES", "data.jsonl: permission denied (the file cannot be read by this user)"],
      ["EPERM", "data.jsonl: permission denied (the file cannot be read by this user)"],
      ["ENOENT", "data.jsonl: no such file"],
      ["EIO", "data.jsonl: cannot read (EIO)"],
    ] as const) {
      const mapped = fileReadError("data.jsonl", errno(code));
      expect(mapped).toBeInstanceOf(InputError);
      expect((mapped as InputError).message).toBe(text);
      expect((mapped as InputError).file).toBe("data.jsonl");
    }
    const bug = new TypeError("not a file error");
    expect(fileReadError("data.jsonl", bug)).toBe(bug);
    const abort = errno("ABORT_ERR");
    expect(fileReadError("data.jsonl", abort)).toBe(abort);
  });

  it("is what reading a directory or a missing file gives, at the head and while streaming", async () => {
    const dir = mkdtempSync(join(tmpdir(), "gapfill-read-error-"));
    await expect(readFileHead(dir)).rejects.toMatchObject({ code: "is-directory" });
    const lines = readLines(join(dir, "missing.jsonl"), { bytes: 0 });
    await expect(lines.next()).rejects.toMatchObject({ code: "file-not-found", message: `${join(dir, "missing.jsonl")}: no such file` });
  });
});
