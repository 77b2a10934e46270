import { open } from "node:fs/promises";
import { InputError } from "../core/errors.js";

/**
 * The header of a NumPy `.npy` file (format versions 1.0, 2.0 and 3.0, as `numpy.lib.format`
 * documents them):
 *
 *   bytes 0-5   magic "\x93NUMPY"
 *   bytes 6-7   major, minor version
 *   then        header length: u16 LE (1.0) or u32 LE (2.0, 3.0)
 *   then        a Python dict literal {'descr': '<f4', 'fortran_order': False, 'shape': (R, C), }
 *               (latin-1 before 3.0, UTF-8 from 3.0), space-padded and ended by "\n"
 *   then        the array's bytes, C order unless fortran_order
 *
 * Only what a matrix of vectors needs is read: a 2-D float array in C order.
 */
export interface NpyHeader {
  version: string;
  /** The dtype string as written, e.g. "<f4". */
  descr: string;
  fortranOrder: boolean;
  shape: number[];
  /** Byte offset of the first element. */
  dataOffset: number;
}

const MAGIC = Buffer.from([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]);
/** Enough for any header numpy writes for a plain array (they are padded to 64 or 128 bytes). */
const FIRST_READ = 4096;

/** Reads and checks the header of the `.npy` file at `path`; a file that is not one is an InputError naming it. */
export async function readNpyHeader(path: string): Promise<NpyHeader> {
  const handle = await open(path, "r");
  try {
    let bytes = Buffer.alloc(FIRST_READ);
    let { bytesRead } = await handle.read(bytes, 0, FIRST_READ, 0);
    bytes = bytes.subarray(0, bytesRead);
    const { lengthBytes, version } = preamble(path, bytes);
    const headerLength = lengthBytes === 2 ? bytes.readUInt16LE(8) : bytes.readUInt32LE(8);
    const dataOffset = 8 + lengthBytes + headerLength;
    if (dataOffset > bytes.length) {
      // A header longer than the first read: only structured dtypes with many fields get there.
      const full = Buffer.alloc(dataOffset);
      ({ bytesRead } = await handle.read(full, 0, dataOffset, 0));
      if (bytesRead < dataOffset) throw notNpy(path, `its header says ${headerLength} bytes, the file ends first`);
      bytes = full;
    }
    const text = bytes.toString(version === "3.0" ? "utf8" : "latin1", 8 + lengthBytes, dataOffset);
    return { version, ...parseHeaderDict(path, text), dataOffset };
  } finally {
    await handle.close();
  }
}

/** True when `bytes` (the start of a file) carry the `.npy` magic. */
export function hasNpyMagic(bytes: Uint8Array): boolean {
  return bytes.length >= MAGIC.length && MAGIC.every((byte, i) => bytes[i] === byte);
}

function preamble(path: string, bytes: Buffer): { lengthBytes: 2 | 4; version: string } {
  if (!hasNpyMagic(bytes)) throw notNpy(path, 'it does not start with the .npy magic "\\x93NUMPY"');
  if (bytes.length < 12) throw notNpy(path, "it ends inside its header");
  const major = bytes[6];
  const minor = bytes[7];
  if (major === 1 && minor === 0) return { lengthBytes: 2, version: "1.0" };
  if ((major === 2 || major === 3) && minor === 0) return { lengthBytes: 4, version: `${major}.0` };
  throw notNpy(path, `its format version ${major}.${minor} is not one numpy writes (1.0, 2.0, 3.0)`);
}

/**
 * The header is a Python literal; numpy writes it with `repr`, so the three keys always look
 * the same. A dtype that is itself a list (structured arrays) is reported as it stands.
 */
function parseHeaderDict(path: string, text: string): Omit<NpyHeader, "version" | "dataOffset"> {
  const trimmed = text.trim();
  if (!trimmed.startsWith("{") || !trimmed.endsWith("}")) throw notNpy(path, `its header is not a dictionary: ${excerpt(trimmed)}`);
  const descr = /['"]descr['"]\s*:\s*['"]([^'"]*)['"]/.exec(trimmed)?.[1] ?? /['"]descr['"]\s*:\s*(\[[^\]]*\])/.exec(trimmed)?.[1];
  const fortran = /['"]fortran_order['"]\s*:\s*(True|False)/.exec(trimmed)?.[1];
  const shapeText = /['"]shape['"]\s*:\s*\(([^)]*)\)/.exec(trimmed)?.[1];
  if (descr === undefined || fortran === undefined || shapeText === undefined) {
    throw notNpy(path, `its header lacks 'descr', 'fortran_order' or 'shape': ${excerpt(trimmed)}`);
  }
  const shape = shapeText
    .split(",")
    .map((part) => part.trim().replace(/L$/, ""))
    .filter((part) => part !== "")
    .map(Number);
  if (!shape.every((n) => Number.isSafeInteger(n) && n >= 0)) throw notNpy(path, `its shape (${shapeText}) is not a tuple of sizes`);
  return { descr, fortranOrder: fortran === "True", shape };
}

function notNpy(path: string, why: string): InputError {
  return new InputError("invalid-npy", `${path} is not a readable .npy file: ${why}`, { file: path });
}

function excerpt(text: string): string {
  return text.length > 120 ? `${text.slice(0, 117)}...` : text;
}
