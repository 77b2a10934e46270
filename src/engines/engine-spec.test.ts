import { describe, expect, it } from "vitest";
import { OptionError } from "../core/errors.js";
import { parseEngineSpec, resolveApiKey, type OpenAIEngineSpec } from "./engine-spec.js";

const openai = (spec: string) => parseEngineSpec(spec) as OpenAIEngineSpec;

describe("parseEngineSpec", () => {
  it("parses llama specs, local and hf:", () => {
    expect(parseEngineSpec("llama:/models/tiny.gguf")).toEqual({ kind: "llama", modelPath: "/models/tiny.gguf", options: {}, spec: "llama:/models/tiny.gguf" });
    const hf = parseEngineSpec("llama:hf:user/repo/model.Q4_K_M.gguf?threads=2&context=2048&pooling=mean&seed=0");
    expect(hf).toEqual({
      kind: "llama",
      modelPath: "hf:user/repo/model.Q4_K_M.gguf",
      options: { contextSize: 2048, threads: 2, pooling: "mean", seed: 0 },
      spec: "llama:hf:user/repo/model.Q4_K_M.gguf?context=2048&pooling=mean&seed=0&threads=2",
    });
  });

  it("parses openai specs with one or several URLs and options", () => {
    const one = openai("openai:Qwen/Qwen2.5-7B-Instruct@http://127.0.0.1:8000/v1/");
    expect(one).toMatchObject({ kind: "openai", flavor: "openai", model: "Qwen/Qwen2.5-7B-Instruct", baseUrls: ["http://127.0.0.1:8000/v1"] });
    expect(one.spec).toBe("openai:Qwen/Qwen2.5-7B-Instruct@http://127.0.0.1:8000/v1");
    const many = openai("openai:m@http://a:1/v1,http://b:2/v1?concurrency=16&timeout=2.5&api_key_env=MY_KEY&score=prompt_logprobs&batch_size=32&max_attempts=3");
    expect(many.baseUrls).toEqual(["http://a:1/v1", "http://b:2/v1"]);
    expect(many.options).toEqual({ concurrency: 16, timeoutMs: 2500, apiKeyEnv: "MY_KEY", scoreMode: "prompt_logprobs", batchSize: 32, maxAttempts: 3 });
    expect(many.spec).toBe("openai:m@http://a:1/v1,http://b:2/v1?api_key_env=MY_KEY&batch_size=32&concurrency=16&max_attempts=3&score=prompt_logprobs&timeout=2.5");
  });

  it("defaults openai to the OpenAI API and ollama to the local server", () => {
    expect(openai("openai:gpt-4o-mini").baseUrls).toEqual(["https://api.openai.com/v1"]);
    const local = openai("ollama:llama3.1:8b?concurrency=2");
    expect(local).toMatchObject({ flavor: "ollama", model: "llama3.1:8b", baseUrls: ["http://127.0.0.1:11434/v1"], options: { concurrency: 2 } });
    expect(local.spec).toBe("ollama:llama3.1:8b?concurrency=2");
    expect(openai("ollama:qwen2@http://10.0.0.5:11434/v1").baseUrls).toEqual(["http://10.0.0.5:11434/v1"]);
  });

  const bad: [string, RegExp][] = [
    ["gpt-4o", /expected llama:PATH.gguf/],
    ["vllm:m@http://x", /unknown engine "vllm"/],
    ["llama:", /missing the model path/],
    ["llama:/models/tiny.bin", /not a .gguf file/],
    ["llama:/m.gguf?context=-1", /context=-1 must be a whole number/],
    ["llama:/m.gguf?pooling=max", /model or mean/],
    ["llama:/m.gguf?gpu=1", /unknown option "gpu"/],
    ["openai:@http://x/v1", /missing the model name/],
    ["openai:m@ftp://x/v1", /must be an http/],
    ["openai:m@http://x/v1,http://x/v1", /listed twice/],
    ["openai:m@http://x/v1?concurrency=0", /concurrency=0 must be a positive number/],
    ["openai:m@http://x/v1?concurrency=1.5", /whole number/],
    ["openai:m@http://x/v1?score=guess", /echo or prompt_logprobs/],
    ["openai:m@http://x/v1?colour=red", /unknown option "colour"/],
    ["openai:m@http://x/v1?api_key_env=1BAD", /not an environment variable name/],
    ["openai:m@http://x/v1?concurrency", /must be KEY=VALUE/],
    ["ollama:m@http://a/v1,http://b/v1", /one URL/],
  ];
  for (const [spec, message] of bad) {
    it(`refuses ${spec} with an OptionError naming the option and the spec`, () => {
      const error = (() => {
        try {
          parseEngineSpec(spec, "teacher");
        } catch (e) {
          return e;
        }
      })() as OptionError;
      expect(error).toBeInstanceOf(OptionError);
      expect(error.message).toMatch(message);
      expect(error.message).toMatch(/^teacher has a bad engine spec "/);
      expect([error.option, error.code]).toEqual(["teacher", "bad-engine-spec"]);
    });
  }

  it("refuses secrets in a spec without repeating them", () => {
    for (const spec of ["openai:m@http://x/v1?api_key=sk-abcdef123", "openai:m@https://user:sk-abcdef123@host/v1"]) {
      const error = (() => {
        try {
          parseEngineSpec(spec);
        } catch (e) {
          return e as Error;
        }
      })();
      expect(error).toBeInstanceOf(OptionError);
      expect(error?.message).not.toContain("sk-abcdef123");
      expect(error?.message).toMatch(/environment variable|api_key_env/);
    }
  });
});

describe("resolveApiKey", () => {
  it("reads the named variable, else OPENAI_API_KEY for openai, nothing for ollama", () => {
    const env = { OPENAI_API_KEY: "sk-default", MY_KEY: "sk-mine" };
    expect(resolveApiKey(openai("openai:m@http://x/v1?api_key_env=MY_KEY"), env)).toBe("sk-mine");
    expect(resolveApiKey(openai("openai:m@http://x/v1"), env)).toBe("sk-default");
    expect(resolveApiKey(openai("openai:m@http://x/v1"), {})).toBeUndefined();
    expect(resolveApiKey(openai("ollama:m"), env)).toBeUndefined();
    expect(resolveApiKey(openai("ollama:m?api_key_env=MY_KEY"), env)).toBe("sk-mine");
  });
  it("fails clearly when the named variable is missing", () => {
    expect(() => resolveApiKey(openai("openai:m@http://x/v1?api_key_env=NOPE"), {})).toThrow(/NOPE \(named by api_key_env\) is not set/);
  });
});
