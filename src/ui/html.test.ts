import { describe, expect, it } from "vitest";
import { escapeHtml, jsonForScript } from "./html.js";

describe("escapeHtml", () => {
  it("escapes the five HTML specials", () => {
    expect(escapeHtml(`<b a="1">'&'</b>`)).toBe("&lt;b a=&quot;1&quot;&gt;&#39;&amp;&#39;&lt;/b&gt;");
  });
});

describe("jsonForScript", () => {
  it("cannot close a script element and still parses back", () => {
    const value = { text: "</script><script>alert(1)</script><!--" };
    const embedded = jsonForScript(value);
    expect(embedded).not.toContain("</script");
    expect(embedded).not.toContain("<!--");
    expect(JSON.parse(embedded)).toEqual(value);
  });
});
