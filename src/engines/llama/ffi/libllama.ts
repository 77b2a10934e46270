/**
 * koffi bindings into the libllama that node-llama-cpp ships, for the two things its addon
 * does not expose: per-token hidden states and batches of input embeddings (`llama_batch.embd`).
 *
 * Struct layouts are copied from `include/llama.h` of llama.cpp PINNED_LLAMA_CPP_RELEASE.
 * `checkLayout` compares the library's own default parameter structs with the values that
 * release's `llama-context.cpp` / `llama-model.cpp` set, field by field, so a release with a
 * different layout fails loudly instead of corrupting memory.
 */
import koffi from "koffi";
import { GapfillError } from "../../../core/errors.js";
import { getLlamaRuntime } from "../llama-runtime.js";
import { PINNED_LLAMA_CPP_RELEASE, findPrebuiltBinaries } from "./llama-release.js";

// koffi runs an asynchronous call on a stack of its own, 128 KiB by default; llama_decode gets
// the 2 MiB a synchronous call has. Settable only before the first koffi.load in the process.
try {
  koffi.config({ ...koffi.config(), async_stack_size: 2 * 2 ** 20 });
} catch {
  // another module loaded a library first: keep koffi's default (stories260K decodes within it)
}

/** Opaque C pointer as koffi hands it to JavaScript. */
export type Pointer = unknown;

/** `struct llama_batch` as koffi decodes it (pointers are opaque externals). */
export interface LlamaBatch {
  n_tokens: number;
  token: Pointer;
  embd: Pointer;
  pos: Pointer;
  n_seq_id: Pointer;
  seq_id: Pointer;
  logits: Pointer;
}

export type ModelParams = Record<string, unknown>;
export type ContextParams = Record<string, unknown>;

// Enums are passed as C `int` (4 bytes on every ABI llama.cpp supports).
const modelParamsType = koffi.struct({
  devices: "void *",
  tensor_buft_overrides: "void *",
  n_gpu_layers: "int32_t",
  split_mode: "int",
  load_mode: "int",
  lazy_mode: "int",
  main_gpu: "int32_t",
  tensor_split: "void *",
  progress_callback: "void *",
  progress_callback_user_data: "void *",
  kv_overrides: "void *",
  vocab_only: "bool",
  check_tensors: "bool",
  use_extra_bufts: "bool",
  no_host: "bool",
  no_alloc: "bool",
  load_mtp: "bool",
});

const contextParamsType = koffi.struct({
  n_ctx: "uint32_t",
  n_batch: "uint32_t",
  n_ubatch: "uint32_t",
  n_seq_max: "uint32_t",
  n_rs_seq: "uint32_t",
  n_outputs_max: "uint32_t",
  n_outputs_max_per_seq: "uint32_t",
  n_threads: "int32_t",
  n_threads_batch: "int32_t",
  ctx_type: "int",
  rope_scaling_type: "int",
  pooling_type: "int",
  attention_type: "int",
  flash_attn_type: "int",
  rope_freq_base: "float",
  rope_freq_scale: "float",
  yarn_ext_factor: "float",
  yarn_attn_factor: "float",
  yarn_beta_fast: "float",
  yarn_beta_slow: "float",
  yarn_orig_ctx: "uint32_t",
  defrag_thold: "float",
  cb_eval: "void *",
  cb_eval_user_data: "void *",
  type_k: "int",
  type_v: "int",
  abort_callback: "void *",
  abort_callback_data: "void *",
  embeddings: "bool",
  offload_kqv: "bool",
  no_perf: "bool",
  op_offload: "bool",
  swa_full: "bool",
  kv_unified: "bool",
  samplers: "void *",
  n_samplers: "size_t",
  ctx_other: "void *",
});

const batchType = koffi.struct({
  n_tokens: "int32_t",
  token: "int32_t *",
  embd: "float *",
  pos: "int32_t *",
  n_seq_id: "int32_t *",
  seq_id: "int32_t **",
  logits: "int8_t *",
});

const typeTraitsType = koffi.struct({
  type_name: "const char *",
  blck_size: "int64_t",
  blck_size_interleave: "int64_t",
  type_size: "size_t",
  is_quantized: "bool",
  to_float: "void *",
  from_float_ref: "void *",
});

/** `void (*ggml_to_float_t)(const void * x, float * y, int64_t k)` */
const toFloatProto = koffi.proto("void", ["const uint8_t *", koffi.out("float *"), "int64_t"]);

/** Sizes (x86-64 SysV) that the pinned `llama.h` implies; checked in the layout test. */
export const EXPECTED_SIZES = { modelParams: 80, contextParams: 160, batch: 56 } as const;

export const LLAMA_POOLING_TYPE_NONE = 0;
export const LLAMA_POOLING_TYPE_MEAN = 1;
/** `llama_context_params.flash_attn_type`: off. */
export const LLAMA_FLASH_ATTN_DISABLED = 0;
/** `ggml_type` F32, for `type_k` / `type_v`. */
export const GGML_TYPE_F32 = 0;

function bindLlama(path: string) {
  const lib = koffi.load(path);
  const decode = lib.func("llama_decode", "int32_t", ["void *", batchType]);
  return {
    modelDefaultParams: lib.func("llama_model_default_params", modelParamsType, []) as () => ModelParams,
    contextDefaultParams: lib.func("llama_context_default_params", contextParamsType, []) as () => ContextParams,
    modelLoadFromFile: lib.func("llama_model_load_from_file", "void *", ["const char *", modelParamsType]) as (path: string, params: ModelParams) => Pointer,
    modelFree: lib.func("llama_model_free", "void", ["void *"]) as (model: Pointer) => void,
    initFromModel: lib.func("llama_init_from_model", "void *", ["void *", contextParamsType]) as (model: Pointer, params: ContextParams) => Pointer,
    free: lib.func("llama_free", "void", ["void *"]) as (ctx: Pointer) => void,
    modelGetVocab: lib.func("llama_model_get_vocab", "void *", ["void *"]) as (model: Pointer) => Pointer,
    modelNEmbd: lib.func("llama_model_n_embd", "int32_t", ["void *"]) as (model: Pointer) => number,
    modelNEmbdInp: lib.func("llama_model_n_embd_inp", "int32_t", ["void *"]) as (model: Pointer) => number,
    modelNCtxTrain: lib.func("llama_model_n_ctx_train", "int32_t", ["void *"]) as (model: Pointer) => number,
    vocabNTokens: lib.func("llama_vocab_n_tokens", "int32_t", ["void *"]) as (vocab: Pointer) => number,
    vocabIsEog: lib.func("llama_vocab_is_eog", "bool", ["void *", "int32_t"]) as (vocab: Pointer, token: number) => boolean,
    tokenize: lib.func("llama_tokenize", "int32_t", ["void *", "const uint8_t *", "int32_t", koffi.out("int32_t *"), "int32_t", "bool", "bool"]) as (vocab: Pointer, text: Uint8Array, textLength: number, tokens: Int32Array, max: number, addSpecial: boolean, parseSpecial: boolean) => number,
    tokenToPiece: lib.func("llama_token_to_piece", "int32_t", ["void *", "int32_t", koffi.out("uint8_t *"), "int32_t", "int32_t", "bool"]) as (vocab: Pointer, token: number, buffer: Uint8Array, length: number, lstrip: number, special: boolean) => number,
    batchInit: lib.func("llama_batch_init", batchType, ["int32_t", "int32_t", "int32_t"]) as (n: number, embd: number, nSeqMax: number) => LlamaBatch,
    batchFree: lib.func("llama_batch_free", "void", [batchType]) as (batch: LlamaBatch) => void,
    decode: decode as (ctx: Pointer, batch: LlamaBatch) => number,
    /**
     * `llama_decode` on one of koffi's worker threads: the event loop stays free, and decodes on
     * different contexts run side by side.
     */
    decodeAsync: (ctx: Pointer, batch: LlamaBatch): Promise<number> =>
      new Promise((resolve, reject) => decode.async(ctx, batch, (error: unknown, status: number) => (error ? reject(error) : resolve(status)))),
    getLogitsIth: lib.func("llama_get_logits_ith", "float *", ["void *", "int32_t"]) as (ctx: Pointer, i: number) => Pointer,
    getEmbeddingsIth: lib.func("llama_get_embeddings_ith", "float *", ["void *", "int32_t"]) as (ctx: Pointer, i: number) => Pointer,
    getEmbeddingsSeq: lib.func("llama_get_embeddings_seq", "float *", ["void *", "int32_t"]) as (ctx: Pointer, seqId: number) => Pointer,
    poolingType: lib.func("llama_pooling_type", "int", ["void *"]) as (ctx: Pointer) => number,
    modelNEmbdOut: lib.func("llama_model_n_embd_out", "int32_t", ["void *"]) as (model: Pointer) => number,
    modelNHead: lib.func("llama_model_n_head", "int32_t", ["void *"]) as (model: Pointer) => number,
    getMemory: lib.func("llama_get_memory", "void *", ["void *"]) as (ctx: Pointer) => Pointer,
    memoryClear: lib.func("llama_memory_clear", "void", ["void *", "bool"]) as (memory: Pointer, data: boolean) => void,
    nCtx: lib.func("llama_n_ctx", "uint32_t", ["void *"]) as (ctx: Pointer) => number,
    adapterLoraInit: lib.func("llama_adapter_lora_init", "void *", ["void *", "const char *"]) as (model: Pointer, path: string) => Pointer,
    setAdaptersLora: lib.func("llama_set_adapters_lora", "int32_t", ["void *", "void **", "size_t", "float *"]) as (
      ctx: Pointer,
      adapters: Pointer[],
      n: number,
      scales: Float32Array,
    ) => number,
  };
}

function bindGgmlBase(path: string) {
  const lib = koffi.load(path);
  return {
    getTypeTraits: lib.func("ggml_get_type_traits", koffi.pointer(typeTraitsType), ["int"]) as (type: number) => Pointer,
  };
}

function bindGgmlBackends(path: string) {
  const lib = koffi.load(path);
  return {
    backendDevCount: lib.func("ggml_backend_dev_count", "size_t", []) as () => number | bigint,
    loadAllFromPath: lib.func("ggml_backend_load_all_from_path", "void", ["const char *"]) as (dir: string) => void,
  };
}

export type LlamaBindings = ReturnType<typeof bindLlama>;
export type GgmlBaseBindings = ReturnType<typeof bindGgmlBase>;

export interface Libllama {
  llama: LlamaBindings;
  ggml: GgmlBaseBindings;
  release: string;
  binsDir: string;
}

/** Copy `count` floats out of C memory. (koffi.view crashes on Node 20, so decode copies.) */
export function readFloats(pointer: Pointer, count: number): Float32Array {
  return Float32Array.from(koffi.decode(pointer, "float", count) as ArrayLike<number>);
}

/** Decode the struct at `pointer` with ggml's type-traits layout. */
export function readTypeTraits(pointer: Pointer): { type_name: string; blck_size: number | bigint; type_size: number | bigint; is_quantized: boolean; to_float: Pointer } {
  return koffi.decode(pointer, typeTraitsType) as ReturnType<typeof readTypeTraits>;
}

/** Call a ggml `to_float` function pointer: `k` values from `input` into a new Float32Array. */
export function callToFloat(toFloat: Pointer, input: Uint8Array, k: number): Float32Array {
  const out = new Float32Array(k);
  koffi.call(toFloat, toFloatProto, input, out, k);
  return out;
}

/** Write into C memory. */
export const memory = {
  int32s(pointer: Pointer, values: Int32Array | number[]): void {
    koffi.encode(pointer, koffi.array("int32_t", values.length), Array.from(values));
  },
  int8s(pointer: Pointer, values: number[]): void {
    koffi.encode(pointer, koffi.array("int8_t", values.length), values);
  },
  floats(pointer: Pointer, values: Float32Array, offset = 0): void {
    koffi.encode(pointer, offset, koffi.array("float", values.length), Array.from(values));
  },
  pointers(pointer: Pointer, count: number): Pointer[] {
    return koffi.decode(pointer, "void *", count) as Pointer[];
  },
};

export function structSizes(): { modelParams: number; contextParams: number; batch: number } {
  return { modelParams: koffi.sizeof(modelParamsType), contextParams: koffi.sizeof(contextParamsType), batch: koffi.sizeof(batchType) };
}

let loaded: Promise<Libllama> | undefined;

/**
 * Load libllama through koffi, once per process. node-llama-cpp is initialized first (it
 * registers ggml's CPU backends); `ggml_backend_load_all_from_path` runs only if no device is
 * registered yet. Throws a GapfillError if the shipped binaries are not the pinned release.
 */
export function loadLibllama(): Promise<Libllama> {
  loaded ??= (async () => {
    await getLlamaRuntime();
    const binaries = findPrebuiltBinaries();
    if (binaries.release !== PINNED_LLAMA_CPP_RELEASE) {
      throw new GapfillError(
        "ffi-release-mismatch",
        `the llama FFI layer is pinned to llama.cpp ${PINNED_LLAMA_CPP_RELEASE} but ${binaries.binsDir} holds ${binaries.release}: re-check the struct layouts in src/engines/llama/ffi/libllama.ts`,
      );
    }
    const ggml = bindGgmlBase(binaries.libggmlBasePath);
    const backends = bindGgmlBackends(binaries.libggmlPath);
    if (Number(backends.backendDevCount()) === 0) backends.loadAllFromPath(binaries.binsDir);
    const llama = bindLlama(binaries.libllamaPath);
    checkLayout(llama);
    return { llama, ggml, release: binaries.release, binsDir: binaries.binsDir };
  })().catch((error: unknown) => {
    loaded = undefined;
    throw error;
  });
  return loaded;
}

/** Default values the pinned release sets (llama-context.cpp / llama-model.cpp). */
export const PINNED_CONTEXT_DEFAULTS: Readonly<Record<string, unknown>> = {
  n_ctx: 512, n_batch: 2048, n_ubatch: 512, n_seq_max: 1, n_rs_seq: 0, n_outputs_max: 0, n_outputs_max_per_seq: 1,
  n_threads: 4, n_threads_batch: 4, ctx_type: 0, rope_scaling_type: -1, pooling_type: -1, attention_type: -1, flash_attn_type: -1,
  rope_freq_base: 0, rope_freq_scale: 0, yarn_ext_factor: -1, yarn_attn_factor: -1, yarn_beta_fast: -1, yarn_beta_slow: -1,
  yarn_orig_ctx: 0, defrag_thold: -1, cb_eval: null, cb_eval_user_data: null, type_k: 1, type_v: 1, abort_callback: null,
  abort_callback_data: null, embeddings: false, offload_kqv: true, no_perf: true, op_offload: true, swa_full: true,
  kv_unified: false, samplers: null, n_samplers: 0, ctx_other: null,
};
export const PINNED_MODEL_DEFAULTS: Readonly<Record<string, unknown>> = {
  devices: null, tensor_buft_overrides: null, n_gpu_layers: -1, split_mode: 1, load_mode: -1, lazy_mode: 1, main_gpu: 0,
  tensor_split: null, progress_callback: null, progress_callback_user_data: null, kv_overrides: null, vocab_only: false,
  check_tensors: false, use_extra_bufts: true, no_host: false, no_alloc: false, load_mtp: false,
};

/** Field names whose decoded default differs from the pinned release's (empty when the layout matches). */
export function layoutMismatches(actual: Record<string, unknown>, expected: Readonly<Record<string, unknown>>): string[] {
  const wrong: string[] = [];
  for (const [field, value] of Object.entries(expected)) {
    const got = actual[field];
    const same = typeof got === "bigint" ? Number(got) === value : got === value;
    if (!same) wrong.push(`${field}=${String(got)} (expected ${String(value)})`);
  }
  return wrong;
}

function checkLayout(llama: LlamaBindings): void {
  const wrong = [
    ...layoutMismatches(llama.contextDefaultParams(), PINNED_CONTEXT_DEFAULTS).map((w) => `llama_context_params.${w}`),
    ...layoutMismatches(llama.modelDefaultParams(), PINNED_MODEL_DEFAULTS).map((w) => `llama_model_params.${w}`),
  ];
  if (wrong.length) {
    throw new GapfillError("ffi-layout-mismatch", `libllama's parameter structs do not match the layout pinned for llama.cpp ${PINNED_LLAMA_CPP_RELEASE}: ${wrong.join(", ")}`);
  }
}
