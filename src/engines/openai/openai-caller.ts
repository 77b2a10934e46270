import type { ZodType } from "zod";
import { EngineCallError } from "../../core/errors.js";
import type { HttpClient } from "../http/http-client.js";
import type { RequestCache } from "../request-cache.js";
import type { ApiEndpoint } from "./endpoints.js";

/** Where a call is accounted and how it may be stopped. */
export interface CallContext {
  stage?: string;
  signal?: AbortSignal;
}

/**
 * One door for every model call of an OpenAI engine: through the run's request cache when
 * there is one (so a repeated run sends nothing already answered), over the HTTP client
 * (concurrency, retries, timeouts), and validated against the route's schema — cached answers
 * included, since a batch import may have stored something the engine cannot read.
 */
export class OpenAICaller {
  constructor(
    private readonly client: HttpClient,
    private readonly cache: RequestCache | undefined,
    private readonly engineKind: string,
  ) {}

  async call<T>(endpoint: ApiEndpoint, body: Record<string, unknown>, schema: ZodType<T>, context: CallContext = {}): Promise<{ value: T; cached: boolean }> {
    const send = () =>
      this.client.post(endpoint.path, body, { schema, signal: context.signal, hints: endpoint.hints, fromRoot: endpoint.fromRoot });
    if (!this.cache) return { value: await send(), cached: false };
    const model = typeof body.model === "string" ? body.model : "";
    const { response, cached } = await this.cache.call(
      { engine: this.engineKind, model, endpoint: endpoint.api, body, stage: context.stage },
      send,
      { isUsable: (stored) => schema.safeParse(stored).success },
    );
    const parsed = schema.safeParse(response);
    if (!parsed.success) {
      // Unreachable unless a concurrent writer changed the row between check and read.
      throw new EngineCallError(`cached answer for ${endpoint.api} does not match the expected shape`, { endpoint: endpoint.api, retryable: false });
    }
    return { value: parsed.data, cached };
  }
}
