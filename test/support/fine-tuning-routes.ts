import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { OpenAITestServer } from "./openai-test-server.js";

/**
 * The OpenAI fine-tuning jobs API for tests, on 127.0.0.1, in front of an {@link OpenAITestServer}:
 * `POST /v1/files` (multipart, purpose fine-tune), `POST /v1/fine_tuning/jobs`,
 * `GET /v1/fine_tuning/jobs[?limit=N]`, `GET /v1/fine_tuning/jobs/ID`. Every other request is
 * passed to the upstream server unchanged, so one base URL serves both training and the
 * resulting model, as OpenAI's does. A job reports "running" for `pollsToFinish` reads, then
 * "succeeded" with `fine_tuned_model` (or "failed" where `fail` says so).
 */
export interface FineTuningJobRecord {
  id: string;
  model: string;
  training_file: string;
  suffix: string | null;
  status: "queued" | "running" | "succeeded" | "failed";
  fine_tuned_model: string | null;
  polls: number;
  error: { message: string } | null;
}

export interface FineTuningServerOptions {
  upstream: OpenAITestServer;
  /** Reads of a job before it finishes. Default 2. */
  pollsToFinish?: number;
  /** The model a finished job yields; gets the job and its training file's text. */
  modelName?: (job: FineTuningJobRecord, trainingText: string) => string;
  /** A failure message for jobs that should fail, or undefined. */
  fail?: (job: FineTuningJobRecord) => string | undefined;
}

export class FineTuningTestServer {
  readonly files = new Map<string, { filename: string; purpose: string; text: string }>();
  readonly jobs = new Map<string, FineTuningJobRecord>();
  /** Fine-tuning requests received (`METHOD /path`), in order; proxied ones are not listed. */
  readonly requests: string[] = [];
  private readonly server: Server;
  private port = 0;

  private constructor(private readonly options: FineTuningServerOptions) {
    this.server = createServer((request, response) => {
      void this.serve(request, response).catch((error: unknown) => send(response, 500, { error: { message: (error as Error).message } }));
    });
  }

  static async start(options: FineTuningServerOptions): Promise<FineTuningTestServer> {
    const instance = new FineTuningTestServer(options);
    await new Promise<void>((resolve) => instance.server.listen(0, "127.0.0.1", resolve));
    instance.port = (instance.server.address() as AddressInfo).port;
    return instance;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  get baseUrl(): string {
    return `${this.url}/v1`;
  }

  async close(): Promise<void> {
    await new Promise<void>((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }

  private async serve(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const url = new URL(request.url ?? "/", this.url);
    const body = await readBytes(request);
    const route = `${request.method} ${url.pathname}`;
    if (route === "POST /v1/files") {
      this.requests.push(route);
      const form = await new Request(url, { method: "POST", headers: { "content-type": String(request.headers["content-type"] ?? "") }, body: new Uint8Array(body) }).formData();
      const file = form.get("file");
      if (!(file instanceof Blob) || form.get("purpose") !== "fine-tune") return send(response, 400, { error: { message: "file and purpose=fine-tune are required" } });
      const id = `file-${this.files.size + 1}`;
      this.files.set(id, { filename: (file as File).name ?? "upload", purpose: "fine-tune", text: await file.text() });
      return send(response, 200, { id, object: "file", purpose: "fine-tune", bytes: file.size });
    }
    if (route === "POST /v1/fine_tuning/jobs") {
      this.requests.push(route);
      const json = JSON.parse(body.toString("utf8") || "{}") as { model?: string; training_file?: string; suffix?: string };
      if (typeof json.model !== "string" || typeof json.training_file !== "string" || !this.files.has(json.training_file)) {
        return send(response, 400, { error: { message: "model and an uploaded training_file are required" } });
      }
      const job: FineTuningJobRecord = {
        id: `ftjob-${this.jobs.size + 1}`,
        model: json.model,
        training_file: json.training_file,
        suffix: json.suffix ?? null,
        status: "queued",
        fine_tuned_model: null,
        polls: 0,
        error: null,
      };
      this.jobs.set(job.id, job);
      return send(response, 200, view(job));
    }
    if (route === "GET /v1/fine_tuning/jobs") {
      this.requests.push(route);
      const limit = Number(url.searchParams.get("limit") ?? 20);
      return send(response, 200, { object: "list", data: [...this.jobs.values()].reverse().slice(0, limit).map(view), has_more: false });
    }
    const jobMatch = /^\/v1\/fine_tuning\/jobs\/([^/]+)$/.exec(url.pathname);
    if (request.method === "GET" && jobMatch) {
      this.requests.push(`GET /v1/fine_tuning/jobs/${jobMatch[1]}`);
      const job = this.jobs.get(decodeURIComponent(jobMatch[1]));
      if (!job) return send(response, 404, { error: { message: "no such job" } });
      this.advance(job);
      return send(response, 200, view(job));
    }
    // Everything else is the model server's business.
    const upstream = await fetch(`${this.options.upstream.url}${url.pathname}${url.search}`, {
      method: request.method,
      headers: { "content-type": String(request.headers["content-type"] ?? "application/json"), ...(request.headers.authorization ? { authorization: String(request.headers.authorization) } : {}) },
      body: request.method === "GET" || request.method === "HEAD" ? undefined : new Uint8Array(body),
    });
    const text = Buffer.from(await upstream.arrayBuffer());
    response.writeHead(upstream.status, { "content-type": upstream.headers.get("content-type") ?? "application/json", "content-length": String(text.length) });
    response.end(text);
  }

  private advance(job: FineTuningJobRecord): void {
    if (job.status === "succeeded" || job.status === "failed") return;
    job.polls++;
    if (job.polls <= (this.options.pollsToFinish ?? 2)) {
      job.status = "running";
      return;
    }
    const failure = this.options.fail?.(job);
    if (failure !== undefined) {
      job.status = "failed";
      job.error = { message: failure };
      return;
    }
    job.status = "succeeded";
    const text = this.files.get(job.training_file)?.text ?? "";
    job.fine_tuned_model = this.options.modelName?.(job, text) ?? `ft:${job.model}:${job.suffix ?? "gapfill"}:${job.id}`;
  }
}

function view(job: FineTuningJobRecord) {
  const { polls: _polls, ...rest } = job;
  return { object: "fine_tuning.job", ...rest };
}

async function readBytes(request: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

function send(response: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  response.writeHead(status, { "content-type": "application/json", "content-length": String(Buffer.byteLength(text)) });
  response.end(text);
}
