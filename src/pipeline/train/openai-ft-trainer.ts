import { appendFileSync } from "node:fs";
import { GapfillError } from "../../core/errors.js";
import { progress } from "../../core/events.js";
import { resolveApiKey, type OpenAIEngineSpec } from "../../engines/engine-spec.js";
import { sleep } from "../../engines/http/post-json.js";
import { FineTuningApi, type FineTuningJob } from "./fine-tuning-api.js";
import { failTraining, readTraining, recordTrainingIds } from "./training-store.js";
import type { StudentRef } from "./trained-student.js";
import type { Trainer, TrainRequest } from "./trainer.js";

const FAILED = new Set(["failed", "cancelled"]);

/**
 * `openai-ft:` trainers: upload the round's chat JSONL, create a fine-tuning job, poll it, and
 * take `fine_tuned_model` as the next student (`openai:MODEL@URL`, the same server).
 *
 * The file id and the job id are stored in the run the moment they are known, so a restart
 * polls the same job. A crash between the job's creation and storing its id is covered too:
 * before creating a job, the newest jobs are searched for one on the same uploaded file.
 */
export function createOpenAIFineTuningTrainer(options: { engine: OpenAIEngineSpec; pollSeconds: number; suffix?: string; epochs?: number; spec: string }): Trainer {
  return {
    spec: options.spec,
    async train(request: TrainRequest): Promise<StudentRef> {
      const { engine } = options;
      const api = new FineTuningApi(engine.baseUrls[0], resolveApiKey(engine, request.env), request.fetch);
      const log = (line: string) => appendFileSync(request.logFile, `${new Date().toISOString()} ${line}\n`);
      const record = readTraining(request.db, request.round);
      let jobId = record?.jobId ?? undefined;
      const started = performance.now();
      request.onEvent(progress.start("train"));
      if (jobId === undefined) {
        let fileId = record?.fileId ?? undefined;
        if (fileId === undefined) {
          fileId = await api.uploadFile(request.trainFile);
          recordTrainingIds(request.db, request.round, { fileId });
          log(`uploaded ${request.trainFile} as ${fileId}`);
        }
        const adopted = (await api.listJobs()).find((job) => job.training_file === fileId && !FAILED.has(job.status));
        if (adopted) log(`found job ${adopted.id} created for ${fileId} before a restart`);
        const job =
          adopted ??
          (await api.createJob({
            model: engine.model,
            training_file: fileId,
            suffix: options.suffix,
            hyperparameters: options.epochs === undefined ? undefined : { n_epochs: options.epochs },
          }));
        jobId = job.id;
        recordTrainingIds(request.db, request.round, { jobId });
        log(`job ${jobId} (${job.status})`);
      } else {
        request.onEvent({ type: "notice", stage: "train", message: `round ${request.round}: resuming fine-tuning job ${jobId}` });
      }
      let job: FineTuningJob;
      let polls = 0;
      for (;;) {
        job = await api.getJob(jobId);
        request.onEvent(progress.tick("train", polls++, undefined, `job ${jobId}: ${job.status}`));
        if (job.status === "succeeded" || FAILED.has(job.status)) break;
        await sleep(options.pollSeconds * 1000);
      }
      log(`job ${jobId} ${job.status}${job.fine_tuned_model ? `: ${job.fine_tuned_model}` : ""}`);
      if (job.status !== "succeeded" || !job.fine_tuned_model) {
        const why = job.error?.message ?? (job.status === "succeeded" ? "no fine_tuned_model in the job" : job.status);
        // The next run starts a fresh job rather than polling a dead one forever.
        failTraining(request.db, request.round, `job ${jobId}: ${why}`);
        throw new GapfillError("trainer-failed", `round ${request.round}: fine-tuning job ${jobId} ${job.status}: ${why}`);
      }
      request.onEvent(progress.end("train", 1, (performance.now() - started) / 1000));
      const keyOption = engine.options.apiKeyEnv === undefined ? "" : `?api_key_env=${engine.options.apiKeyEnv}`;
      return { spec: `openai:${job.fine_tuned_model}@${engine.baseUrls.join(",")}${keyOption}` };
    },
  };
}
