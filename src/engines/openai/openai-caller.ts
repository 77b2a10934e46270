import type { ZodType } from "zod";
import { GapfillError } from "../../core/errors.js";
import { laterTurn } from "../http/answer-turns.js";
import type { HttpClient } from "../http/http-client.js";
import { snippet } from "../http/redact.js";
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
 *
 * A well-formed answer of the wrong shape is rarely a transient fault: the same server answers the
 * same request the same way. So the schema is checked here, after the transport; a mismatch is
 * asked again (up to {@link WRONG_SHAPE_ASKS} sends in all), and a mismatch every time is a
 * `bad-response` error naming the server and the field — never counted as throttling, never
 * stored in the cache.
 */
/** How many times one request is sent while its answers have the wrong shape (1 + 2 more asks). */
export const WRONG_SHAPE_ASKS = 3;

export class OpenAICaller {
  constructor(
    private readonly client: HttpClient,
    private readonly cache: RequestCache | undefined,
    private readonly engineKind: string,
    /** "llama.cpp server at http://…", resolved only when an answer has the wrong shape. */
    private readonly describeServer: () => Promise<string>,
  ) {}

  async call<T>(endpoint: ApiEndpoint, body: Record<string, unknown>, schema: ZodType<T>, context: CallContext = {}): Promise<{ value: T; cached: boolean }> {
    const post = () => this.client.post(endpoint.path, body, { signal: context.signal, hints: endpoint.hints, fromRoot: endpoint.fromRoot });
    // The last answer that had the route's shape, parsed: `read` takes it instead of parsing the
    // same object again (an answer sent now, or a stored one `isUsable` just checked).
    let known: { raw: unknown; value: T } | undefined;
    const fits = (raw: unknown): boolean => {
      const parsed = schema.safeParse(raw);
      if (parsed.success) known = { raw, value: parsed.data };
      return parsed.success;
    };
    const send = async () => {
      // A garbled answer can be a passing fault (a proxy, a reply cut and re-framed): ask again,
      // up to WRONG_SHAPE_ASKS times. The same wrong shape every time is how this server answers.
      let raw = await post();
      for (let ask = 1; !fits(raw) && ask < WRONG_SHAPE_ASKS; ask++) raw = await post();
      return known?.raw === raw ? raw : this.check(endpoint, schema, raw);
    };
    const read = (raw: unknown): Promise<T> => (known !== undefined && known.raw === raw ? Promise.resolve(known.value) : this.check(endpoint, schema, raw));
    if (!this.cache) {
      const raw = await send();
      await laterTurn();
      return { value: await read(raw), cached: false };
    }
    const model = typeof body.model === "string" ? body.model : "";
    const { response, cached } = await this.cache.call(
      { engine: this.engineKind, model, endpoint: endpoint.api, body, stage: context.stage },
      send,
      { isUsable: fits },
    );
    // The answer is stored and its slot already carries the next request. What the caller does
    // with it (grade it, write the next prompt, check a near-duplicate) waits until the answers
    // that arrived with it are stored and their slots refilled too (see answer-turns.ts): at
    // 50 ms and 32 in flight this took `generate` from 0.63 to about 0.92 of the endpoint's
    // capacity. Waiting only after the store keeps a kill from losing an answer already paid for.
    if (!cached) await laterTurn();
    return { value: await read(response), cached };
  }

  private async check<T>(endpoint: ApiEndpoint, schema: ZodType<T>, raw: unknown): Promise<T> {
    const parsed = schema.safeParse(raw);
    if (parsed.success) return parsed.data;
    const issue = parsed.error.issues[0];
    const field = issue && issue.path.length > 0 ? issue.path.join(".") : "(the whole answer)";
    const text = typeof raw === "string" ? raw : JSON.stringify(raw);
    throw badResponse(await this.describeServer(), endpoint.api, `${field}: ${issue?.message ?? "unexpected shape"}`, snippet(text ?? "", 160));
  }
}

/**
 * A reply gapfill cannot read: names the server, the route and the field. Code `bad-response`
 * (an item failure: this request is lost, the stage goes on), not retryable.
 */
export function badResponse(server: string, api: string, problem: string, sample?: string): GapfillError {
  return new GapfillError("bad-response", `${server} answered ${api} in a shape gapfill cannot read (${problem})${sample ? `: ${sample}` : ""}`, {
    retryable: false,
  });
}
