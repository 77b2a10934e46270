import { spawn } from "node:child_process";
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { GapfillError } from "../../core/errors.js";
import { progress } from "../../core/events.js";
import { fillCommandTemplate } from "./shell-quote.js";
import { readTrainedMarker, writeTrainedMarker } from "./trained-marker.js";
import { readTrainerOutput, type StudentRef } from "./trained-student.js";
import type { Trainer, TrainRequest } from "./trainer.js";

/**
 * What a trainer command inherits without being asked: what a shell, Python, and a GPU job
 * need to run, nothing that carries a credential. An API key in the environment would reach
 * `trainer.log` through anything the command prints; the user names other variables on purpose.
 */
export const TRAINER_ENV_ALLOWED: readonly string[] = [
  "PATH", "HOME", "USER", "LOGNAME", "SHELL", "LANG", "LANGUAGE", "TZ", "TMPDIR", "TEMP", "TMP", "TERM",
  "PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV", "CONDA_PREFIX", "CONDA_DEFAULT_ENV", "LD_LIBRARY_PATH",
  "CUDA_VISIBLE_DEVICES", "HIP_VISIBLE_DEVICES", "NVIDIA_VISIBLE_DEVICES", "OMP_NUM_THREADS",
  "HF_HOME", "HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE", "XDG_CACHE_HOME",
];

/**
 * The trainer's environment: the allow-list (and `LC_*`), the variables the user named
 * (`passEnv`), and `GAPFILL_ROUND`. Everything else in `source` stays out.
 */
export function trainerEnvironment(source: NodeJS.ProcessEnv, passEnv: readonly string[], round: number): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(source)) {
    if (value !== undefined && (TRAINER_ENV_ALLOWED.includes(name) || name.startsWith("LC_") || passEnv.includes(name))) env[name] = value;
  }
  env.GAPFILL_ROUND = String(round);
  return env;
}

/** Written after the command succeeded and its result was found: a restart reuses the result. */
const DONE_MARKER = ".gapfill-trained.json";

/**
 * `command:` trainers: a shell command per round, its output appended to the round's log, run
 * with an allow-listed environment plus the variables named in `passEnv` (see {@link trainerEnvironment}).
 * A command killed with gapfill is run again from an empty output folder (a half-written
 * adapter must not be loaded); one that had finished is not run again.
 */
export function createCommandTrainer(template: string, spec: string, options: { passEnv?: readonly string[] } = {}): Trainer {
  return {
    spec,
    async train(request: TrainRequest): Promise<StudentRef> {
      const marker = join(request.outputDir, DONE_MARKER);
      if (existsSync(marker)) return readTrainedMarker(marker);
      rmSync(request.outputDir, { recursive: true, force: true });
      mkdirSync(request.outputDir, { recursive: true });
      const command = fillCommandTemplate(template, {
        train_file: request.trainFile,
        base_model: request.baseModel,
        round: String(request.round),
        output_dir: request.outputDir,
      });
      const started = performance.now();
      request.onEvent(progress.start("train"));
      request.onEvent({ type: "notice", stage: "train", message: `round ${request.round}: ${command}` });
      const env = trainerEnvironment({ ...process.env, ...request.env }, options.passEnv ?? [], request.round);
      const code = await runLogged(command, request.logFile, env);
      if (code !== 0) {
        throw new GapfillError("trainer-failed", `round ${request.round}: the trainer command exited with ${code}${tail(request.logFile)}; full output in ${request.logFile}`, { userFixable: true });
      }
      const result = readTrainerOutput(request.outputDir, request.baseStudent, request.round);
      await writeTrainedMarker(marker, result);
      request.onEvent(progress.end("train", 1, (performance.now() - started) / 1000));
      return result;
    },
  };
}

function runLogged(command: string, logFile: string, env: NodeJS.ProcessEnv): Promise<number | string> {
  const fd = openSync(logFile, "a");
  return new Promise<number | string>((resolve, reject) => {
    const child = spawn("sh", ["-c", command], { stdio: ["ignore", fd, fd], env });
    child.on("error", reject);
    child.on("exit", (code, signal) => resolve(code ?? `signal ${signal}`));
  }).finally(() => closeSync(fd));
}

/** The line that says what went wrong: the last one naming an error, else the last line. */
function tail(logFile: string): string {
  const lines = readFileSync(logFile, "utf8").split("\n").map((line) => line.trim()).filter((line) => line !== "");
  const line = lines.findLast((candidate) => /error|exception|fatal/i.test(candidate)) ?? lines.at(-1);
  return line === undefined ? "" : ` (${line.slice(0, 400)})`;
}
