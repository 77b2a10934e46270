/**
 * The centered Gram products of PCA and truncated SVD over several threads, and projections
 * of whole passes (x·P for a `k × cols` P). Each block of rows is cut into pieces that the threads
 * claim (piece-claims.ts: workers from the front, the calling thread from the back, a block not in
 * shared memory copied piece by piece for the workers only), and each piece of a Gram pass is
 * accumulated into its own slot (W or ZᵀGZ, Σt, Σ‖x−μ‖²) in a SharedArrayBuffer. The calling
 * thread then adds the slots into the pass's totals in piece order, which makes the answer
 * independent of which thread took which piece and of the thread count, so a run is
 * reproducible to the bit. Against
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
import { PANEL_ROWS, accumulateCenteredGramJs, gramScratch, projectBlockJs } from "./dense-kernels.js";
import { claimFront, pieceClaims, shareBlock } from "./piece-claims.js";
import { SIMD_GLUE_SOURCE, accumulateCenteredGramSimd, projectBlockSimd, simdKernels, simdKernelsModule } from "./wasm/simd-kernels.js";
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

/** The state a thread needs to accumulate pieces (see {@link accumulatePiece}). */
interface PieceTask {
  cols: number;
  width: number;
  mean: Float64Array;
  basis: Float64Array;
  meanBasis: Float64Array;
  wantSquares: boolean;
  /** Which pieces are claimed and published (piece-claims.ts). */
  claims: Int32Array;
  slotProducts: Float64Array;
  slotSums: Float64Array;
  slotSmall: Float64Array | null;
  slotSquares: Float64Array;
}

/** Accumulates piece `piece` of `data` (`rows` rows) into its own slot. Import-free (workers run its source). */
function accumulatePiece(kernel: typeof accumulateCenteredGramJs, task: PieceTask, data: Float32Array | Float64Array, rows: number, pieceRows: number, piece: number, scratch: Float64Array): void {
  const { cols, width } = task;
  const productSize = task.slotProducts.length === 0 ? 0 : cols * width;
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

/** The state a thread needs to project pieces (see {@link projectPiece}). */
interface ProjectionTask {
  cols: number;
  mean: Float64Array | null;
  components: Float64Array;
  k: number;
  meanProjection: Float64Array;
  claims: Int32Array;
  out: Float32Array | Float64Array;
}

/** Projects piece `piece` of `data` into `task.out` from row `outRow` on. Import-free (workers run its source). */
function projectPiece(kernel: typeof projectBlockJs, task: ProjectionTask, data: Float32Array | Float64Array, rows: number, pieceRows: number, outRow: number, piece: number): void {
  const { cols, k } = task;
  const first = piece * pieceRows;
  const last = Math.min(rows, first + pieceRows);
  kernel(data.subarray(first * cols, last * cols), last - first, cols, task.mean, task.components, k, task.meanProjection, task.out, (outRow + first) * k);
}

const WORKER_SOURCE = `
const { parentPort, workerData } = require("node:worker_threads");
const PANEL_ROWS = ${PANEL_ROWS};
const accumulateCenteredGramJs = ${accumulateCenteredGramJs.toString()};
const projectBlockJs = ${projectBlockJs.toString()};
${SIMD_GLUE_SOURCE}
const accumulatePiece = ${accumulatePiece.toString()};
const projectPiece = ${projectPiece.toString()};
const claimFront = ${claimFront.toString()};
const simd = workerData.module ? instantiateSimdKernels(workerData.module) : null;
const gram = simd
  ? (block, rows, cols, mean, basis, width, meanBasis, product, sums, scratch, wantSquares, small) =>
      accumulateCenteredGramSimd(simd, block, rows, cols, mean, basis, width, product, sums, wantSquares, small)
  : accumulateCenteredGramJs;
const project = simd
  ? (block, rows, cols, mean, components, k, meanProjection, out, outOffset) => projectBlockSimd(simd, block, rows, cols, mean, components, k, out, outOffset)
  : projectBlockJs;
let pass = null;
let scratch = null;
parentPort.on("message", (task) => {
  if (task.type === "pass") {
    pass = task;
    scratch = task.kind === "gram" ? new Float64Array(PANEL_ROWS * task.width) : null;
  } else if (pass.kind === "gram") {
    claimFront(pass.claims, (piece) => accumulatePiece(gram, pass, task.data, task.rows, task.pieceRows, piece, scratch));
  } else {
    claimFront(pass.claims, (piece) => projectPiece(project, pass, task.data, task.rows, task.pieceRows, task.outRow, piece));
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

/** What a projection pass needs: the inputs of `projectBlock`, and where the rows go. */
export interface ProjectionPassInputs {
  cols: number;
  /** Subtracted from each row first; null for none. */
  mean: Float64Array | null;
  /** `k × cols`, row-major. */
  components: Float64Array;
  k: number;
  /** μ·components[t] (used by the JavaScript kernel). */
  meanProjection: Float64Array;
  /** `rows × k` for the whole pass, in shared memory (the workers write into it): row r at r·k. */
  out: Float32Array | Float64Array;
}

/** One projection pass in progress: feed every block to `add` (awaited, in order); `finish` checks the row count. */
export interface ProjectionThreadPass {
  add(block: RowBlock): Promise<void>;
  finish(): void;
}

/** Worker threads kept for the passes of one fit. Always `close` them (finally). */
export interface GramThreads {
  /** Threads working, the calling one included. */
  threads: number;
  beginPass(inputs: GramPassInputs): GramThreadPass;
  /** A pass that projects every row (projectBlock) on all the threads. */
  beginProjection(inputs: ProjectionPassInputs): ProjectionThreadPass;
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
  const gram: typeof accumulateCenteredGramJs = simd
    ? (block, rows, cols, mean, basis, width, _meanBasis, product, sums, _scratch, wantSquares, small) =>
        accumulateCenteredGramSimd(simd, block, rows, cols, mean, basis, width, product, sums, wantSquares, small ?? null)
    : accumulateCenteredGramJs;
  const project: typeof projectBlockJs = simd
    ? (block, rows, cols, mean, components, k, _meanProjection, out, outOffset) => projectBlockSimd(simd, block, rows, cols, mean, components, k, out, outOffset)
    : projectBlockJs;
  const calls = Array.from({ length: Math.max(0, threads - 1) }, () => workerCalls(new Worker(WORKER_SOURCE, { eval: true, workerData: { module } })));
  let staging: Float32Array | Float64Array | null = null;

  /** A shared buffer shaped like `values`, at least as long (filled piece by piece as pieces are published). */
  function stagingView<T extends Float32Array | Float64Array>(values: T): T {
    // Blocks are at most one chunk, so the staging buffer stays at most 64 MiB.
    const bytes = values.length * values.BYTES_PER_ELEMENT;
    if (!staging || staging.constructor !== values.constructor || staging.length < values.length) {
      staging = values instanceof Float32Array ? new Float32Array(new SharedArrayBuffer(bytes)) : new Float64Array(new SharedArrayBuffer(bytes));
    }
    return staging.subarray(0, values.length) as T;
  }

  /**
   * One chunk's pieces, shared with the workers (told `extra` beside the rows) and claimed by this
   * thread too, which runs `work` on the pieces it takes.
   */
  function share<T extends Float32Array | Float64Array>(claims: Int32Array, chunk: BlockChunk<T>, cols: number, extra: Record<string, number>, work: (data: T, piece: number) => void): Promise<void> {
    const { source, rows, pieceRows } = chunk;
    return shareBlock(
      claims,
      calls.length,
      source,
      () => stagingView(source),
      rows,
      cols,
      pieceRows,
      (data) => calls.map((worker) => worker.call({ type: "block", data, rows, pieceRows, ...extra })),
      work,
    );
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
        claims: pieceClaims(),
        slotProducts: sharedZeros(final ? 0 : MAX_PIECES * cols * width),
        slotSums: sharedZeros(MAX_PIECES * width),
        slotSmall: final ? sharedZeros(MAX_PIECES * width * width) : null,
        slotSquares: sharedZeros(MAX_PIECES),
      };
      const started = calls.map((worker) => worker.call({ type: "pass", kind: "gram", ...task }));
      // Awaited by the first add; until then a worker's failure must not count as unhandled.
      for (const promise of started) promise.catch(() => undefined);
      const scratch = gramScratch(width);
      const totals: GramSums = {
        product: new Float64Array(final ? 0 : cols * width),
        centeringSums: new Float64Array(width),
        smallGram: final ? new Float64Array(width * width) : null,
        squares: 0,
      };
      return {
        async add(block: RowBlock): Promise<void> {
          await Promise.all(started);
          for (const chunk of blockChunks(block, cols)) {
            await share(task.claims, chunk, cols, {}, (data, piece) => accumulatePiece(gram, task, data, chunk.rows, chunk.pieceRows, piece, scratch));
            // Piece order, whoever computed each piece: the same blocks give the same bits.
            for (let piece = 0; piece < chunk.pieces; piece++) {
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
    beginProjection(inputs: ProjectionPassInputs): ProjectionThreadPass {
      const { cols, k, out } = inputs;
      if (calls.length > 0 && !(out.buffer instanceof SharedArrayBuffer)) throw new TypeError("a projection on worker threads needs its output in shared memory");
      const task: ProjectionTask = {
        cols,
        mean: inputs.mean ? sharedF64(inputs.mean) : null,
        components: sharedF64(inputs.components),
        k,
        meanProjection: sharedF64(inputs.meanProjection),
        claims: pieceClaims(),
        out,
      };
      const started = calls.map((worker) => worker.call({ type: "pass", kind: "project", ...task }));
      for (const promise of started) promise.catch(() => undefined);
      let seen = 0;
      return {
        async add(block: RowBlock): Promise<void> {
          await Promise.all(started);
          if ((seen + block.rows) * k > out.length) throw new RangeError(`projection output holds ${out.length / k} rows, got more`);
          for (const chunk of blockChunks(block, cols)) {
            const outRow = seen + chunk.first;
            await share(task.claims, chunk, cols, { outRow }, (data, piece) => projectPiece(project, task, data, chunk.rows, chunk.pieceRows, outRow, piece));
          }
          seen += block.rows;
        },
        finish(): void {
          if (seen * k !== out.length) throw new RangeError(`projection pass got ${seen} rows, its output holds ${out.length / k}`);
        },
      };
    },
    async close(): Promise<void> {
      await Promise.all(calls.map((worker) => worker.worker.terminate()));
    },
  };
}

/** A block's rows a chunk at a time (the staging copy stays one chunk), with the chunk's split into pieces. */
interface BlockChunk<T extends Float32Array | Float64Array> {
  /** The chunk's first row within the block. */
  first: number;
  rows: number;
  source: T;
  pieceRows: number;
  pieces: number;
}

function* blockChunks(block: RowBlock, cols: number): Generator<BlockChunk<Float32Array | Float64Array>> {
  const chunkRows = Math.max(1, Math.floor(COPY_CHUNK_VALUES / cols));
  for (let first = 0; first < block.rows; first += chunkRows) {
    const rows = Math.min(chunkRows, block.rows - first);
    const pieceRows = Math.max(MIN_PIECE_ROWS, Math.ceil(rows / MAX_PIECES));
    yield { first, rows, source: block.data.subarray(first * cols, (first + rows) * cols), pieceRows, pieces: Math.ceil(rows / pieceRows) };
  }
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
