/**
 * The kNN distance blocks over several threads: the rows, their norms and the output live in
 * SharedArrayBuffers, each worker thread takes a contiguous range of query rows, and the main
 * thread takes one range itself while they run. Every range runs the same kernel, so
 * the answer is the single-thread one to the bit, whatever the thread count.
 *
 * The workers run the kernel's source text (`eval` workers): no worker file to resolve, so it
 * works the same from the TypeScript sources (tests) and from the built package. Where the
 * WebAssembly SIMD kernels are on (wasm/simd-kernels.ts), every thread runs them, each worker
 * with its own instance of the compiled module (handed over in `workerData`).
 */
import { availableParallelism } from "node:os";
import { Worker } from "node:worker_threads";
import { kthNeighbourRangeJs } from "./knn-kernel.js";
import { SIMD_GLUE_SOURCE, kthNeighbourRangeSimd, simdKernels, simdKernelsModule } from "./wasm/simd-kernels.js";

/** Below this many multiply-adds a worker's start (tens of ms) costs more than it saves. */
const PARALLEL_MIN_WORK = 2e8;

const WORKER_SOURCE = `
const { parentPort, workerData } = require("node:worker_threads");
const kthNeighbourRangeJs = ${kthNeighbourRangeJs.toString()};
${SIMD_GLUE_SOURCE}
const simd = workerData.module ? instantiateSimdKernels(workerData.module) : null;
parentPort.on("message", (task) => {
  if (simd) kthNeighbourRangeSimd(simd, task.data, task.cols, task.reference, task.k, task.first, task.last, task.out);
  else kthNeighbourRangeJs(task.data, task.cols, task.norms, task.reference, task.k, task.first, task.last, task.out);
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
  const simd = simdKernels();
  // Σ (x − y)² on the SIMD path: the norms only feed the JavaScript kernel.
  const norms = new Float64Array(new SharedArrayBuffer(rows * Float64Array.BYTES_PER_ELEMENT));
  for (let i = 0; i < rows && !simd; i++) {
    let sum = 0;
    for (let c = 0; c < cols; c++) sum += data[i * cols + c] ** 2;
    norms[i] = sum;
  }
  const out = new Float64Array(new SharedArrayBuffer(rows * Float64Array.BYTES_PER_ELEMENT));
  const range = (values: Float32Array | Float64Array, references: Uint32Array, first: number, last: number): void => {
    if (simd) kthNeighbourRangeSimd(simd, values, cols, references, k, first, last, out);
    else kthNeighbourRangeJs(values, cols, norms, references, k, first, last, out);
  };
  if (threads === 1 || rows * reference.length * cols < (options.minWork ?? PARALLEL_MIN_WORK)) {
    range(data, reference, 0, rows);
    return out;
  }
  const module = simd ? simdKernelsModule() : null;
  const shared = sharedCopy(data);
  const sharedReference = sharedCopy(reference);
  const bounds = Array.from({ length: threads + 1 }, (_, t) => Math.round((t * rows) / threads));
  const workers = Array.from({ length: threads - 1 }, () => new Worker(WORKER_SOURCE, { eval: true, workerData: { module } }));
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
    range(shared, sharedReference, bounds[0], bounds[1]);
    await Promise.all(done);
    return out;
  } finally {
    await Promise.all(workers.map((worker) => worker.terminate()));
  }
}
