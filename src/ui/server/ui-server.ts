import { existsSync, readFileSync, statSync } from "node:fs";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { basename, extname, join } from "node:path";
import DatabaseConstructor from "better-sqlite3";
import { RUN_DATABASE_FILE } from "../../store/index.js";
import { PROGRESS_EVENT } from "../../store/progress-log.js";
import { createMapViewRoutes, MAP_VIEW_PATHS } from "../map-view/map-view-routes.js";
import { renderRunsPage } from "./runs-page.js";
import { listRuns, resolveRunDir, summarizeRun } from "./run-index.js";

/** Files of a run directory the UI serves; nothing else (no database, no embeddings, no logs). */
const SERVED_TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".json": "application/json; charset=utf-8",
  ".png": "image/png",
};

/**
 * Pages run inline scripts on data embedded in themselves and may talk only to this server:
 * no request leaves the machine, whatever text a dataset holds.
 */
const CONTENT_SECURITY_POLICY = "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data: 'self'; connect-src 'self'; base-uri 'none'; form-action 'none'";

export interface UiServerOptions {
  /** The folder whose runs are shown (`./runs` by default in the CLI). */
  root: string;
  /** 0 picks a free port. */
  port?: number;
  /** How often a live stream looks for new events. Default 400 ms. */
  pollMs?: number;
}

export interface UiServer {
  url: string;
  close(): Promise<void>;
}

/**
 * `gapfill ui`: a loopback-only server over a folder of runs. It lists the runs, serves their
 * report pages, and streams each run's progress events (server-sent events) while another
 * gapfill process writes them. Runs are opened read-only; SQLite's WAL lets writer and reader go
 * on together. Only files directly inside a run directory, of the types above, are served.
 */
export async function startUiServer(options: UiServerOptions): Promise<UiServer> {
  const pollMs = options.pollMs ?? 400;
  const streams = new Set<() => void>();
  const mapView = createMapViewRoutes();
  const server: Server = createServer((request, response) => {
    handle(request, response).catch((error: unknown) => {
      if (!response.headersSent) send(response, 500, "text/plain; charset=utf-8", `gapfill ui: ${(error as Error).message}`);
      else response.end();
    });
  });

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const url = new URL(request.url ?? "/", "http://127.0.0.1");
    if (request.method !== "GET") return send(response, 405, "text/plain; charset=utf-8", "only GET");
    if (url.pathname === "/") return send(response, 200, SERVED_TYPES[".html"], renderRunsPage());
    if (url.pathname === "/api/runs") return send(response, 200, SERVED_TYPES[".json"], JSON.stringify(await listRuns(options.root)));
    // The runs that have a map, for the runs page's links to their map view.
    if (url.pathname === "/api/maps") {
      const ids = (await listRuns(options.root)).map((run) => run.id).filter((runId) => {
        const runDir = resolveRunDir(options.root, runId);
        return runDir !== undefined && mapView.hasMap(runDir);
      });
      return send(response, 200, SERVED_TYPES[".json"], JSON.stringify(ids));
    }
    const id = url.searchParams.get("run") ?? "";
    const dir = resolveRunDir(options.root, id);
    if ((MAP_VIEW_PATHS as readonly string[]).includes(url.pathname)) {
      if (!dir) return send(response, 404, "text/plain; charset=utf-8", `no run "${id}" under ${options.root}`);
      return mapView.handle(url.pathname, url.searchParams, id, dir, (status, type, body) => send(response, status, type, body));
    }
    if (url.pathname === "/api/events" || url.pathname === "/run") {
      if (!dir) return send(response, 404, "text/plain; charset=utf-8", `no run "${id}" under ${options.root}`);
    }
    if (url.pathname === "/run") {
      const file = url.searchParams.get("file") ?? "";
      const type = SERVED_TYPES[extname(file)];
      // A bare file name only: no separators, no dot-files, no way out of the run directory.
      if (!type || file !== basename(file) || file.startsWith(".")) return send(response, 404, "text/plain; charset=utf-8", "not served");
      const path = join(dir!, file);
      if (!existsSync(path) || !statSync(path).isFile()) return send(response, 404, "text/plain; charset=utf-8", `${file}: not in this run`);
      return send(response, 200, type, readFileSync(path));
    }
    if (url.pathname === "/api/events") return streamEvents(request, response, dir!, Number(url.searchParams.get("after") ?? 0));
    return send(response, 404, "text/plain; charset=utf-8", "not found");
  }

  /** Server-sent events: the run's progress events after `after`, then new ones as they are written, until the run stops. */
  async function streamEvents(request: IncomingMessage, response: ServerResponse, dir: string, after: number): Promise<void> {
    response.writeHead(200, { "content-type": "text/event-stream; charset=utf-8", "cache-control": "no-store", "content-security-policy": CONTENT_SECURITY_POLICY });
    const db = new DatabaseConstructor(join(dir, RUN_DATABASE_FILE), { readonly: true, fileMustExist: true });
    const next = db.prepare("SELECT id, at, payload FROM events WHERE type = ? AND id > ? ORDER BY id LIMIT 500");
    let last = Number.isFinite(after) ? after : 0;
    let timer: NodeJS.Timeout | undefined;
    let quietPolls = 0;
    const stop = () => {
      if (timer) clearTimeout(timer);
      streams.delete(stop);
      if (db.open) db.close();
      response.end();
    };
    streams.add(stop);
    request.on("close", stop);
    const poll = async () => {
      if (!db.open) return;
      const rows = next.all(PROGRESS_EVENT, last) as Array<{ id: number; at: string; payload: string }>;
      for (const row of rows) {
        last = row.id;
        response.write(`id: ${row.id}\nevent: progress\ndata: ${JSON.stringify({ at: row.at, ...JSON.parse(row.payload) })}\n\n`);
      }
      quietPolls = rows.length > 0 ? 0 : quietPolls + 1;
      // Between bursts, say once in a while whether the run is still running; a stopped run ends the stream.
      if (quietPolls > 0 && quietPolls % 5 === 1) {
        const summary = await summarizeRun(options.root, dir);
        response.write(`event: state\ndata: ${JSON.stringify({ state: summary?.state ?? "stopped", reason: summary?.reason ?? null })}\n\n`);
        if (summary?.state !== "running") return stop();
      }
      timer = setTimeout(() => void poll().catch(stop), pollMs);
    };
    await poll();
  }

  await new Promise<void>((resolve) => server.listen(options.port ?? 0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/`,
    close: () =>
      new Promise<void>((resolve) => {
        for (const stop of [...streams]) stop();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

function send(response: ServerResponse, status: number, type: string, body: string | Buffer): void {
  response.writeHead(status, {
    "content-type": type,
    "content-security-policy": CONTENT_SECURITY_POLICY,
    "x-content-type-options": "nosniff",
    "cache-control": "no-store",
  });
  response.end(body);
}
