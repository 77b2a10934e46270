/**
 * What a user can get wrong, and what servers do to them: bad files, rows, fields, flags, model
 * specs and server behaviours (down, HTML instead of JSON, 401, hangs). Each must end in ONE line
 * on stderr naming what to fix, exit 2 for a bad flag or option, 1 for the rest — never
 * "unexpected error" (that is a bug) and never a stack trace.
 */
import { mkdtemp, mkdir, writeFile } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli } from "../helpers/run-cli.js";
import { freePort } from "../support/llama-server.js";
import { writeTinyLlamaGguf } from "../support/tiny-gguf.js";

let dir: string;
let data: string;
let tiny: string;
let downPort: number;
const servers: Server[] = [];
const urls: Record<"html" | "unauthorized" | "hang" | "garbage", string> = { html: "", unauthorized: "", hang: "", garbage: "" };

/** A loopback server that answers every request with `answer` (or never, for a hang). */
async function serve(answer: ((response: import("node:http").ServerResponse) => void) | "hang"): Promise<string> {
  const server = createServer((request, response) => {
    request.resume();
    if (answer !== "hang") answer(response);
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
}

const at = (name: string) => join(dir, name);

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "gapfill-bad-inputs-"));
  const rows = Array.from({ length: 40 }, (_, i) => JSON.stringify({ question: `Tom has ${i} apples and buys ${i + 2} more. How many now?`, answer: `${i} + ${i + 2} = ${2 * i + 2}\n#### ${2 * i + 2}` }));
  data = at("data.jsonl");
  await writeFile(data, rows.join("\n") + "\n");
  await writeFile(at("broken.jsonl"), rows.slice(0, 5).join("\n") + '\n{"question": "half a row\n' + rows.slice(5).join("\n") + "\n");
  await writeFile(at("empty.jsonl"), "");
  await writeFile(at("two.jsonl"), rows.slice(0, 2).join("\n") + "\n");
  await writeFile(at("no-question.jsonl"), rows.map((row) => row.replace('"question"', '"prompt"')).join("\n") + "\n");
  await writeFile(at("numbers.json"), "[1, 2, 3]");
  await writeFile(at("object.json"), '{"not": "a list"}');
  await writeFile(at("bad.csv"), 'question,answer\n"unterminated,1\n');
  await writeFile(at("prose.txt"), "Dear diary,\nToday I counted apples.\n");
  await writeFile(at("fake.parquet"), "this is not parquet");
  await writeFile(at("not-a-model.gguf"), "GGUF? no, just text");
  await writeFile(at("binary.jsonl"), Buffer.from([0x00, 0xff, 0xfe, 0x01, 0x02, 0x0a]));
  await mkdir(at("a-folder.jsonl"));
  tiny = at("tiny.gguf");
  await writeTinyLlamaGguf(tiny, { seed: 3 });
  downPort = await freePort();
  urls.html = await serve((response) => {
    response.writeHead(200, { "content-type": "text/html" });
    response.end("<html><body>Welcome to nginx!</body></html>");
  });
  urls.unauthorized = await serve((response) => {
    response.writeHead(401, { "content-type": "application/json" });
    response.end(JSON.stringify({ error: { message: "Incorrect API key provided" } }));
  });
  urls.garbage = await serve((response) => {
    response.writeHead(200, { "content-type": "application/json" });
    response.end(JSON.stringify({ hello: "world" }));
  });
  urls.hang = await serve("hang");
});

afterAll(async () => {
  for (const server of servers) {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
});

interface Case {
  name: string;
  argv: () => string[];
  code: 1 | 2;
  /** Something the line must name. */
  says: RegExp;
}

const run = (name: string) => ["--run", at(`run-${name.replace(/\W+/g, "-")}`), "--quiet"];

const CASES: Case[] = [
  // Files and rows.
  { name: "a dataset that does not exist", argv: () => ["map", at("missing.jsonl"), ...run("missing")], code: 1, says: /missing\.jsonl/ },
  { name: "a folder given as the dataset", argv: () => ["map", at("a-folder.jsonl"), ...run("folder")], code: 1, says: /a-folder\.jsonl/ },
  { name: "an empty dataset", argv: () => ["map", at("empty.jsonl"), ...run("empty")], code: 1, says: /empty\.jsonl|no rows|0 rows/ },
  { name: "a JSONL row cut in half", argv: () => ["map", at("broken.jsonl"), ...run("broken")], code: 1, says: /broken\.jsonl:6/ },
  { name: "rows without the question field", argv: () => ["map", at("no-question.jsonl"), ...run("no-question")], code: 1, says: /question/ },
  { name: "a JSON file holding numbers", argv: () => ["map", at("numbers.json"), ...run("numbers")], code: 1, says: /numbers\.json/ },
  { name: "a JSON file holding one object", argv: () => ["inspect", at("object.json")], code: 1, says: /object\.json/ },
  { name: "a CSV with an unterminated quote", argv: () => ["inspect", at("bad.csv")], code: 1, says: /bad\.csv/ },
  { name: "a text file that holds no dataset", argv: () => ["inspect", at("prose.txt"), "--quiet"], code: 1, says: /prose\.txt/ },
  { name: "a .parquet file that is not parquet", argv: () => ["inspect", at("fake.parquet")], code: 1, says: /fake\.parquet/ },
  { name: "binary bytes in a .jsonl", argv: () => ["inspect", at("binary.jsonl")], code: 1, says: /binary\.jsonl/ },
  { name: "a 2-row dataset to map", argv: () => ["map", at("two.jsonl"), ...run("two")], code: 1, says: /rows/ },
  { name: "--knn below zero", argv: () => ["map", data, "--knn", "-3", ...run("knn")], code: 2, says: /--knn/ },
  { name: "a dotted field that does not exist", argv: () => ["map", data, "--question-field", "meta.text", ...run("dotted")], code: 1, says: /meta\.text/ },
  // Flags.
  { name: "an unknown flag", argv: () => ["map", data, "--colour", "red"], code: 2, says: /--colour/ },
  { name: "an unknown command", argv: () => ["mpa", data], code: 2, says: /mpa/ },
  { name: "a missing dataset argument", argv: () => ["map"], code: 2, says: /dataset/ },
  { name: "--dims 4", argv: () => ["map", data, "--dims", "4", ...run("dims")], code: 2, says: /--dims/ },
  { name: "--dims two", argv: () => ["map", data, "--dims", "two", ...run("dims2")], code: 2, says: /--dims/ },
  { name: "--reducer that does not exist", argv: () => ["map", data, "--reducer", "lda", ...run("reducer")], code: 2, says: /--reducer/ },
  { name: "--grid with letters", argv: () => ["map", data, "--grid", "axb", ...run("grid")], code: 2, says: /--grid/ },
  { name: "--threshold below zero", argv: () => ["map", data, "--threshold", "-1", ...run("threshold")], code: 2, says: /--threshold/ },
  { name: "--window even", argv: () => ["map", data, "--window", "2", ...run("window")], code: 2, says: /--window/ },
  { name: "--seed not a number", argv: () => ["map", data, "--seed", "abc", ...run("seed")], code: 2, says: /--seed/ },
  { name: "--embedding mode that does not exist", argv: () => ["map", data, "--student", `llama:${tiny}`, "--embedding", "max", ...run("embedding")], code: 2, says: /--embedding/ },
  { name: "--format that does not exist", argv: () => ["inspect", data, "--format", "xml"], code: 2, says: /--format/ },
  { name: "generate without --run", argv: () => ["generate", data, "--teacher", `openai:m@${urls.html}`], code: 2, says: /--run/ },
  { name: "generate --budget 0", argv: () => ["generate", data, "--budget", "0", "--teacher", `openai:m@${urls.html}`, ...run("budget")], code: 2, says: /--budget/ },
  { name: "generate --strategy unknown", argv: () => ["generate", data, "--budget", "5", "--strategy", "magic", "--teacher", `openai:m@${urls.html}`, ...run("strategy")], code: 2, says: /--strategy/ },
  { name: "generate --temperature -1", argv: () => ["generate", data, "--budget", "5", "--temperature", "-1", "--teacher", `openai:m@${urls.html}`, ...run("temperature")], code: 2, says: /--temperature/ },
  { name: "generate --max-failure-rate 2", argv: () => ["generate", data, "--budget", "5", "--max-failure-rate", "2", "--teacher", `openai:m@${urls.html}`, ...run("failure-rate")], code: 2, says: /--max-failure-rate/ },
  { name: "eval without --student", argv: () => ["eval", "--benchmark", data, ...run("eval-student")], code: 2, says: /--student/ },
  { name: "eval --shots -1", argv: () => ["eval", "--student", `llama:${tiny}`, "--benchmark", data, "--shots", "-1", ...run("shots")], code: 2, says: /--shots/ },
  { name: "loop without --per-round", argv: () => ["loop", data, "--rounds", "2", "--teacher", `openai:m@${urls.html}`, "--student", `llama:${tiny}`, ...run("rounds")], code: 2, says: /--per-round/ },
  // Model specs.
  { name: "a spec with no engine prefix", argv: () => ["engines", "check", "gpt-4o"], code: 2, says: /gpt-4o/ },
  { name: "an unknown engine prefix", argv: () => ["engines", "check", "vllm:model@http://127.0.0.1:1/v1"], code: 2, says: /vllm/ },
  { name: "an openai spec without a model name", argv: () => ["engines", "check", "openai:@http://127.0.0.1:1/v1"], code: 2, says: /missing the model name/ },
  { name: "an openai spec with a bad URL", argv: () => ["engines", "check", "openai:model@not a url"], code: 2, says: /not a url/ },
  { name: "an unknown spec option", argv: () => ["engines", "check", `openai:m@${urls.html}?colour=red`], code: 2, says: /colour/ },
  { name: "?score= that does not exist", argv: () => ["engines", "check", `openai:m@${urls.html}?score=magic`], code: 2, says: /score/ },
  { name: "?context=0 on a llama spec", argv: () => ["engines", "check", `llama:${tiny}?context=0`], code: 2, says: /context/ },
  { name: "a GGUF that does not exist", argv: () => ["engines", "check", `llama:${at("nope.gguf")}`], code: 1, says: /nope\.gguf/ },
  { name: "a file that is not GGUF", argv: () => ["engines", "check", `llama:${at("not-a-model.gguf")}`], code: 1, says: /not-a-model\.gguf/ },
  { name: "an api_key_env that is not set", argv: () => ["engines", "check", `openai:m@${urls.html}?api_key_env=GAPFILL_NO_SUCH_KEY`], code: 1, says: /GAPFILL_NO_SUCH_KEY/ },
  // Server behaviours.
  { name: "a server that is down", argv: () => ["engines", "check", `openai:m@http://127.0.0.1:${downPort}/v1`], code: 1, says: /not answering \(connection refused\)/ },
  { name: "a server that answers HTML", argv: () => ["engines", "check", `openai:m@${urls.html}`], code: 1, says: /check\(s\) failed/ },
  { name: "a server that answers 401", argv: () => ["engines", "check", `openai:m@${urls.unauthorized}`], code: 1, says: /check\(s\) failed/ },
  { name: "a server that answers JSON of another shape", argv: () => ["engines", "check", `openai:m@${urls.garbage}`], code: 1, says: /check\(s\) failed/ },
  { name: "a server that hangs", argv: () => ["engines", "check", `openai:m@${urls.hang}`], code: 1, says: /not answering \(no answer within/ },
  { name: "map --student on a server that is down", argv: () => ["map", data, "--student", `openai:m@http://127.0.0.1:${downPort}/v1?max_attempts=1`, ...run("map-down")], code: 1, says: /127\.0\.0\.1/ },
];

describe("bad inputs, flags, specs and servers: one line, exit 1 or 2", () => {
  it("has at least 40 cases", () => {
    expect(CASES.length).toBeGreaterThanOrEqual(40);
  });

  for (const entry of CASES) {
    it(entry.name, async () => {
      const result = await runCli(entry.argv());
      // commander follows its parse errors with hints in parentheses: the error is still one line.
      const lines = result.stderr.trim().split("\n").filter((line) => !/^\((?:run with --help for usage|Did you mean \S+\?)\)$/.test(line));
      expect(result.stderr, result.stderr).not.toMatch(/unexpected error|^\s+at /m);
      expect(lines, result.stderr).toHaveLength(1);
      // commander's own parse errors read "error: …"; everything else is "gapfill: …".
      expect(lines[0]).toMatch(/^(?:gapfill|error): /);
      expect(lines[0]).toMatch(entry.says);
      expect(result.code, result.stderr).toBe(entry.code);
    }, 30_000);
  }
});
