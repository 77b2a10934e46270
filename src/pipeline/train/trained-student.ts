import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { Engine } from "../../core/engine.js";
import { GapfillError } from "../../core/errors.js";

/**
 * A student the loop can open: an engine spec and, for LoRA students, the adapter to load on
 * it (a GGUF file for `llama:`, a PEFT folder for vLLM's `/v1/load_lora_adapter`).
 */
export interface StudentRef {
  spec: string;
  lora?: string;
  /** Name the adapter is served under (vLLM); also keeps cached answers of rounds apart. */
  loraName?: string;
}

/** File a trainer writes to hand over a new model spec. */
export const STUDENT_SPEC_FILE = "student.txt";
/** File a trainer writes for a `llama:` student: a GGUF LoRA adapter of the base model. */
export const GGUF_ADAPTER_FILE = "adapter.gguf";
/** PEFT's adapter folder marker: the folder goes to vLLM's load_lora_adapter. */
const PEFT_CONFIG_FILE = "adapter_config.json";

/**
 * What a trainer left in `outputDir`, in order of precedence: a new model spec
 * (`student.txt`), a GGUF LoRA adapter (`adapter.gguf`, for a llama student), or a PEFT LoRA
 * folder (`adapter_config.json`, for a vLLM student).
 */
export function readTrainerOutput(outputDir: string, base: string, round: number): StudentRef {
  const specFile = join(outputDir, STUDENT_SPEC_FILE);
  if (existsSync(specFile)) {
    const spec = readFileSync(specFile, "utf8").trim();
    if (spec === "") throw new GapfillError("trainer-output", `${specFile} is empty: it should hold the new student's spec (e.g. openai:MODEL@URL)`, { userFixable: true });
    return { spec };
  }
  const gguf = join(outputDir, GGUF_ADAPTER_FILE);
  if (existsSync(gguf)) {
    if (!base.startsWith("llama:")) throw new GapfillError("trainer-output", `the trainer wrote ${gguf}, a GGUF adapter, but the student ${base} is not a llama: engine`, { userFixable: true });
    return { spec: base, lora: gguf };
  }
  if (existsSync(join(outputDir, PEFT_CONFIG_FILE))) {
    if (base.startsWith("llama:")) throw new GapfillError("trainer-output", `the trainer wrote a PEFT adapter folder ${outputDir}; a llama: student needs ${GGUF_ADAPTER_FILE} (convert it with llama.cpp's convert_lora_to_gguf.py)`, { userFixable: true });
    return { spec: base, lora: outputDir, loraName: `gapfill-round-${round}` };
  }
  throw new GapfillError(
    "trainer-output",
    `the trainer finished but left nothing a student can load in ${outputDir}: write ${STUDENT_SPEC_FILE} (a model spec), ${GGUF_ADAPTER_FILE} (llama LoRA) or a PEFT folder with ${PEFT_CONFIG_FILE} (vLLM LoRA)`,
    { userFixable: true },
  );
}

/** Opens a student: the engine, with its round's adapter loaded when it has one. */
export async function openStudent(ref: StudentRef, create: (spec: string) => Promise<Engine>): Promise<Engine> {
  const engine = await create(ref.spec);
  if (ref.lora === undefined) return engine;
  try {
    await engine.loadLora(ref.lora, ref.loraName === undefined ? {} : { name: ref.loraName });
  } catch (error) {
    await engine.close();
    throw error;
  }
  return engine;
}

/** How a student is shown: its spec, plus the adapter when it has one. */
export function describeStudent(ref: StudentRef): string {
  return ref.lora === undefined ? ref.spec : `${ref.spec} + LoRA ${ref.lora}`;
}
