import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { progress } from "../../src/core/events.js";
import { openRun, type Run } from "../../src/store/index.js";
import { withProgressLog } from "../../src/store/progress-log.js";
import { startUiServer, type UiServer } from "../../src/ui/server/ui-server.js";
import { launchChromium } from "../helpers/browser.js";

const HOSTILE = `<img src=x onerror="document.title='pwned'"><script>document.title='pwned'</script>`;

/** Reads server-sent events from a stream until `until` says stop (or the stream ends). */
async function readEvents(url: string, until: (events: Array<{ event: string; data: any }>) => boolean): Promise<Array<{ event: string; data: any }>> {
  const response = await fetch(url);
  const reader = response.body!.getReader();
  const decoder = new TextDecoder();
  const events: Array<{ event: string; data: any }> = [];
  let buffer = "";
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    buffer += decoder.decode(value, { stream: true });
    let split: number;
    while ((split = buffer.indexOf("\n\n")) !== -1) {
      const block = buffer.slice(0, split);
      buffer = buffer.slice(split + 2);
      const event = /^event: (.*)$/m.exec(block)?.[1] ?? "message";
      const data = /^data: (.*)$/m.exec(block)?.[1];
      if (data !== undefined) events.push({ event, data: JSON.parse(data) });
    }
    if (until(events)) {
      await reader.cancel();
      break;
    }
  }
  return events;
}

describe("gapfill ui", () => {
  let root: string;
  let server: UiServer;
  let live: Run;

  beforeAll(async () => {
    root = mkdtempSync(join(tmpdir(), "gapfill-ui-"));
    // A finished run with a page and a hostile dataset name.
    const done = await openRun(join(root, "finished"), { command: "map", onNotice: () => undefined });
    done.setMeta("dataset", HOSTILE);
    writeFileSync(join(root, "finished", "report.html"), "<!doctype html><title>map page</title><p>map</p>");
    done.close();
    // A run that is running: this process holds its lock.
    live = await openRun(join(root, "group", "live"), { command: "generate", onNotice: () => undefined });
    mkdirSync(join(root, "not-a-run"));
    writeFileSync(join(root, "secret.txt"), "outside any run");
    server = await startUiServer({ root, pollMs: 50 });
  });
  afterAll(async () => {
    await server?.close();
    live?.close();
  });

  it("binds loopback only and lists the runs under its folder with kind, state and pages", async () => {
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    const runs = (await (await fetch(new URL("/api/runs", server.url))).json()) as Array<Record<string, unknown>>;
    const byId = Object.fromEntries(runs.map((run) => [run.id, run]));
    expect(Object.keys(byId).sort()).toEqual(["finished", "group/live"]);
    expect(byId.finished).toMatchObject({ kind: "map", state: "done", dataset: HOSTILE, pages: ["report.html"] });
    expect(byId["group/live"]).toMatchObject({ kind: "generate", state: "running" });
  });

  it("serves a run's pages under a no-network policy, and nothing outside the run's own page files", async () => {
    const page = await fetch(new URL("/run?run=finished&file=report.html", server.url));
    expect(page.status).toBe(200);
    expect(await page.text()).toContain("map page");
    expect(page.headers.get("content-security-policy")).toContain("default-src 'none'");
    for (const query of ["run=finished&file=gapfill.db", "run=finished&file=../secret.txt", "run=..&file=secret.txt", "run=finished&file=.gapfill-trained.json", "run=not-a-run&file=x.html", "run=/etc&file=passwd"]) {
      expect((await fetch(new URL(`/run?${query}`, server.url))).status, query).toBe(404);
    }
  });

  it("streams a running stage's progress as it is logged, and ends the stream when the run stops", async () => {
    const onEvent = withProgressLog(live, () => undefined, 0);
    onEvent(progress.start("generate", 10, "examples"));
    const streamed = readEvents(new URL("/api/events?run=group/live", server.url).href, (events) => events.some((event) => event.event === "state" && event.data.state !== "running"));
    for (let done = 1; done <= 3; done++) {
      await new Promise((resolve) => setTimeout(resolve, 80));
      onEvent(progress.tick("generate", done, 10, `accepted ${done}`));
    }
    await new Promise((resolve) => setTimeout(resolve, 150));
    live.close();
    const events = await streamed;
    const ticks = events.filter((event) => event.event === "progress" && event.data.type === "generate-progress").map((event) => event.data.done);
    expect(ticks).toEqual([1, 2, 3]);
    // Closed cleanly with no stage left unfinished: done, and the stream ends there.
    expect(events.at(-1)).toMatchObject({ event: "state", data: { state: "done" } });
  });

  it("renders the runs in Chromium with hostile text inert, and follows a run when clicked", async () => {
    const browser = await launchChromium();
    try {
      const page = await browser.newPage();
      const errors: string[] = [];
      page.on("pageerror", (error) => errors.push(error.message));
      await page.goto(server.url);
      await page.locator('#runs tr[data-run="finished"]').waitFor();
      expect(await page.locator("#runs").textContent()).toContain(HOSTILE);
      expect(await page.locator("#runs img").count()).toBe(0);
      expect(await page.title()).toBe("gapfill ui");
      await page.locator('#runs tr[data-run="finished"]').click();
      await page.locator("#live-title").filter({ hasText: "done" }).waitFor();
      expect(errors).toEqual([]);
    } finally {
      await browser.close();
    }
  });
});
