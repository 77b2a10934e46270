/**
 * The centered Gram products of PCA and truncated SVD over several threads. Each pass gives
 * every thread its own accumulators (W or ZᵀGZ, Σt, Σ‖x−μ‖²) in SharedArrayBuffers; each block of
 * rows is split into contiguous ranges, one per thread, the calling thread taking the first; at
 * the end of the pass the accumulators are summed in thread order. The workers' rows are copied
 * into shared memory unless the block is there already; the calling thread reads its own in
 * place. The split and the sum order depend only on the block sizes and the thread count, so a
 * run is reproducible; against the single-thread pass it differs only by rounding (regrouped sums).
 *
 * Like knn-workers.ts, the workers run the kernel's own source text (`eval` workers), so the
 * main thread and the workers do the very same arithmetic and no worker file has to be found.
 */
import { availableParallelism } from "node:os";
import { Worker } from "node:worker_threads";
import { PANEL_ROWS, accumulateCenteredGram, gramScratch } from "./dense-kernels.js";
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

const WORKER_SOURCE = `
const { parentPort } = require("node:worker_threads");
const PANEL_ROWS = ${PANEL_ROWS};
const accumulateCenteredGram = ${accumulateCenteredGram.toString()};
let pass = null;
let scratch = null;
parentPort.on("message", (task) => {
  if (task.type === "pass") {
    pass = task;
    scratch = new Float64Array(PANEL_ROWS * task.width);
  } else {
    const rows = task.last - task.first;
    const block = task.data.subarray(task.first * pass.cols, task.last * pass.cols);
    pass.squares[0] += accumulateCenteredGram(block, rows, pass.cols, pass.mean, pass.basis, pass.width, pass.meanBasis, pass.product, pass.centeringSums, scratch, pass.wantSquares, pass.smallGram);
  }
  parentPort.postMessage("done");
});
`;

/** What one pass needs: the inputs of {@link accumulateCenteredGram} that stay fixed across blocks. */
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

/** One thread's accumulators, in shared memory so a worker can write them. */
interface Accumulators {
  product: Float64Array;
  centeringSums: Float64Array;
  smallGram: Float64Array | null;
  squares: Float64Array;
}

/** Answers a worker's messages in order: one pending promise per message posted. */
class WorkerCalls {
  private readonly pending: { resolve: () => void; reject: (error: Error) => void }[] = [];
  private failure: Error | null = null;

  constructor(readonly worker: Worker) {
    worker.on("message", () => this.pending.shift()?.resolve());
    worker.on("error", (error) => this.fail(error));
    worker.on("exit", (code) => this.fail(new Error(`Gram worker exited with code ${code} before finishing`)));
  }

  call(message: unknown): Promise<void> {
    if (this.failure) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => {
      this.pending.push({ resolve, reject });
      this.worker.postMessage(message);
    });
  }

  private fail(error: Error): void {
    this.failure ??= error;
    for (const waiting of this.pending.splice(0)) waiting.reject(error);
  }
}

/**
 * Whether a fit of `rows × cols` with basis width `width` is worth worker threads, and how many:
 * 1 means stay on the calling thread. `threads` defaults to the machine's available parallelism.
 */
export function gramThreadCount(rows: number, cols: number, width: number, options: { threads?: number; minWork?: number } = {}): number {
  const threads = Math.max(1, Math.min(options.threads ?? availableParallelism(), rows));
  return rows * cols * width < (options.minWork ?? GRAM_PARALLEL_MIN_WORK) ? 1 : threads;
}

/** Starts `threads − 1` worker threads (the calling thread is the last one) for Gram passes. */
export function startGramThreads(threads: number): GramThreads {
  const calls = Array.from({ length: Math.max(0, threads - 1) }, () => new WorkerCalls(new Worker(WORKER_SOURCE, { eval: true })));
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
      const { cols, width, final } = inputs;
      const sharedInputs = { mean: sharedF64(inputs.mean), basis: sharedF64(inputs.basis), meanBasis: sharedF64(inputs.meanBasis) };
      const accumulators: Accumulators[] = Array.from({ length: calls.length + 1 }, () => ({
        product: sharedZeros(final ? 0 : cols * width),
        centeringSums: sharedZeros(width),
        smallGram: final ? sharedZeros(width * width) : null,
        squares: sharedZeros(1),
      }));
      const started = calls.map((worker, t) =>
        worker.call({ type: "pass", cols, width, wantSquares: inputs.wantSquares, ...sharedInputs, ...accumulators[t + 1] }),
      );
      // Awaited by the first add; until then a worker's failure must not count as unhandled.
      for (const promise of started) promise.catch(() => undefined);
      const scratch = gramScratch(width);
      const own = accumulators[0];
      const chunkRows = Math.max(1, Math.floor(COPY_CHUNK_VALUES / cols));
      return {
        async add(block: RowBlock): Promise<void> {
          await Promise.all(started);
          for (let first = 0; first < block.rows; first += chunkRows) {
            const rows = Math.min(chunkRows, block.rows - first);
            const chunk = block.data.subarray(first * cols, (first + rows) * cols);
            const bounds = Array.from({ length: calls.length + 2 }, (_, t) => Math.round((t * rows) / (calls.length + 1)));
            // Only the workers' rows need to be in shared memory: the calling thread reads its own
            // range where it is, so a non-shared block costs half a copy on two threads.
            const theirs = shared(chunk.subarray(bounds[1] * cols));
            const done = calls.map((worker, t) => worker.call({ type: "block", data: theirs, first: bounds[t + 1] - bounds[1], last: bounds[t + 2] - bounds[1] }));
            const mine = chunk.subarray(0, bounds[1] * cols);
            own.squares[0] += accumulateCenteredGram(mine, bounds[1], cols, sharedInputs.mean, sharedInputs.basis, width, sharedInputs.meanBasis, own.product, own.centeringSums, scratch, inputs.wantSquares, own.smallGram);
            await Promise.all(done);
          }
        },
        finish(): GramSums {
          // Fixed order (thread 0, 1, …): the same run gives the same bits.
          for (const other of accumulators.slice(1)) {
            addInto(own.product, other.product);
            addInto(own.centeringSums, other.centeringSums);
            if (own.smallGram && other.smallGram) addInto(own.smallGram, other.smallGram);
            own.squares[0] += other.squares[0];
          }
          return { product: own.product, centeringSums: own.centeringSums, smallGram: own.smallGram, squares: own.squares[0] };
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

function addInto(target: Float64Array, source: Float64Array): void {
  for (let i = 0; i < target.length; i++) target[i] += source[i];
}
