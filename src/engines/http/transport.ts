import { Agent } from "undici";

/** What {@link postJson} reads of a reply: the status, a header, the body text. */
export interface TransportReply {
  status: number;
  /** A response header by its lower-case name, or null. */
  header(name: string): string | null;
  /** The whole body; rejects when the connection breaks or the signal aborts while reading. */
  text(): Promise<string>;
}

/** One POST on the wire. Rejects when no reply comes (refused, reset, aborted); any status resolves. */
export type Transport = (url: string, request: { headers: Record<string, string>; body: string; signal: AbortSignal }) => Promise<TransportReply>;

/** A transport that holds connections and can let them go. */
export interface PooledTransport {
  send: Transport;
  /** Closes the idle connections and refuses new requests; requests in flight finish first. Idempotent. */
  close(): Promise<void>;
}

/**
 * The transport over an injected `fetch` (tests, proxies, other runtimes). Each call goes through
 * the WHATWG layers of fetch (Request, Headers, a web stream per body): measured here at
 * 0.9 ms of CPU per request against 0.16–0.20 ms for {@link pooledTransport}.
 */
export function fetchTransport(fetchImpl: typeof fetch): Transport {
  return async (url, { headers, body, signal }) => {
    const response = await fetchImpl(url, { method: "POST", headers, body, signal });
    return { status: response.status, header: (name) => response.headers.get(name), text: () => response.text() };
  };
}

/**
 * The default transport: undici's connection pool (the engine under Node's own fetch) driven
 * directly, with up to `connections` keep-alive connections per origin, one request on each at a
 * time. Every timeout is the caller's (the adaptive per-attempt timeout aborts the signal), so
 * undici's own 300 s header and body timeouts are off: they would cut a long generation that
 * the user allowed more time.
 */
export function pooledTransport(connections: number): PooledTransport {
  const agent = new Agent({ connections, pipelining: 1, headersTimeout: 0, bodyTimeout: 0 });
  const send: Transport = async (url, { headers, body, signal }) => {
    const { origin, pathname, search } = new URL(url);
    const reply = await agent.request({ origin, path: `${pathname}${search}`, method: "POST", headers, body, signal });
    return {
      status: reply.statusCode,
      header: (name) => {
        const value = reply.headers[name];
        return value === undefined ? null : Array.isArray(value) ? value.join(", ") : value;
      },
      text: () => reply.body.text(),
    };
  };
  let closing: Promise<void> | undefined;
  return { send, close: () => (closing ??= agent.close()) };
}
