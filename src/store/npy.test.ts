import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { InputError } from "../core/errors.js";
import { npyHeader, writeNpy } from "../../test/support/vector-files.js";
import { readNpyHeader } from "./npy.js";

const dir = mkdtempSync(join(tmpdir(), "gapfill-npy-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("readNpyHeader", () => {
  it("reads the header numpy writes for a (3, 2) float32 array, byte for byte as numpy.lib.format documents it", async () => {
    // np.save of np.arange(6, dtype='<f4').reshape(3, 2): the magic, version 1.0, a u16 length of 118, the dict padded to 128 bytes.
    const path = join(dir, "numpy.npy");
    const dict = "{'descr': '<f4', 'fortran_order': False, 'shape': (3, 2), }";
    const header = Buffer.concat([Buffer.from([0x93]), Buffer.from("NUMPY"), Buffer.from([1, 0, 118, 0]), Buffer.from(dict + " ".repeat(118 - dict.length - 1) + "\n", "latin1")]);
    expect(header.length).toBe(128);
    expect(npyHeader("<f4", [3, 2])).toEqual(header);
    writeFileSync(path, Buffer.concat([header, Buffer.from(new Float32Array([0, 1, 2, 3, 4, 5]).buffer)]));
    expect(await readNpyHeader(path)).toEqual({ version: "1.0", descr: "<f4", fortranOrder: false, shape: [3, 2], dataOffset: 128 });
  });

  it("reads versions 2.0 and 3.0 (a u32 header length) and a Fortran-order flag", async () => {
    for (const version of [2, 3] as const) {
      const path = join(dir, `v${version}.npy`);
      writeNpy(path, [1, 2, 3, 4], 2, 2, { version, fortranOrder: true });
      const header = await readNpyHeader(path);
      expect(header).toMatchObject({ version: `${version}.0`, descr: "<f4", fortranOrder: true, shape: [2, 2] });
      expect(header.dataOffset % 64).toBe(0);
    }
  });

  it("reads 1-D and 3-D shapes as they are (the caller refuses them)", async () => {
    const path = join(dir, "shapes.npy");
    writeNpy(path, [1, 2, 3], 3, 1, { shape: [3] });
    expect((await readNpyHeader(path)).shape).toEqual([3]);
    writeNpy(path, new Array(8).fill(0), 2, 4, { shape: [2, 2, 2] });
    expect((await readNpyHeader(path)).shape).toEqual([2, 2, 2]);
  });

  it("refuses a file without the magic, an unknown version and a header cut short, naming the file", async () => {
    const path = join(dir, "bad.npy");
    const refusal = async () => readNpyHeader(path).then(() => undefined, (error: unknown) => error as InputError);
    writeFileSync(path, "not numpy at all");
    expect((await refusal())?.message).toBe(`${path} is not a readable .npy file: it does not start with the .npy magic "\\x93NUMPY"`);
    const header = npyHeader("<f4", [1, 1]);
    header[6] = 4;
    writeFileSync(path, header);
    expect((await refusal())?.message).toMatch(/format version 4\.0 is not one numpy writes/);
    writeFileSync(path, npyHeader("<f4", [1, 1]).subarray(0, 40));
    expect((await refusal())?.code).toBe("invalid-npy");
    expect((await refusal())?.file).toBe(path);
  });
});
