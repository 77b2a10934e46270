import { existsSync } from "node:fs";
import { join } from "node:path";
import { MAP_FILE } from "../../pipeline/map/map-artifact.js";
import { colorFields, colorValues } from "./map-view-colors.js";
import { loadMapViewDataset, MAX_TEXTS_PER_REQUEST, searchTexts, textsOf, type MapViewDataset } from "./map-view-dataset.js";
import { loadMapViewModel, mapVersionStamp, type MapViewModel } from "./map-view-data.js";
import { renderMapViewPage } from "./map-view-page.js";

/** Paths the map view answers under `gapfill ui`. */
export const MAP_VIEW_PATHS = ["/map", "/api/map/meta", "/api/map/points", "/api/map/texts", "/api/map/search", "/api/map/color"] as const;

/** How a route answers; the server adds its headers (no-network policy, no caching). */
export type Reply = (status: number, type: string, body: string | Buffer) => void;

const JSON_TYPE = "application/json; charset=utf-8";

interface Loaded {
  stamp: number;
  model: MapViewModel;
  dataset: MapViewDataset;
}

/**
 * The map view's routes over one run directory: the page, then the data it asks for. A run's map,
 * dataset and colour fields are loaded once and kept until map.json, points.f32 or
 * synthetic.jsonl change (a generate still running adds examples; the next request sees them).
 */
export function createMapViewRoutes(): { handle(pathname: string, params: URLSearchParams, runId: string, dir: string, reply: Reply): Promise<void>; hasMap(dir: string): boolean } {
  const loaded = new Map<string, Promise<Loaded>>();

  function load(dir: string): Promise<Loaded> {
    const stamp = mapVersionStamp(dir);
    const cached = loaded.get(dir);
    const fresh = (async () => {
      const previous = cached ? await cached.catch(() => undefined) : undefined;
      if (previous && previous.stamp === stamp) return previous;
      const model = await loadMapViewModel(dir);
      const dataset = previous && previous.model.map.datasetDigest === model.map.datasetDigest ? previous.dataset : await loadMapViewDataset(model.map, dir);
      model.meta.fields = colorFields(model, dataset);
      if (dataset.note) model.meta.notes.push(dataset.note);
      return { stamp, model, dataset };
    })();
    loaded.set(dir, fresh);
    // A failed load is not kept: the next request tries again (the map may be being written).
    fresh.catch(() => loaded.delete(dir));
    return fresh;
  }

  return {
    hasMap: (dir) => existsSync(join(dir, MAP_FILE)),
    async handle(pathname, params, runId, dir, reply) {
      if (!existsSync(join(dir, MAP_FILE))) return reply(404, "text/plain; charset=utf-8", `run "${runId}" has no map (run gapfill map into it first)`);
      if (pathname === "/map") return reply(200, "text/html; charset=utf-8", renderMapViewPage(`gapfill map: ${runId}`, [], { mode: "served", run: runId }));
      const { model, dataset } = await load(dir);
      switch (pathname) {
        case "/api/map/meta":
          return reply(200, JSON_TYPE, JSON.stringify(model.meta));
        case "/api/map/points":
          return reply(200, "application/octet-stream", Buffer.from(model.xy.buffer, model.xy.byteOffset, model.xy.byteLength));
        case "/api/map/texts": {
          const rows = params.has("rows") ? (params.get("rows") ?? "").split(",").filter((part) => part !== "").map(Number) : range(Number(params.get("from") ?? 0), Number(params.get("to") ?? 0));
          return reply(200, JSON_TYPE, JSON.stringify(textsOf(dataset, rows)));
        }
        case "/api/map/search":
          return reply(200, JSON_TYPE, JSON.stringify(searchTexts(dataset, params.get("q") ?? "")));
        case "/api/map/color": {
          const values = colorValues(model, dataset, params.get("field") ?? "");
          return values ? reply(200, JSON_TYPE, JSON.stringify(values)) : reply(404, "text/plain; charset=utf-8", `no colour field "${params.get("field")}" in this run`);
        }
      }
      return reply(404, "text/plain; charset=utf-8", "not found");
    },
  };
}

function range(from: number, to: number): number[] {
  if (!Number.isInteger(from) || !Number.isInteger(to) || from < 0) return [];
  const rows: number[] = [];
  for (let row = from; row < Math.min(to, from + MAX_TEXTS_PER_REQUEST); row++) rows.push(row);
  return rows;
}
