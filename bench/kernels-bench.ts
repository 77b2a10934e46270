/**
 * The geometry kernels, JavaScript (float64) against WebAssembly SIMD (float32 lanes, float64
 * across rows), in one run, interleaved rep by rep so load from other processes falls on both:
 * multiply-adds per second, medians over the reps, and the SIMD/JS ratio. Single thread for each
 * kernel, then the Gram pass and the kNN distances on the worker threads. Returns figures, prints nothing.
 *
 * Multiply-adds counted: a Gram pass rows·cols·width·2 (t = xZ, then W += x tᵀ), its final
 * pass rows·cols·width, a projection rows·cols·k, the kNN distances rows·references·dims.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { accumulateCenteredGram, accumulateColumnMoments, gramScratch, projectBlock } from "../src/geometry/dense-kernels.js";
import { startGramThreads } from "../src/geometry/gram-workers.js";
import { kthNeighbourRange } from "../src/geometry/knn-kernel.js";
import { kthNeighbourDistancesInWorkers, sharedCopy } from "../src/geometry/knn-workers.js";
import { pcaFitTransform } from "../src/geometry/pca.js";
import { createGaussian, createRandom, sampleIndices } from "../src/geometry/random.js";
import { fileRowSource, findSklearnPython, writeMixture } from "./map-bench.js";
import { componentCorrelations } from "./map-whole-bench.js";
import { instantiateSimdKernels, setSimdKernels, simdKernels, simdKernelsModule } from "../src/geometry/wasm/simd-kernels.js";
import { median } from "./median.js";

const simdKernelsOn = (): boolean => simdKernels() !== null;

/** Options of {@link benchKernels}. */
export interface KernelBenchOptions {
  /** Rows of the 1024-column block. Default 20,000 (80 MB of float32). */
  rows?: number;
  /** Interleaved repetitions per kernel. Default 3. */
  reps?: number;
}

type Figures = { name: string; figures: Record<string, number> };

export async function benchKernels(options: KernelBenchOptions = {}): Promise<Figures[]> {
  const rows = options.rows ?? 20_000;
  const reps = options.reps ?? 3;
  const cols = 1024;
  const gaussian = createGaussian(createRandom(1));
  const data = Float32Array.from({ length: rows * cols }, () => gaussian() + 0.3);
  const mean = new Float64Array(cols).fill(0.3);
  const results: Figures[] = [];
  const previous = setSimdKernels(true);
  try {
    for (const width of [8, 9]) {
      const basis = Float64Array.from({ length: cols * width }, () => gaussian());
      const meanBasis = new Float64Array(width);
      for (let c = 0; c < cols; c++) for (let j = 0; j < width; j++) meanBasis[j] += mean[c] * basis[c * width + j];
      const gram = (final: boolean) => () =>
        accumulateCenteredGram(data, rows, cols, mean, basis, width, meanBasis, new Float64Array(final ? 0 : cols * width), new Float64Array(width), gramScratch(width), false, final ? new Float64Array(width * width) : null);
      results.push(await compare(`kernel: Gram pass, ${rows}×${cols}, width ${width}, one thread`, rows * cols * width * 2, reps, gram(false)));
      if (width === 8) results.push(await compare(`kernel: Gram final pass (ZᵀGZ only), ${rows}×${cols}, width ${width}, one thread`, rows * cols * width, reps, gram(true)));
    }
    const sums = new Float64Array(cols);
    results.push(await compare(`kernel: column sums and Σ‖x‖² (float64), ${rows}×${cols}, one thread (madds = values)`, rows * cols, reps, () => accumulateColumnMoments(data, rows, cols, sums)));
    for (const k of [2, 8, 32]) {
      const components = Float64Array.from({ length: k * cols }, () => gaussian());
      const meanProjection = new Float64Array(k);
      for (let t = 0; t < k; t++) for (let c = 0; c < cols; c++) meanProjection[t] += mean[c] * components[t * cols + c];
      const out = new Float32Array(rows * k);
      results.push(await compare(`kernel: projectBlock, ${rows}×${cols} → ${k}, one thread`, rows * cols * k, reps, () => projectBlock(data, rows, cols, mean, components, k, meanProjection, out, 0)));
    }
    const dims = 32;
    const knnRows = rows;
    const projected = Float32Array.from({ length: knnRows * dims }, () => gaussian());
    const norms = new Float64Array(knnRows);
    for (let i = 0; i < knnRows; i++) for (let d = 0; d < dims; d++) norms[i] += projected[i * dims + d] ** 2;
    const reference = sampleIndices(createRandom(2), knnRows, 2048);
    const kth = new Float64Array(knnRows);
    results.push(await compare(`kernel: kNN distances, ${knnRows}×${dims}, 2048 references, k 10, one thread`, knnRows * 2048 * dims, reps, () => kthNeighbourRange(projected, dims, norms, reference, 10, 0, knnRows, kth)));

    // Copy or shared memory: the SIMD Gram pass as it runs (each 32-row panel copied into the
    // instance's memory) against the same kernels on rows already in that memory.
    results.push(gramCopyCost(data, rows, cols, mean, reps));

    // Worker threads (2, the calling one included): a Gram pass over a block already in shared
    // memory and one copied into it, and the kNN distances.
    const shared = sharedCopy(data);
    const width = 8;
    const basis = Float64Array.from({ length: cols * width }, () => gaussian());
    const meanBasis = new Float64Array(width);
    for (let c = 0; c < cols; c++) for (let j = 0; j < width; j++) meanBasis[j] += mean[c] * basis[c * width + j];
    // Each kernel's threads stay up across the reps (as across a fit's passes), so the staging buffer is reused.
    setSimdKernels(false);
    const jsThreads = startGramThreads(2);
    setSimdKernels(true);
    const simdThreads = startGramThreads(2);
    try {
      for (const [label, block] of [["shared block", shared], ["block not in shared memory", data]] as const) {
        const pass = async (threads: typeof jsThreads) => {
          const running = threads.beginPass({ cols, mean, basis, width, meanBasis, wantSquares: false, final: false });
          // In 4096-row blocks, as the map streams them.
          for (let first = 0; first < rows; first += 4096) {
            const count = Math.min(4096, rows - first);
            await running.add({ data: block.subarray(first * cols, (first + count) * cols), rows: count });
          }
          running.finish();
        };
        await pass(jsThreads);
        await pass(simdThreads);
        results.push(
          await compare(`workers: Gram pass, ${rows}×${cols}, width ${width}, 2 threads, ${label}`, rows * cols * width * 2, reps, () =>
            pass(simdKernelsOn() ? simdThreads : jsThreads),
          ),
        );
      }
    } finally {
      await jsThreads.close();
      await simdThreads.close();
    }
    const sharedProjected = sharedCopy(projected);
    results.push(
      await compare(`workers: kNN distances, ${knnRows}×${dims}, 2048 references, k 10, 2 threads`, knnRows * 2048 * dims, reps, () =>
        kthNeighbourDistancesInWorkers(sharedProjected, knnRows, dims, reference, 10, { threads: 2, minWork: 0 }),
      ),
    );
  } finally {
    setSimdKernels(previous);
  }
  return results;
}

/** JavaScript and SIMD runs of `run`, interleaved: medians and the ratio. */
async function compare(name: string, multiplyAdds: number, reps: number, run: () => unknown): Promise<Figures> {
  const times: Record<"js" | "simd", number[]> = { js: [], simd: [] };
  for (let rep = 0; rep < reps; rep++) {
    for (const kernel of rep % 2 === 0 ? (["js", "simd"] as const) : (["simd", "js"] as const)) {
      setSimdKernels(kernel === "simd");
      const started = performance.now();
      await run();
      times[kernel].push((performance.now() - started) / 1000);
    }
  }
  setSimdKernels(true);
  const js = median(times.js);
  const simd = median(times.simd);
  return {
    name,
    figures: {
      js_s: js,
      simd_s: simd,
      js_gmadd_per_s: multiplyAdds / js / 1e9,
      simd_gmadd_per_s: multiplyAdds / simd / 1e9,
      simd_speedup: js / simd,
    },
  };
}

/** The SIMD Gram pass as it runs (panels copied in) against its kernels on rows already in the instance's memory. */
function gramCopyCost(data: Float32Array, rows: number, cols: number, mean: Float64Array, reps: number): Figures {
  const module = simdKernelsModule();
  if (!module) return { name: "kernel: Gram copy cost (no WebAssembly SIMD here)", figures: {} };
  const simd = instantiateSimdKernels(module);
  const width = 8;
  const gaussian = createGaussian(createRandom(3));
  const basis = Float64Array.from({ length: cols * width }, () => gaussian());
  // Layout: μ, Z, all rows, T, W.
  const zAt = cols * 4;
  const xAt = zAt + cols * width * 4;
  const tAt = xAt + rows * cols * 4;
  const wAt = tAt + 32 * width * 4;
  simd.memory.grow(Math.ceil((wAt + width * cols * 8) / 65536));
  const f32 = new Float32Array(simd.memory.buffer);
  for (let c = 0; c < cols; c++) f32[c] = mean[c];
  for (let i = 0; i < cols * width; i++) f32[zAt / 4 + i] = basis[i];
  const times: Record<"copied" | "resident", number[]> = { copied: [], resident: [] };
  for (let rep = 0; rep < reps; rep++) {
    let started = performance.now();
    setSimdKernels(true);
    accumulateCenteredGram(data, rows, cols, mean, basis, width, new Float64Array(width), new Float64Array(cols * width), new Float64Array(width), gramScratch(width), false, null);
    times.copied.push((performance.now() - started) / 1000);
    // Resident rows, centered once beforehand (the pass proper centers each panel in cache).
    f32.set(data, xAt / 4);
    started = performance.now();
    for (let first = 0; first < rows; first += 32) {
      const n = Math.min(32, rows - first);
      const at = xAt + first * cols * 4;
      simd.center(at, n, cols, 0);
      simd.dots(at, n, cols, zAt, width, tAt);
      simd.outer(at, n, cols, tAt, width, wAt);
    }
    times.resident.push((performance.now() - started) / 1000);
  }
  const copied = median(times.copied);
  const resident = median(times.resident);
  return {
    name: `kernel: SIMD Gram pass, ${rows}×${cols}, width ${width}: panels copied into wasm memory vs rows resident there`,
    figures: { copied_s: copied, resident_s: resident, copied_over_resident: copied / resident },
  };
}

/**
 * The whole PCA-2 fit with projection (pcaFitTransform over a float32 file streamed in 4096-row
 * blocks, the map's path, default threads), JavaScript vs SIMD kernels interleaved, and sklearn's
 * randomized PCA on the same bytes when python3-sklearn is importable, with the correlation of
 * each of our components with sklearn's.
 */
export async function benchPcaKernels(sizes: { rows: number; cols: number }[] = [{ rows: 50_000, cols: 768 }, { rows: 400_000, cols: 1024 }], reps = 2): Promise<Figures[]> {
  const results: Figures[] = [];
  const python = findSklearnPython();
  const previous = simdKernelsOn();
  try {
    for (const { rows, cols } of sizes) {
      const directory = mkdtempSync(join(tmpdir(), "gapfill-kernels-pca-"));
      try {
        const file = join(directory, "embeddings.f32");
        writeMixture(file, rows, cols);
        const source = fileRowSource(file, rows, cols);
        const times: Record<"js" | "simd", number[]> = { js: [], simd: [] };
        let components: Float64Array | null = null;
        for (let rep = 0; rep < reps; rep++) {
          for (const kernel of rep % 2 === 0 ? (["simd", "js"] as const) : (["js", "simd"] as const)) {
            setSimdKernels(kernel === "simd");
            const started = performance.now();
            const { model } = await pcaFitTransform(source, 2, { seed: 0 });
            times[kernel].push((performance.now() - started) / 1000);
            if (kernel === "simd") components = model.components;
          }
        }
        const figures: Record<string, number> = { rows, cols, js_pca_s: median(times.js), simd_pca_s: median(times.simd) };
        figures.simd_speedup = figures.js_pca_s / figures.simd_pca_s;
        if (python && components) {
          const output = execFileSync(python, [fileURLToPath(new URL("../../bench/sklearn_peer.py", import.meta.url)), file, String(rows), String(cols), "10", "0"], { encoding: "utf8", maxBuffer: 1 << 28 });
          const peer = JSON.parse(output.trim().split("\n").pop() as string) as { pca_s: number; components: number[][] };
          figures.sklearn_pca_s = peer.pca_s;
          figures.simd_over_sklearn = figures.simd_pca_s / peer.pca_s;
          componentCorrelations(components, peer.components, cols).forEach((value, t) => (figures[`component_${t + 1}_correlation_sklearn`] = value));
        }
        results.push({ name: `whole PCA-2 fit + projection, ${rows}×${cols} float32 file, default threads: JS vs SIMD kernels`, figures });
      } finally {
        rmSync(directory, { recursive: true, force: true });
      }
    }
  } finally {
    setSimdKernels(previous);
  }
  return results;
}
