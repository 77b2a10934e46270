import { readFileSync } from "node:fs";
import { basename } from "node:path";
import { z } from "zod";
import { EngineCallError, isRetryableStatus } from "../../core/errors.js";
import { redact, snippet } from "../../engines/http/redact.js";
import { sleep } from "../../engines/http/post-json.js";

/** The fields of a fine-tuning job gapfill reads. */
const jobSchema = z.object({
  id: z.string(),
  status: z.string(),
  training_file: z.string().nullish(),
  fine_tuned_model: z.string().nullish(),
  error: z.object({ message: z.string().nullish() }).passthrough().nullish(),
});
export type FineTuningJob = z.infer<typeof jobSchema>;
const fileSchema = z.object({ id: z.string() });
const jobListSchema = z.object({ data: z.array(jobSchema) });

const ATTEMPTS = 5;

/**
 * A small client of the OpenAI fine-tuning API (`/v1/files`, `/v1/fine_tuning/jobs`), which
 * OpenAI and several OpenAI-compatible platforms serve. Retryable failures (408/409/429/5xx,
 * network) are retried; messages never carry the API key.
 */
export class FineTuningApi {
  constructor(
    private readonly baseUrl: string,
    private readonly apiKey: string | undefined,
    private readonly fetchImpl: typeof fetch = fetch,
  ) {}

  /** Uploads a JSONL file with purpose "fine-tune"; returns its id. */
  async uploadFile(path: string): Promise<string> {
    const form = new FormData();
    form.set("purpose", "fine-tune");
    form.set("file", new Blob([readFileSync(path)], { type: "application/jsonl" }), basename(path));
    return fileSchema.parse(await this.request("POST", "/files", form)).id;
  }

  async createJob(body: { model: string; training_file: string; suffix?: string; seed?: number; hyperparameters?: Record<string, unknown> }): Promise<FineTuningJob> {
    return jobSchema.parse(await this.request("POST", "/fine_tuning/jobs", JSON.stringify(body)));
  }

  async getJob(id: string): Promise<FineTuningJob> {
    return jobSchema.parse(await this.request("GET", `/fine_tuning/jobs/${encodeURIComponent(id)}`));
  }

  /** The newest jobs (the API lists newest first). */
  async listJobs(limit = 100): Promise<FineTuningJob[]> {
    return jobListSchema.parse(await this.request("GET", `/fine_tuning/jobs?limit=${limit}`)).data;
  }

  private async request(method: "GET" | "POST", path: string, body?: string | FormData): Promise<unknown> {
    const url = `${this.baseUrl.replace(/\/$/, "")}${path}`;
    const headers: Record<string, string> = {};
    if (this.apiKey) headers.authorization = `Bearer ${this.apiKey}`;
    if (typeof body === "string") headers["content-type"] = "application/json";
    for (let attempt = 1; ; attempt++) {
      let failure: EngineCallError;
      try {
        const response = await this.fetchImpl(url, { method, headers, body });
        const text = await response.text();
        if (response.ok) {
          try {
            return JSON.parse(text) as unknown;
          } catch {
            failure = new EngineCallError(`${method} ${url}: the answer is not JSON (${snippet(redact(text, [this.apiKey]))})`, { endpoint: url, statusCode: response.status, retryable: true });
          }
        } else {
          failure = new EngineCallError(`${method} ${url} answered ${response.status}: ${snippet(redact(text, [this.apiKey]))}`, {
            endpoint: url,
            statusCode: response.status,
            retryable: isRetryableStatus(response.status),
          });
        }
      } catch (error) {
        failure = new EngineCallError(`${method} ${url} failed: ${redact((error as Error).message, [this.apiKey])}`, { endpoint: url, retryable: true, cause: error });
      }
      if (!failure.retryable || attempt >= ATTEMPTS) throw failure;
      await sleep(Math.min(8000, 250 * 2 ** attempt));
    }
  }
}
