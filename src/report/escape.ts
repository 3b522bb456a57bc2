/**
 * Escaping for text that users control (branch names, PR titles, error messages, image names)
 * before it lands in markdown that GitHub renders: no markup, no HTML, no pings, one line.
 */

/** C0/C1 controls (newlines handled separately) and bidi overrides that can disguise text. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: removing control characters is the point
const INVISIBLE = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F\u202A-\u202E\u2066-\u2069]/g;
/** Every kind of line break and tab, collapsed with the surrounding spaces into one space. */
const BREAKS = /[\s\u0085\u2028\u2029]+/g;
/** ASCII punctuation that means something to GitHub markdown in running text. */
const MARKDOWN_PUNCTUATION = /[\\`*_[\]()#|~!$^]/g;
/** Zero-width joiner: keeps `@name` and `#123` readable but stops mentions and cross-references. */
const ZWJ = "\u200D";

/** Remove invisible characters, collapse line breaks and runs of spaces, trim. */
export function toOneLine(text: string): string {
  return text.replace(INVISIBLE, "").replace(BREAKS, " ").trim();
}

/** Cut `text` to at most `max` code points (never splitting a surrogate pair), marking the cut. */
export function truncate(text: string, max: number): string {
  if (text.length <= max) return text;
  const points = Array.from(text);
  if (points.length <= max) return text;
  return `${points.slice(0, Math.max(0, max - 1)).join("")}…`;
}

/**
 * User text → safe inline markdown: one line, at most `maxLength` characters of the original,
 * HTML special characters as entities, markdown punctuation backslash-escaped (so `|` cannot
 * split a table cell), `@mentions` and `#refs` neutralised with a zero-width joiner.
 */
export function escapeMarkdown(text: string, maxLength = 500): string {
  return truncate(toOneLine(text), maxLength)
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(MARKDOWN_PUNCTUATION, (c) => `\\${c}`)
    .replace(/@(?=\S)/g, `@${ZWJ}`)
    .replace(/#(?=[\p{L}\p{N}])/gu, `#${ZWJ}`);
}

/**
 * User text → a markdown code span. Inside a code span nothing is rendered (no HTML, no
 * mentions), so only the fence and table pipes need care: the fence is longer than any run of
 * backticks in the text, and `|` is escaped when the span sits in a table cell (GFM splits cells
 * before it parses code spans).
 */
export function inlineCode(text: string, options: { maxLength?: number; inTable?: boolean } = {}): string {
  let content = truncate(toOneLine(text), options.maxLength ?? 200);
  if (content === "") return "";
  if (options.inTable) content = content.replace(/\|/g, "\\|");
  const longestRun = Math.max(0, ...(content.match(/`+/g) ?? []).map((run) => run.length));
  const fence = "`".repeat(longestRun + 1);
  const pad = content.startsWith("`") || content.endsWith("`") ? " " : "";
  return `${fence}${pad}${content}${pad}${fence}`;
}

/**
 * A URL we generated or read from wrangler, as a markdown link destination; undefined unless it
 * is an absolute http(s) URL. Characters that would end the destination are percent-encoded.
 */
export function safeUrl(url: string | undefined, maxLength = 2000): string | undefined {
  if (!url) return undefined;
  let parsed: URL;
  try {
    parsed = new URL(url.trim());
  } catch {
    return undefined;
  }
  if (parsed.protocol !== "https:" && parsed.protocol !== "http:") return undefined;
  // URL adds "/" to a bare origin; keep the URL as the user (and the `url` output) wrote it.
  const bare = parsed.pathname === "/" && !parsed.search && !parsed.hash && !/\/\s*$/.test(url);
  const href = (bare ? parsed.href.slice(0, -1) : parsed.href).replace(
    /[()<>|[\]`\s"']/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase().padStart(2, "0")}`,
  );
  return href.length <= maxLength ? href : undefined;
}

/** `[text](url)` with escaped text, or the escaped text alone when the URL is not usable. */
export function markdownLink(text: string, url: string | undefined): string {
  const href = safeUrl(url);
  const label = escapeMarkdown(text, 300);
  return href ? `[${label}](${href})` : label;
}
