/**
 * The centered Gram products of PCA and truncated SVD over several threads. Each block of rows
 * is cut into pieces of consecutive rows; the threads (the calling one included) claim pieces
 * from a shared counter until none are left, and each piece is accumulated into its own slot
 * (W or ZᵀGZ, Σt, Σ‖x−μ‖²) in a SharedArrayBuffer. The calling thread then adds the slots into
 * the pass's totals in piece order. Claiming pieces keeps both cores busy even when another
 * process holds one of them; adding in piece order makes the answer independent of which thread
 * took which piece and of the thread count, so a run is reproducible to the bit. Against
 * {@link accumulateCenteredGram} over the whole block it differs only by rounding (regrouped sums).
 *
 * Like knn-workers.ts, the workers run the kernel's own source text (`eval` workers), so the
 * main thread and the workers do the very same arithmetic and no worker file has to be found.
 * Where the WebAssembly SIMD kernels are on when the threads start (wasm/simd-kernels.ts), every
 * thread runs them, each worker with its own instance of the compiled module (handed over in
 * `workerData`); otherwise every thread runs the JavaScript kernel.
 */
import { availableParallelism } from "node:os";
import { Worker } from "node:worker_threads";
import { PANEL_ROWS, accumulateCenteredGramJs, gramScratch } from "./dense-kernels.js";
import { SIMD_GLUE_SOURCE, accumulateCenteredGramSimd, simdKernels, simdKernelsModule } from "./wasm/simd-kernels.js";
import type { RowBlock } from "./matrix.js";

/**
 * Below this many multiply-adds per pass (rows × cols × width) the worker starts (tens of ms)
 * cost more than a second core saves.
 */
export const GRAM_PARALLEL_MIN_WORK = 2e8;

/**
 * Non-shared blocks are copied into shared memory this many values at a time (64 MiB of
 * float32 at most), so an in-memory matrix handed over as one block is never copied whole.
 */
const COPY_CHUNK_VALUES = 16 * 2 ** 20;

/** Pieces per chunk at most: each has a slot of `cols × width` values, summed in order. */
const MAX_PIECES = 16;

/** Rows per piece at least: small enough to balance, big enough that slot sums stay negligible. */
const MIN_PIECE_ROWS = 256;

/** The state a thread needs to claim and accumulate pieces (see {@link claimPieces}). */
interface PieceTask {
  cols: number;
  width: number;
  mean: Float64Array;
  basis: Float64Array;
  meanBasis: Float64Array;
  wantSquares: boolean;
  counter: Int32Array;
  slotProducts: Float64Array;
  slotSums: Float64Array;
  slotSmall: Float64Array | null;
  slotSquares: Float64Array;
}

/**
 * Claims pieces of `data` (`rows` rows) from `task.counter` until none are left, each into its
 * own slot. Import-free and given the kernel as an argument: the workers run its source text.
 */
function claimPieces(kernel: typeof accumulateCenteredGramJs, task: PieceTask, data: Float32Array | Float64Array, rows: number, pieceRows: number, scratch: Float64Array): void {
  const { cols, width } = task;
  const pieces = Math.ceil(rows / pieceRows);
  const productSize = task.slotProducts.length === 0 ? 0 : cols * width;
  for (;;) {
    const piece = Atomics.add(task.counter, 0, 1);
    if (piece >= pieces) return;
    const first = piece * pieceRows;
    const last = Math.min(rows, first + pieceRows);
    const product = task.slotProducts.subarray(piece * productSize, (piece + 1) * productSize);
    const sums = task.slotSums.subarray(piece * width, (piece + 1) * width);
    const small = task.slotSmall ? task.slotSmall.subarray(piece * width * width, (piece + 1) * width * width) : null;
    product.fill(0);
    sums.fill(0);
    if (small) small.fill(0);
    task.slotSquares[piece] = kernel(data.subarray(first * cols, last * cols), last - first, cols, task.mean, task.basis, width, task.meanBasis, product, sums, scratch, task.wantSquares, small);
  }
}

const WORKER_SOURCE = `
const { parentPort, workerData } = require("node:worker_threads");
const PANEL_ROWS = ${PANEL_ROWS};
const accumulateCenteredGramJs = ${accumulateCenteredGramJs.toString()};
${SIMD_GLUE_SOURCE}
const claimPieces = ${claimPieces.toString()};
const simd = workerData.module ? instantiateSimdKernels(workerData.module) : null;
const kernel = simd
  ? (block, rows, cols, mean, basis, width, meanBasis, product, sums, scratch, wantSquares, small) =>
      accumulateCenteredGramSimd(simd, block, rows, cols, mean, basis, width, product, sums, wantSquares, small)
  : accumulateCenteredGramJs;
let pass = null;
let scratch = null;
parentPort.on("message", (task) => {
  if (task.type === "pass") {
    pass = task;
    scratch = new Float64Array(PANEL_ROWS * task.width);
  } else {
    claimPieces(kernel, pass, task.data, task.rows, task.pieceRows, scratch);
  }
  parentPort.postMessage("done");
});
`;

/** What one pass needs: the inputs of `accumulateCenteredGram` that stay fixed across blocks. */
export interface GramPassInputs {
  cols: number;
  mean: Float64Array;
  basis: Float64Array;
  width: number;
  meanBasis: Float64Array;
  wantSquares: boolean;
  /** The final pass: accumulate only ZᵀGZ (`width × width`), not W. */
  final: boolean;
}

/** A pass's sums over all threads. `product` is empty on a final pass, `smallGram` null otherwise. */
export interface GramSums {
  product: Float64Array;
  centeringSums: Float64Array;
  smallGram: Float64Array | null;
  squares: number;
}

/** One pass in progress: feed every block to `add` (awaited, in order), then `finish`. */
export interface GramThreadPass {
  add(block: RowBlock): Promise<void>;
  finish(): GramSums;
}

/** Worker threads kept for the passes of one fit. Always `close` them (finally). */
export interface GramThreads {
  /** Threads working, the calling one included. */
  threads: number;
  beginPass(inputs: GramPassInputs): GramThreadPass;
  close(): Promise<void>;
}

/** A worker whose messages are answered in order: one pending promise per message posted. */
interface WorkerCalls {
  worker: Worker;
  call(message: unknown): Promise<void>;
}

function workerCalls(worker: Worker): WorkerCalls {
  const pending: { resolve: () => void; reject: (error: Error) => void }[] = [];
  let failure: Error | null = null;
  const fail = (error: Error): void => {
    failure ??= error;
    for (const waiting of pending.splice(0)) waiting.reject(error);
  };
  worker.on("message", () => pending.shift()?.resolve());
  worker.on("error", fail);
  worker.on("exit", (code) => fail(new Error(`Gram worker exited with code ${code} before finishing`)));
  return {
    worker,
    call(message: unknown): Promise<void> {
      if (failure) return Promise.reject(failure);
      return new Promise((resolve, reject) => {
        pending.push({ resolve, reject });
        worker.postMessage(message);
      });
    },
  };
}

/**
 * Whether a fit of `rows × cols` with basis width `width` is worth worker threads, and how many:
 * 1 means stay on the calling thread. `threads` defaults to the machine's available parallelism.
 */
export function gramThreadCount(rows: number, cols: number, width: number, options: { threads?: number; minWork?: number } = {}): number {
  const threads = Math.max(1, Math.min(options.threads ?? availableParallelism(), rows));
  return rows * cols * width < (options.minWork ?? GRAM_PARALLEL_MIN_WORK) ? 1 : threads;
}

/**
 * Starts `threads − 1` worker threads (the calling thread is the last one) for Gram passes. They
 * run the SIMD kernels when these are on now, the JavaScript kernel otherwise.
 */
export function startGramThreads(threads: number): GramThreads {
  const simd = simdKernels();
  const module = simd ? simdKernelsModule() : null;
  const kernel: typeof accumulateCenteredGramJs = simd
    ? (block, rows, cols, mean, basis, width, _meanBasis, product, sums, _scratch, wantSquares, small) =>
        accumulateCenteredGramSimd(simd, block, rows, cols, mean, basis, width, product, sums, wantSquares, small ?? null)
    : accumulateCenteredGramJs;
  const calls = Array.from({ length: Math.max(0, threads - 1) }, () => workerCalls(new Worker(WORKER_SOURCE, { eval: true, workerData: { module } })));
  let staging: Float32Array | Float64Array | null = null;

  /** A shared view of `values` (copied into the staging buffer unless already shared). */
  function shared(values: Float32Array | Float64Array): Float32Array | Float64Array {
    if (values.buffer instanceof SharedArrayBuffer) return values;
    // Blocks are at most one chunk, so the staging buffer stays at most 64 MiB.
    const bytes = values.length * values.BYTES_PER_ELEMENT;
    if (!staging || staging.constructor !== values.constructor || staging.length < values.length) {
      staging = values instanceof Float32Array ? new Float32Array(new SharedArrayBuffer(bytes)) : new Float64Array(new SharedArrayBuffer(bytes));
    }
    const view = staging.subarray(0, values.length);
    view.set(values);
    return view;
  }

  return {
    threads: calls.length + 1,
    beginPass(inputs: GramPassInputs): GramThreadPass {
      const { cols, width, final, wantSquares } = inputs;
      const task: PieceTask = {
        cols,
        width,
        mean: sharedF64(inputs.mean),
        basis: sharedF64(inputs.basis),
        meanBasis: sharedF64(inputs.meanBasis),
        wantSquares,
        counter: new Int32Array(new SharedArrayBuffer(Int32Array.BYTES_PER_ELEMENT)),
        slotProducts: sharedZeros(final ? 0 : MAX_PIECES * cols * width),
        slotSums: sharedZeros(MAX_PIECES * width),
        slotSmall: final ? sharedZeros(MAX_PIECES * width * width) : null,
        slotSquares: sharedZeros(MAX_PIECES),
      };
      const started = calls.map((worker) => worker.call({ type: "pass", ...task }));
      // Awaited by the first add; until then a worker's failure must not count as unhandled.
      for (const promise of started) promise.catch(() => undefined);
      const scratch = gramScratch(width);
      const totals: GramSums = {
        product: new Float64Array(final ? 0 : cols * width),
        centeringSums: new Float64Array(width),
        smallGram: final ? new Float64Array(width * width) : null,
        squares: 0,
      };
      const chunkRows = Math.max(1, Math.floor(COPY_CHUNK_VALUES / cols));
      return {
        async add(block: RowBlock): Promise<void> {
          await Promise.all(started);
          for (let first = 0; first < block.rows; first += chunkRows) {
            const rows = Math.min(chunkRows, block.rows - first);
            const data = shared(block.data.subarray(first * cols, (first + rows) * cols));
            const pieceRows = Math.max(MIN_PIECE_ROWS, Math.ceil(rows / MAX_PIECES));
            task.counter[0] = 0;
            const done = calls.map((worker) => worker.call({ type: "block", data, rows, pieceRows }));
            claimPieces(kernel, task, data, rows, pieceRows, scratch);
            await Promise.all(done);
            // Piece order, whoever computed each piece: the same blocks give the same bits.
            const pieces = Math.ceil(rows / pieceRows);
            for (let piece = 0; piece < pieces; piece++) {
              addInto(totals.product, task.slotProducts, piece * totals.product.length);
              addInto(totals.centeringSums, task.slotSums, piece * width);
              if (totals.smallGram && task.slotSmall) addInto(totals.smallGram, task.slotSmall, piece * width * width);
              totals.squares += task.slotSquares[piece];
            }
          }
        },
        finish(): GramSums {
          return totals;
        },
      };
    },
    async close(): Promise<void> {
      await Promise.all(calls.map((worker) => worker.worker.terminate()));
    },
  };
}

function sharedZeros(length: number): Float64Array {
  return new Float64Array(new SharedArrayBuffer(length * Float64Array.BYTES_PER_ELEMENT));
}

function sharedF64(values: Float64Array): Float64Array {
  const copy = sharedZeros(values.length);
  copy.set(values);
  return copy;
}

function addInto(target: Float64Array, source: Float64Array, offset: number): void {
  for (let i = 0; i < target.length; i++) target[i] += source[offset + i];
}
