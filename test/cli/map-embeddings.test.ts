import { mkdtemp, readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readFloat32Matrix } from "../../src/store/float32-matrix.js";
import { runCli } from "../helpers/run-cli.js";
import { REPOSITORY_ROOT } from "../support/repository-root.js";
import { OpenAITestServer } from "../support/openai-test-server.js";
import { writeTinyLlamaGguf } from "../support/tiny-gguf.js";
import { writeNpy, writeVectorParquet } from "../support/vector-files.js";
import { fakeTeacher } from "./fake-teacher.js";

const EXAMPLE = join(REPOSITORY_ROOT, "examples", "word-problems.jsonl");

describe("gapfill map --embeddings", () => {
  let dir: string;
  let npy: string;
  let vectors: { data: Float32Array; rows: number; cols: number };

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "gapfill-cli-map-embeddings-"));
    const lexical = await runCli(["map", EXAMPLE, "--run", join(dir, "lexical"), "--json", "--quiet", "--knn", "0", "--pairs", "4"]);
    expect(lexical.code).toBe(0);
    vectors = await readFloat32Matrix(join(dir, "lexical", "embeddings.f32"));
    npy = join(dir, "vectors.npy");
    writeNpy(npy, vectors.data, vectors.rows, vectors.cols);
  });

  it("maps the lexical embedder's own vectors from a .npy to the very same points, and says whose vectors they are everywhere", async () => {
    const run = join(dir, "npy");
    const result = await runCli(["map", EXAMPLE, "--run", run, "--embeddings", npy, "--embedder-name", "tfidf-svd-64", "--json", "--quiet", "--knn", "0", "--pairs", "4"]);
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    const summary = JSON.parse(result.stdout);
    expect(summary.embedder).toMatchObject({ kind: "precomputed", name: "tfidf-svd-64", studentView: false, file: { path: npy, format: "npy", dtype: "<f4" } });
    expect(await readFile(join(run, "points.f32"))).toEqual(await readFile(join(dir, "lexical", "points.f32")));
    const label = `precomputed vectors tfidf-svd-64 from ${npy} (made outside gapfill)`;
    expect(JSON.parse(await readFile(join(run, "map.json"), "utf8")).embedder.label).toBe(label);
    const page = await readFile(join(run, "map.html"), "utf8");
    expect(page).toContain(`This map uses ${label}: gapfill did not compute them`);
    expect(page).not.toContain("Pass <code>--student SPEC</code>");
    // The plain-text summary names the vectors and the file.
    const text = await runCli(["map", EXAMPLE, "--run", run, "--embeddings", npy, "--embedder-name", "tfidf-svd-64", "--quiet", "--knn", "0", "--pairs", "4"]);
    expect(text.stdout).toContain(`embedder     ${label}`);
    expect(text.stdout).toMatch(new RegExp(`vectors +${npy.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")} \\(npy <f4, \\d+ bytes, modified .*, sha256-sampled [0-9a-f]{16}…\\)`));
  });

  it("warns once when the vectors have no name, and says that --student does not embed", async () => {
    const result = await runCli(["map", EXAMPLE, "--run", join(dir, "unnamed"), "--embeddings", npy, "--student", "llama:/nowhere/student.gguf", "--knn", "0", "--pairs", "4"], { GAPFILL_QUIET: "0" });
    expect(result.code).toBe(0);
    expect(result.stderr.match(/warning: the vectors in .* have no name/g)).toHaveLength(1);
    expect(result.stderr).toContain("Try --embedder-name MODEL.");
    expect(result.stderr).toContain(`--student llama:/nowhere/student.gguf is not used: the map is made from the vectors in ${npy}`);
    expect(result.stdout).toContain(`unnamed vectors from ${npy}`);
  });

  it("reads a Parquet vector column named by --embedding-column", async () => {
    const parquet = join(dir, "vectors.parquet");
    const rows = Array.from({ length: vectors.rows }, (_, r) => vectors.data.subarray(r * vectors.cols, (r + 1) * vectors.cols));
    writeVectorParquet(parquet, [{ name: "query_vec", rows }, { name: "answer_vec", element: "DOUBLE", rows }], [], 100);
    const ambiguous = await runCli(["map", EXAMPLE, "--run", join(dir, "parquet"), "--embeddings", parquet, "--quiet"]);
    expect(ambiguous.code).toBe(2);
    expect(ambiguous.stderr).toBe(`gapfill: --embedding-column must name the vector column of ${parquet}: it has 2 (query_vec, answer_vec)\n`);
    const result = await runCli(["map", EXAMPLE, "--run", join(dir, "parquet"), "--embeddings", parquet, "--embedding-column", "query_vec", "--embedder-name", "m", "--json", "--quiet", "--knn", "0", "--pairs", "4"]);
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout).embedder.file).toMatchObject({ format: "parquet", column: "query_vec", dtype: "list<float>" });
    expect(await readFile(join(dir, "parquet", "points.f32"))).toEqual(await readFile(join(dir, "lexical", "points.f32")));
  });

  it("refuses vectors for another row count with one line naming the file and both numbers", async () => {
    const short = join(dir, "short.npy");
    writeNpy(short, vectors.data.subarray(0, (vectors.rows - 1) * vectors.cols), vectors.rows - 1, vectors.cols);
    const result = await runCli(["map", EXAMPLE, "--run", join(dir, "short"), "--embeddings", short, "--quiet"]);
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(`gapfill: ${short} holds 399 vectors and ${EXAMPLE} has 400 rows: the vectors must be row-aligned with the dataset (vector i embeds row i, in the dataset's order)\n`);
    const flags = await runCli(["map", EXAMPLE, "--run", join(dir, "short"), "--embedder-name", "m", "--quiet"]);
    expect(flags.code).toBe(2);
    expect(flags.stderr).toBe("gapfill: --embedder-name applies to vectors read from a file: give --embeddings too\n");
    const mode = await runCli(["map", EXAMPLE, "--run", join(dir, "short"), "--embeddings", npy, "--embedding", "mean", "--quiet"]);
    expect(mode.code).toBe(2);
    expect(mode.stderr).toBe("gapfill: --embedding chooses how a student embeds the dataset; with --embeddings the vectors come from the file\n");
  });

  it("inspect --embeddings checks a vector file against the dataset without mapping", async () => {
    const result = await runCli(["inspect", EXAMPLE, "--embeddings", npy, "--json", "--quiet"]);
    expect(result.code).toBe(0);
    const mapped = JSON.parse(await readFile(join(dir, "npy", "map.json"), "utf8")).embedder.file;
    expect(JSON.parse(result.stdout).vectors).toMatchObject({ rows: 400, cols: vectors.cols, file: { path: npy, format: "npy", dtype: "<f4", digest: mapped.digest } });
    const text = await runCli(["inspect", EXAMPLE, "--embeddings", npy, "--quiet"]);
    expect(text.stdout).toContain(`vectors  400 × ${vectors.cols}, one per row, all finite: ${npy} (npy <f4`);
    const nan = join(dir, "nan.npy");
    writeNpy(nan, Float32Array.from(vectors.data, (v, i) => (i === 12 * vectors.cols + 3 ? Number.NaN : v)), vectors.rows, vectors.cols);
    const refused = await runCli(["inspect", EXAMPLE, "--embeddings", nan, "--quiet"]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toBe(`gapfill: ${nan}: row 12 (0-based) holds NaN at position 3: every vector must be finite (NaN/Inf would make the map meaningless)\n`);
  });
});

describe("gapfill generate on a map of precomputed vectors", () => {
  let dir: string;
  let server: OpenAITestServer;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "gapfill-cli-generate-precomputed-"));
    server = await OpenAITestServer.start();
    server.handle("chat", fakeTeacher());
  });
  afterAll(async () => {
    await server?.close();
  });

  it("decodes with the student, says the pairs come from the other vectors, and skips the targeting check with the reason", async () => {
    const lexicalRun = join(dir, "lexical");
    expect((await runCli(["map", EXAMPLE, "--run", lexicalRun, "--quiet", "--knn", "0", "--pairs", "4"])).code).toBe(0);
    const vectors = await readFloat32Matrix(join(lexicalRun, "embeddings.f32"));
    const npy = join(dir, "vectors.npy");
    writeNpy(npy, vectors.data, vectors.rows, vectors.cols);
    const run = join(dir, "run");
    expect((await runCli(["map", EXAMPLE, "--run", run, "--embeddings", npy, "--embedder-name", "bge-m3", "--quiet", "--knn", "0", "--pairs", "4"])).code).toBe(0);
    const gguf = join(dir, "student.gguf");
    await writeTinyLlamaGguf(gguf, { seed: 5, context: 2048 });
    const result = await runCli(
      ["generate", EXAMPLE, "--run", run, "--strategy", "embed", "--budget", "2", "--teacher", `openai:teacher@${server.baseUrl}`, "--student", `llama:${gguf}`, "--decode-tokens", "4", "--json"],
      { GAPFILL_QUIET: "0" },
    );
    expect(result.code).toBe(0);
    expect(result.stderr).toContain(`the map in ${run} was made from precomputed vectors bge-m3 from ${npy} (made outside gapfill): its seed pairs come from that space; the student llama:${gguf} decodes its own token embeddings`);
    const summary = JSON.parse(result.stdout);
    const strategy = summary.results[0];
    expect(strategy.decode).toMatchObject({ requested: true, used: true });
    expect(strategy.targeting).toBeNull();
    expect(strategy.targetingNote).toMatch(/^targeting check skipped: the map in .* was made from precomputed vectors bge-m3 .*: gapfill cannot embed new texts into that space/);
    expect(strategy.embedder).toBe(`precomputed vectors bge-m3 from ${npy} (made outside gapfill)`);
    // eval --map refuses such a map before answering anything (nothing listens at port 9).
    const evaluation = await runCli(["eval", "--student", "openai:m@http://127.0.0.1:9/v1", "--benchmark", EXAMPLE, "--map", run, "--run", join(dir, "eval"), "--quiet"]);
    expect(evaluation.code).toBe(1);
    expect(evaluation.stderr).toBe(
      `gapfill: the map in ${run} was made from precomputed vectors bge-m3 from ${npy} (made outside gapfill): gapfill cannot embed new texts into that space, so they cannot be placed on it (map with a student to place texts)\n`,
    );
  });
});
