import * as zlib from "node:zlib";
import { GapfillError } from "../../core/errors.js";

const ALIGNMENT = 64;
const LOCAL_HEADER = 30;
const CENTRAL_HEADER = 46;
const DESCRIPTOR = 16;
/** General purpose flags miniz sets: bit 3 (sizes in a data descriptor), bit 11 (UTF-8 names). */
const FLAGS = 0x0808;

/**
 * A zip laid out exactly as PyTorch's writer (miniz) lays out a torch.save file: stored
 * entries, each local header padded with an "FB" extra field of 'Z' so data starts on a
 * 64-byte boundary, zero crc/sizes in the local header and a data descriptor after the data,
 * UTF-8 flag, zero timestamps, and always a zip64 end record before the classic one.
 */
export function alignedZip(entries: { name: string; data: Uint8Array }[]): Uint8Array {
  const layout = entries.map((entry) => ({ ...entry, nameBytes: Buffer.from(entry.name, "utf8"), crc: crc32(entry.data), offset: 0, padding: 0 }));
  let cursor = 0;
  for (const entry of layout) {
    entry.offset = cursor;
    const dataStart = cursor + LOCAL_HEADER + entry.nameBytes.length + 4;
    entry.padding = (ALIGNMENT - (dataStart % ALIGNMENT)) % ALIGNMENT;
    cursor = dataStart + entry.padding + entry.data.length + DESCRIPTOR;
  }
  const centralOffset = cursor;
  const centralSize = layout.reduce((sum, entry) => sum + CENTRAL_HEADER + entry.nameBytes.length, 0);
  if (centralOffset + centralSize >= 0xffffffff) {
    // Torch would switch to zip64 local fields here; prompt embeddings never come close.
    throw new GapfillError("tensor-too-large", `torch.save: ${centralOffset} bytes is past what this writer supports (4 GiB)`);
  }
  const total = centralOffset + centralSize + 56 + 20 + 22;
  const buffer = new Uint8Array(total);
  const view = new DataView(buffer.buffer);
  let at = 0;
  const u16 = (value: number): void => {
    view.setUint16(at, value, true);
    at += 2;
  };
  const u32 = (value: number): void => {
    view.setUint32(at, value, true);
    at += 4;
  };
  const u64 = (value: number): void => {
    view.setBigUint64(at, BigInt(value), true);
    at += 8;
  };
  const raw = (data: Uint8Array): void => {
    buffer.set(data, at);
    at += data.length;
  };

  for (const entry of layout) {
    // Local header: crc and sizes are zero here, given in the descriptor after the data.
    u32(0x04034b50);
    u16(0); // version needed
    u16(FLAGS);
    u16(0); // stored
    u16(0); // time
    u16(0); // date
    u32(0);
    u32(0);
    u32(0);
    u16(entry.nameBytes.length);
    u16(4 + entry.padding);
    raw(entry.nameBytes);
    buffer.set([0x46, 0x42], at); // "FB": PyTorch's padding field id
    at += 2;
    u16(entry.padding);
    buffer.fill(0x5a, at, at + entry.padding); // 'Z'
    at += entry.padding;
    raw(entry.data);
    u32(0x08074b50);
    u32(entry.crc);
    u32(entry.data.length);
    u32(entry.data.length);
  }
  for (const entry of layout) {
    u32(0x02014b50);
    u16(0); // version made by
    u16(0); // version needed
    u16(FLAGS);
    u16(0);
    u16(0);
    u16(0);
    u32(entry.crc);
    u32(entry.data.length);
    u32(entry.data.length);
    u16(entry.nameBytes.length);
    u16(0); // extra
    u16(0); // comment
    u16(0); // disk
    u16(0); // internal attributes
    u32(0); // external attributes
    u32(entry.offset);
    raw(entry.nameBytes);
  }
  const zip64End = at;
  u32(0x06064b50); // zip64 end of central directory record
  u64(44);
  u16(0x031e); // made by: unix, spec 3.0
  u16(45); // needed: zip64
  u32(0);
  u32(0);
  u64(layout.length);
  u64(layout.length);
  u64(centralSize);
  u64(centralOffset);
  u32(0x07064b50); // zip64 locator
  u32(0);
  u64(zip64End);
  u32(1);
  u32(0x06054b50); // end of central directory
  u16(0);
  u16(0);
  u16(layout.length);
  u16(layout.length);
  u32(centralSize);
  u32(centralOffset);
  u16(0);
  return buffer;
}

let crcTable: Uint32Array | undefined;

/** zlib's native crc32, present from Node 20.15 on. */
const nativeCrc32 = (zlib as { crc32?: (data: Uint8Array) => number }).crc32;

/** CRC-32 (IEEE, reflected, as zip uses): zlib's where Node has it, else a table-driven one. */
export function crc32(data: Uint8Array): number {
  return nativeCrc32 ? nativeCrc32(data) >>> 0 : tableCrc32(data);
}

/** The portable CRC-32, exported so tests can hold it to the native one. */
export function tableCrc32(data: Uint8Array): number {
  if (crcTable === undefined) {
    crcTable = new Uint32Array(256);
    for (let n = 0; n < 256; n += 1) {
      let c = n;
      for (let k = 0; k < 8; k += 1) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      crcTable[n] = c >>> 0;
    }
  }
  let crc = 0xffffffff;
  for (let index = 0; index < data.length; index += 1) crc = crcTable[(crc ^ data[index]) & 0xff] ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}
