/**
 * The kNN distance blocks over several threads: the rows, their norms and the output live in
 * SharedArrayBuffers, each worker thread takes a contiguous range of query rows, and the main
 * thread takes one range itself while they run. Every range runs {@link kthNeighbourRange}, so
 * the answer is the single-thread one to the bit, whatever the thread count.
 *
 * The workers run the kernel's source text (`eval` workers): no worker file to resolve, so it
 * works the same from the TypeScript sources (tests) and from the built package.
 */
import { availableParallelism } from "node:os";
import { Worker } from "node:worker_threads";
import { kthNeighbourRange } from "./knn-kernel.js";

/** Below this many multiply-adds a worker's start (tens of ms) costs more than it saves. */
const PARALLEL_MIN_WORK = 2e8;

const WORKER_SOURCE = `
const { parentPort } = require("node:worker_threads");
const kthNeighbourRange = ${kthNeighbourRange.toString()};
parentPort.on("message", (task) => {
  kthNeighbourRange(task.data, task.cols, task.norms, task.reference, task.k, task.first, task.last, task.out);
  parentPort.postMessage("done");
});
`;

/** A copy of `array` in shared memory (or `array` itself when it already is). */
export function sharedCopy<T extends Float32Array | Float64Array | Uint32Array>(array: T): T {
  if (array.buffer instanceof SharedArrayBuffer) return array;
  const Constructor = array.constructor as new (buffer: SharedArrayBuffer) => T;
  const copy = new Constructor(new SharedArrayBuffer(array.byteLength));
  copy.set(array as never);
  return copy;
}

/**
 * Distance to the k-th nearest neighbour among `reference` (itself excluded) for every row, on
 * `threads` threads (default: the machine's available parallelism; the calling thread counts as
 * one). Problems under `minWork` multiply-adds (default 2e8) stay on the calling thread. `data` is copied into shared memory unless it
 * is there already.
 */
export async function kthNeighbourDistancesInWorkers(
  data: Float32Array | Float64Array,
  rows: number,
  cols: number,
  reference: Uint32Array,
  k: number,
  options: { threads?: number; minWork?: number } = {},
): Promise<Float64Array> {
  const threads = Math.max(1, Math.min(options.threads ?? availableParallelism(), rows));
  const norms = new Float64Array(new SharedArrayBuffer(rows * Float64Array.BYTES_PER_ELEMENT));
  for (let i = 0; i < rows; i++) {
    let sum = 0;
    for (let c = 0; c < cols; c++) sum += data[i * cols + c] ** 2;
    norms[i] = sum;
  }
  const out = new Float64Array(new SharedArrayBuffer(rows * Float64Array.BYTES_PER_ELEMENT));
  if (threads === 1 || rows * reference.length * cols < (options.minWork ?? PARALLEL_MIN_WORK)) {
    kthNeighbourRange(data, cols, norms, reference, k, 0, rows, out);
    return out;
  }
  const shared = sharedCopy(data);
  const sharedReference = sharedCopy(reference);
  const bounds = Array.from({ length: threads + 1 }, (_, t) => Math.round((t * rows) / threads));
  const workers = Array.from({ length: threads - 1 }, () => new Worker(WORKER_SOURCE, { eval: true }));
  try {
    const done = workers.map(
      (worker, t) =>
        new Promise<void>((resolve, reject) => {
          worker.once("message", () => resolve());
          worker.once("error", reject);
          worker.once("exit", (code) => reject(new Error(`kNN worker exited with code ${code} before finishing`)));
          worker.postMessage({ data: shared, cols, norms, reference: sharedReference, k, first: bounds[t + 1], last: bounds[t + 2], out });
        }),
    );
    // The calling thread takes the first range while the workers run theirs.
    kthNeighbourRange(shared, cols, norms, sharedReference, k, bounds[0], bounds[1], out);
    await Promise.all(done);
    return out;
  } finally {
    await Promise.all(workers.map((worker) => worker.terminate()));
  }
}
