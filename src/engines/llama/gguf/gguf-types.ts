/**
 * Constants of the GGUF container (ggml `docs/gguf.md`, version 3) and the ggml tensor types
 * gapfill reads or writes. Numbers are the on-disk enum values: they never change between
 * llama.cpp releases, so they are safe to hard-code.
 */

/** "GGUF" read as a little-endian uint32. */
export const GGUF_MAGIC = 0x46554747;
export const GGUF_VERSION = 3;
export const GGUF_DEFAULT_ALIGNMENT = 32;

/** Metadata value types. */
export const GgufValueType = {
  UINT8: 0,
  INT8: 1,
  UINT16: 2,
  INT16: 3,
  UINT32: 4,
  INT32: 5,
  FLOAT32: 6,
  BOOL: 7,
  STRING: 8,
  ARRAY: 9,
  UINT64: 10,
  INT64: 11,
  FLOAT64: 12,
} as const;
export type GgufValueType = (typeof GgufValueType)[keyof typeof GgufValueType];

/** ggml tensor types (the subset with names here; any other id still parses). */
export const GgmlType = {
  F32: 0,
  F16: 1,
  Q4_0: 2,
  Q4_1: 3,
  Q5_0: 6,
  Q5_1: 7,
  Q8_0: 8,
  Q8_1: 9,
  Q2_K: 10,
  Q3_K: 11,
  Q4_K: 12,
  Q5_K: 13,
  Q6_K: 14,
  Q8_K: 15,
  BF16: 30,
} as const;
export type GgmlTypeName = keyof typeof GgmlType;

/**
 * Block geometry of a ggml type: `blockSize` elements take `typeSize` bytes. Needed to find
 * where a tensor row starts without dequantizing everything before it.
 */
export const GGML_BLOCK: Readonly<Record<number, { blockSize: number; typeSize: number; name: string }>> = {
  0: { blockSize: 1, typeSize: 4, name: "F32" },
  1: { blockSize: 1, typeSize: 2, name: "F16" },
  2: { blockSize: 32, typeSize: 18, name: "Q4_0" },
  3: { blockSize: 32, typeSize: 20, name: "Q4_1" },
  6: { blockSize: 32, typeSize: 22, name: "Q5_0" },
  7: { blockSize: 32, typeSize: 24, name: "Q5_1" },
  8: { blockSize: 32, typeSize: 34, name: "Q8_0" },
  9: { blockSize: 32, typeSize: 36, name: "Q8_1" },
  10: { blockSize: 256, typeSize: 84, name: "Q2_K" },
  11: { blockSize: 256, typeSize: 110, name: "Q3_K" },
  12: { blockSize: 256, typeSize: 144, name: "Q4_K" },
  13: { blockSize: 256, typeSize: 176, name: "Q5_K" },
  14: { blockSize: 256, typeSize: 210, name: "Q6_K" },
  15: { blockSize: 256, typeSize: 292, name: "Q8_K" },
  30: { blockSize: 1, typeSize: 2, name: "BF16" },
};

/** Bytes taken by `elements` values of `type`, or undefined for a type not in GGML_BLOCK. */
export function ggmlRowBytes(type: number, elements: number): number | undefined {
  const block = GGML_BLOCK[type];
  if (!block || elements % block.blockSize !== 0) return undefined;
  return (elements / block.blockSize) * block.typeSize;
}
