import { describe, expect, it } from "vitest";
import { jsonText, parseJsonText } from "./json-text.js";

describe("jsonText", () => {
  it("gives back the text an object was parsed from, as the server wrote it", () => {
    const text = '{ "choices": [ { "text": "4" } ],\n "usage": {"prompt_tokens": 3} }';
    const value = parseJsonText(text);
    expect(value).toEqual({ choices: [{ text: "4" }], usage: { prompt_tokens: 3 } });
    expect(jsonText(value)).toBe(text);
  });

  it("serialises other values once and gives the same text again", () => {
    const body = { model: "m", prompt: "p" };
    const text = jsonText(body);
    expect(text).toBe(JSON.stringify(body));
    expect(jsonText(body)).toBe(text);
    expect(jsonText("s")).toBe('"s"');
    expect(jsonText(null)).toBe("null");
    expect(parseJsonText("3")).toBe(3);
  });
});
