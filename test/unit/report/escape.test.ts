import { describe, expect, it } from "vitest";
import { escapeMarkdown, inlineCode, safeUrl, toOneLine, truncate } from "../../../src/report/escape.js";

describe("escapeMarkdown", () => {
  it.each([
    ["<b>x</b>", "&lt;b&gt;x&lt;/b&gt;"],
    ["a | b", "a \\| b"],
    ["`x`", "\\`x\\`"],
    ["[a](b)", "\\[a\\]\\(b\\)"],
    ["*a* _b_ ~c~", "\\*a\\* \\_b\\_ \\~c\\~"],
    ["1 & 2", "1 &amp; 2"],
    ["a\nb\r\nc\u2028d", "a b c d"],
    ["$x$", "\\$x\\$"],
  ])("%j → %j", (input, expected) => {
    expect(escapeMarkdown(input)).toBe(expected);
  });

  it("neutralises @mentions and #references with a zero-width joiner", () => {
    expect(escapeMarkdown("@octocat")).toBe("@\u200Doctocat");
    expect(escapeMarkdown("fixes #12")).toBe("fixes \\#\u200D12");
  });

  it("drops control and bidi-override characters", () => {
    expect(escapeMarkdown("a\u0000b\u202Ec\u0007")).toBe("abc");
  });

  it("truncates to the limit without splitting surrogate pairs", () => {
    expect(truncate("🚀🚀🚀🚀", 3)).toBe("🚀🚀…");
    expect(escapeMarkdown("x".repeat(1000), 10)).toBe(`${"x".repeat(9)}…`);
  });
});

describe("inlineCode", () => {
  it("uses a fence longer than any backtick run", () => {
    expect(inlineCode("a`b")).toBe("``a`b``");
    expect(inlineCode("``")).toBe("``` `` ```");
  });

  it("escapes pipes only inside tables", () => {
    expect(inlineCode("a|b", { inTable: true })).toBe("`a\\|b`");
    expect(inlineCode("a|b")).toBe("`a|b`");
  });

  it("is empty for empty text and one line for multi-line text", () => {
    expect(inlineCode("  ")).toBe("");
    expect(inlineCode("a\nb")).toBe("`a b`");
  });
});

describe("safeUrl / toOneLine", () => {
  it("accepts http(s) only and encodes characters that end a link", () => {
    expect(safeUrl("https://a.test/x(y)")).toBe("https://a.test/x%28y%29");
    expect(safeUrl("javascript:alert(1)")).toBeUndefined();
    expect(safeUrl("not a url")).toBeUndefined();
    expect(safeUrl(undefined)).toBeUndefined();
  });

  it("collapses whitespace", () => {
    expect(toOneLine("  a \t\n\n b  ")).toBe("a b");
  });
});
