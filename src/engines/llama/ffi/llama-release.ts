import { readFileSync, readdirSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { GapfillError } from "../../../core/errors.js";

/**
 * The llama.cpp release whose `llama.h` the FFI struct layouts in `libllama.ts` were copied
 * from. node-llama-cpp 3.22.1 ships it (its prebuilt libs are `libllama.v0.5.0.so`). When
 * node-llama-cpp is upgraded this must be re-checked against the new `include/llama.h`
 * (clone `node_modules/node-llama-cpp/llama/gitRelease.bundle`) and the layout test rerun.
 */
export const PINNED_LLAMA_CPP_RELEASE = "v0.5.0";

/** The prebuilt package whose binaries the FFI layer loads. */
export const PREBUILT_PACKAGE = "@node-llama-cpp/linux-x64";

export interface PrebuiltBinaries {
  /** Folder holding libllama, libggml* and the CPU backend variants. */
  binsDir: string;
  libllamaPath: string;
  libggmlBasePath: string;
  /** libggml: backend registry (`ggml_backend_load_all_from_path`). */
  libggmlPath: string;
  /** The llama.cpp release recorded in the prebuilt's build metadata. */
  release: string;
}

/**
 * Locate the prebuilt llama.cpp binaries through module resolution (not a hard-coded
 * node_modules path), and read which release they were built from.
 */
export function findPrebuiltBinaries(): PrebuiltBinaries {
  if (process.platform !== "linux" || process.arch !== "x64") {
    throw new GapfillError(
      "llama-unavailable",
      `the llama engine's FFI layer is pinned to ${PREBUILT_PACKAGE}; this machine is ${process.platform}-${process.arch}: use an openai: or ollama: engine here`,
      { userFixable: true },
    );
  }
  const require = createRequire(import.meta.url);
  // The package's "exports" only expose its entry (dist/index.js); its root is two levels up.
  const packageRoot = dirname(dirname(require.resolve(PREBUILT_PACKAGE)));
  const binsDir = join(packageRoot, "bins", "linux-x64");
  const metadata = JSON.parse(readFileSync(join(binsDir, "_nlcBuildMetadata.json"), "utf8")) as {
    buildOptions?: { llamaCpp?: { release?: string } };
  };
  const release = metadata.buildOptions?.llamaCpp?.release;
  if (!release) throw new GapfillError("llama-install", `${binsDir}/_nlcBuildMetadata.json names no llama.cpp release (reinstall ${PREBUILT_PACKAGE})`, { userFixable: true });
  // Named libllama.<release>.so today; fall back to any libllama*.so should the scheme change.
  const files = readdirSync(binsDir);
  const libllama = files.find((f) => f === `libllama.${release}.so`) ?? files.find((f) => /^libllama(\.[^-]*)?\.so$/.test(f));
  const libggml = files.find((f) => f === `libggml.${release}.so`) ?? files.find((f) => /^libggml(\.[^-]*)?\.so$/.test(f));
  if (!libllama || !libggml) throw new GapfillError("llama-install", `no libllama*.so / libggml*.so in ${binsDir} (reinstall ${PREBUILT_PACKAGE})`, { userFixable: true });
  return {
    binsDir,
    libllamaPath: join(binsDir, libllama),
    libggmlBasePath: join(binsDir, "libggml-base.so"),
    libggmlPath: join(binsDir, libggml),
    release,
  };
}
