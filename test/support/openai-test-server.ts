import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { chatCompletion, defaultChat, defaultCompletion, defaultEmbeddings, defaultPooling, textCompletion } from "./default-responders.js";
import { seededRandom } from "./fake-tokens.js";

/**
 * A real OpenAI-compatible HTTP server on 127.0.0.1 for tests and benchmarks: deterministic
 * answers, a record of every request, fixed latency, and fault injection (429 with
 * Retry-After, 500, hangs, truncated and non-JSON bodies, missing fields) drawn by a seeded
 * probability or scripted for the next N requests.
 *
 * Routes: POST /v1/chat/completions, /v1/completions, /v1/embeddings, /pooling (vLLM),
 * /v1/load_lora_adapter (vLLM); GET /v1/models.
 */

export type Route = "chat" | "completions" | "embeddings" | "pooling" | "load_lora" | "models";

export type Fault = "429" | "500" | "hang" | "truncated" | "non-json" | "missing-fields";

/** A request as the server received it; `authorization` is kept so tests can assert on it. */
export interface ReceivedRequest {
  route: Route | "unknown";
  method: string;
  path: string;
  headers: Record<string, string | string[] | undefined>;
  body: Record<string, unknown>;
}

/** A reply with a chosen status and headers, for handlers that need more than a 200 JSON body. */
export class Reply {
  constructor(
    readonly status: number,
    readonly body: unknown,
    readonly headers: Record<string, string> = {},
  ) {}
}

/**
 * A route handler. Return the JSON body (200), a `Reply`, or — for chat and completions — a
 * plain string, which becomes the generated text of a well-formed completion.
 */
export type Handler = (request: ReceivedRequest) => unknown | Promise<unknown>;

export interface TestServerOptions {
  /**
   * Every answer (faults included, hangs excepted) leaves this many ms after its request began
   * to arrive, as from a model server whose compute takes that long: the answer is worked out
   * during the wait, so the server's own CPU does not add to it. Default 0.
   */
  latencyMs?: number;
  /** Probability that a request gets a fault drawn from `faultKinds`. Default 0. */
  faultRate?: number;
  /** Faults drawn when `faultRate` hits. Default: 429, 500, truncated, non-json, missing-fields. */
  faultKinds?: Fault[];
  /** `Retry-After` value sent with injected 429s. Default "0". */
  retryAfter?: string;
  /** Seed of the fault draws. Default 1. */
  seed?: number;
  /** Vector size of embeddings and pooling. Default 8. */
  dimensions?: number;
  /**
   * false: keep only counts (`received`, `held`), not the requests themselves — the throughput
   * benchmarks send tens of thousands, and holding every body grew the server's heap and its
   * garbage collection with the run. Default true.
   */
  record?: boolean;
  /** Routes that answer 404, to play a server started without the flag that enables them. */
  disabledRoutes?: Route[];
}

const routeOf: Partial<Record<string, Route>> = {
  "POST /v1/chat/completions": "chat",
  "POST /v1/completions": "completions",
  "POST /v1/embeddings": "embeddings",
  "POST /pooling": "pooling",
  "POST /v1/load_lora_adapter": "load_lora",
  "GET /v1/models": "models",
};

export class OpenAITestServer {
  /** Every request received, in arrival order. */
  readonly requests: ReceivedRequest[] = [];
  /** Requests that got a complete, successful (2xx, no fault) answer. */
  readonly answered: ReceivedRequest[] = [];
  /** Requests received, recorded or not. */
  received = 0;
  /**
   * Answers sent and the time they were held, summed in ms from the moment each request began to
   * be handled to its answer: the latency the server really gave (its timers fire a little early
   * or late), which the throughput benchmarks report beside the nominal one.
   */
  readonly held = { answers: 0, ms: 0 };
  /** LoRA adapters loaded through `/v1/load_lora_adapter`, by name → path. */
  readonly loras = new Map<string, string>();
  readonly options: TestServerOptions;
  private readonly server: Server;
  private readonly handlers = new Map<Route, Handler>();
  private readonly scripted: (Fault | "ok")[] = [];
  private random: () => number;
  private port = 0;

  private constructor(options: TestServerOptions) {
    this.options = { ...options };
    this.random = seededRandom(options.seed ?? 1);
    this.server = createServer((request, response) => {
      void this.serve(request, response);
    });
  }

  /** Start listening on 127.0.0.1 with an ephemeral port. */
  static async start(options: TestServerOptions = {}): Promise<OpenAITestServer> {
    const instance = new OpenAITestServer(options);
    await new Promise<void>((resolve) => instance.server.listen(0, "127.0.0.1", resolve));
    instance.port = (instance.server.address() as AddressInfo).port;
    return instance;
  }

  /** `http://127.0.0.1:PORT` (vLLM's `/pooling` lives here). */
  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** `http://127.0.0.1:PORT/v1`: what an `openai:MODEL@URL` spec points at. */
  get baseUrl(): string {
    return `${this.url}/v1`;
  }

  /** Replace the default answer of a route. */
  handle(route: Route, handler: Handler): this {
    this.handlers.set(route, handler);
    return this;
  }

  /** Restore a route's default answer. */
  unhandle(route: Route): this {
    this.handlers.delete(route);
    return this;
  }

  /** The next requests get these outcomes, in order ("ok" = a normal answer), before any random fault. */
  script(...outcomes: (Fault | "ok")[]): this {
    this.scripted.push(...outcomes);
    return this;
  }

  /** Change random fault injection (and restart its seeded sequence). */
  setFaults(rate: number, kinds?: Fault[], seed?: number): this {
    this.options.faultRate = rate;
    if (kinds) this.options.faultKinds = kinds;
    this.random = seededRandom(seed ?? this.options.seed ?? 1);
    return this;
  }

  /** Forget recorded requests and answers. */
  clearRecords(): void {
    this.requests.length = 0;
    this.answered.length = 0;
  }

  /** Stop listening and cut every open connection (hung requests included). */
  async close(): Promise<void> {
    await new Promise<void>((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }

  private async serve(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const arrived = performance.now();
    // Requests come in bursts. Each is stamped as it arrives; the work of reading and answering
    // it waits for the next turn of the event loop, so it does not delay the stamps of the
    // requests that arrived with it (a model server's compute runs beside its HTTP front).
    await new Promise((resolve) => setImmediate(resolve));
    const path = (request.url ?? "/").split("?")[0];
    const route = routeOf[`${request.method} ${path}`] ?? "unknown";
    const received: ReceivedRequest = {
      route,
      method: request.method ?? "GET",
      path,
      headers: { ...request.headers },
      body: await readBody(request),
    };
    this.received += 1;
    if (this.options.record !== false) this.requests.push(received);

    const fault = this.nextFault();
    if (fault === "hang") return; // never answer; close() cuts the socket
    const replied = this.reply(route, received, fault);
    // Node's timers count from the event loop's cached clock, so one may fire up to a few ms
    // early; waiting again for what is left makes the latency a floor, never a little less.
    const deadline = arrived + (this.options.latencyMs ?? 0);
    for (let wait = deadline - performance.now(); wait > 0; wait = deadline - performance.now()) {
      await new Promise((resolve) => setTimeout(resolve, Math.ceil(wait)));
    }
    const sendReply = await replied;
    this.held.answers += 1;
    this.held.ms += performance.now() - arrived;
    sendReply(response);
  }

  /** Works out the answer to one request (fault, error or reply); the returned function sends it. */
  private async reply(route: Route | "unknown", received: ReceivedRequest, fault: Fault | undefined): Promise<(response: ServerResponse) => void> {
    const json = (status: number, body: unknown, headers: Record<string, string> = {}) => {
      const text = JSON.stringify(body);
      return (response: ServerResponse) => sendRaw(response, status, text, "application/json", headers);
    };
    if (route === "unknown" || this.options.disabledRoutes?.includes(route)) {
      return json(404, { error: { message: `no route ${received.method} ${received.path}` } });
    }
    if (fault === "429") return json(429, { error: { message: "rate limited" } }, { "retry-after": this.options.retryAfter ?? "0" });
    if (fault === "500") return json(500, { error: { message: "internal error" } });
    if (fault === "non-json") return (response) => sendRaw(response, 200, "<html><body>502 Bad Gateway</body></html>", "text/html");

    let reply: Reply;
    try {
      reply = this.toReply(route, received, await this.answer(route, received));
    } catch (error) {
      return json(500, { error: { message: `handler failed: ${(error as Error).message}` } });
    }
    if (fault === "missing-fields") return json(200, { id: "broken", object: "list" });
    if (fault === "truncated") {
      const text = JSON.stringify(reply.body);
      return (response) => {
        // Promise more bytes than we send, then drop the connection mid-body.
        response.writeHead(200, { "content-type": "application/json", "content-length": String(Buffer.byteLength(text) + 10) });
        response.write(text.slice(0, Math.max(1, Math.floor(text.length / 2))));
        setTimeout(() => response.destroy(), 1);
      };
    }
    const ok = reply.status >= 200 && reply.status < 300;
    const text = typeof reply.body === "string" ? reply.body : JSON.stringify(reply.body);
    const type = typeof reply.body === "string" ? "text/plain" : "application/json";
    return (response) => {
      if (ok && this.options.record !== false) this.answered.push(received);
      sendRaw(response, reply.status, text, type, reply.headers);
    };
  }

  private nextFault(): Fault | undefined {
    const scripted = this.scripted.shift();
    if (scripted !== undefined) return scripted === "ok" ? undefined : scripted;
    const rate = this.options.faultRate ?? 0;
    if (rate <= 0 || this.random() >= rate) return undefined;
    const kinds = this.options.faultKinds ?? ["429", "500", "truncated", "non-json", "missing-fields"];
    return kinds[Math.floor(this.random() * kinds.length)];
  }

  private answer(route: Route, request: ReceivedRequest): unknown {
    const custom = this.handlers.get(route);
    if (custom) return custom(request);
    const dimensions = this.options.dimensions ?? 8;
    switch (route) {
      case "chat":
        return defaultChat(request.body);
      case "completions":
        return defaultCompletion(request.body);
      case "embeddings":
        return defaultEmbeddings(request.body, dimensions);
      case "pooling":
        return defaultPooling(request.body, dimensions);
      case "load_lora": {
        const { lora_name: name, lora_path: path } = request.body;
        if (typeof name !== "string" || typeof path !== "string") return new Reply(400, { error: { message: "lora_name and lora_path are required" } });
        this.loras.set(name, path);
        return `Success: LoRA adapter '${name}' added successfully.`;
      }
      case "models":
        return { object: "list", data: [{ id: "test-model", object: "model" }, ...[...this.loras.keys()].map((id) => ({ id, object: "model" }))] };
      default:
        return new Reply(404, { error: { message: "unknown route" } });
    }
  }

  private toReply(route: Route, request: ReceivedRequest, value: unknown): Reply {
    if (value instanceof Reply) return value;
    if (typeof value === "string" && route === "chat") return new Reply(200, chatCompletion(value, request.body));
    if (typeof value === "string" && route === "completions") return new Reply(200, textCompletion(value, request.body));
    return new Reply(200, value);
  }
}

async function readBody(request: IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  const text = Buffer.concat(chunks).toString("utf8");
  if (!text) return {};
  try {
    const value = JSON.parse(text) as unknown;
    return typeof value === "object" && value !== null ? (value as Record<string, unknown>) : { value };
  } catch {
    return { unparsed: text };
  }
}

function sendRaw(response: ServerResponse, status: number, text: string, type: string, headers: Record<string, string> = {}): void {
  response.writeHead(status, { "content-type": type, "content-length": String(Buffer.byteLength(text)), ...headers });
  response.end(text);
}
