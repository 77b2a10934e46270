import { commandNameEnd, readArgument, readBraceGroup } from "./latex-group.js";

/**
 * Markers the plain form uses for structure that has no ASCII spelling of its own. They are
 * characters an answer is very unlikely to contain, so the structure parser can trust them.
 */
export const SET_OPEN = "«";
export const SET_CLOSE = "»";
export const MATRIX_OPEN = "⟦";
export const MATRIX_CLOSE = "⟧";
export const MATRIX_CELL = "¦";
export const MATRIX_ROW = "‖";
export const UNION = "∪";

const MAX_DEPTH = 40;

const SYMBOLS: Record<string, string> = {
  pi: "pi",
  infty: "inf",
  infin: "inf",
  cdot: "*",
  times: "*",
  ast: "*",
  div: "/",
  cup: UNION,
  cap: "∩",
  pm: "±",
  mp: "∓",
  le: "<=",
  leq: "<=",
  leqslant: "<=",
  ge: ">=",
  geq: ">=",
  geqslant: ">=",
  ne: "!=",
  neq: "!=",
  approx: "≈",
  in: "∈",
  lt: "<",
  gt: ">",
  emptyset: SET_OPEN + SET_CLOSE,
  varnothing: SET_OPEN + SET_CLOSE,
  lbrace: SET_OPEN,
  rbrace: SET_CLOSE,
  langle: "(",
  rangle: ")",
  lvert: "|",
  rvert: "|",
  vert: "|",
  mid: "|",
  quad: " ",
  qquad: " ",
  "{": SET_OPEN,
  "}": SET_CLOSE,
  "%": "%",
  $: "$",
  "&": "&",
  "#": "#",
  _: "_",
  "|": "|",
  ";": " ",
  ":": " ",
  " ": " ",
  ",": "",
  "!": "",
};

// Commands that only change how their argument looks: keep the argument, spaced off so that
// `5\text{cm}` still reads as a number followed by a unit word.
const TEXT_COMMANDS = new Set([
  "text", "textbf", "textit", "textrm", "textnormal", "textsf", "texttt", "textup", "emph",
  "mathrm", "mathbf", "mathit", "mathsf", "mathtt", "mathnormal", "boldsymbol", "bm",
  "mbox", "hbox", "operatorname",
]);
const DROPPED_COMMANDS = new Set([
  "left", "right", "big", "Big", "bigg", "Bigg", "bigl", "bigr", "Bigl", "Bigr", "biggl", "biggr",
  "Biggl", "Biggr", "displaystyle", "textstyle", "scriptstyle", "limits", "nolimits", "mathstrut",
  "circ", "degree", "dollar", "normalsize", "small", "large",
]);
const FRACTION_COMMANDS = new Set(["frac", "dfrac", "tfrac", "cfrac"]);

/**
 * Rewrite a LaTeX (or plain) answer into gapfill's plain math form: `\frac{a}{b}` → `(a)/(b)`,
 * `\sqrt{x}` → `sqrt(x)`, `\sqrt[n]{x}` → `(x)^(1/(n))`, `\pi` → `pi`, `\infty` → `inf`, grouping
 * braces → parentheses, `\{ \}` → set markers, matrices → matrix markers, `\text{..}` and font
 * commands → their content, spacing commands, `\left`/`\right`, degrees and `$` delimiters
 * removed. `1{,}000` becomes `1,000` (read later as a thousands separator); a whole number directly
 * followed by a proper fraction of integers (`2\frac{1}{2}`, `2 1/2`) becomes the mixed number
 * `(2+1/2)`. Other commands keep their name (`\theta` → `theta`). Never throws.
 */
export function latexToPlain(answer: string): string {
  // Whitespace first: runs of spaces would make the optional-space patterns below backtrack.
  let text = answer.replace(/\s+/g, " ");
  // Most answers (all of GSM8K) are plain ASCII without commands: skip the LaTeX passes.
  if (!PLAIN_ASCII.test(text)) text = convert(rewriteSymbols(text), 0);
  text = text.replace(/\$/g, " ");
  text = markMixedNumbers(text);
  return text.replace(/\s+/g, " ").replace(/\(\s+/g, "(").replace(/\s+\)/g, ")").trim();
}

const PLAIN_ASCII = /^[A-Za-z0-9 .,$%+\-*/()=:;!?'"]*$/;

function rewriteSymbols(answer: string): string {
  return answer
    .replace(/[\u2212\u2013]/g, "-")
    .replace(/[×·]/g, "*")
    .replace(/÷/g, "/")
    .replace(/π/g, "\\pi ")
    .replace(/∞/g, "\\infty ")
    .replace(/√/g, "\\sqrt")
    .replace(/²/g, "^2")
    .replace(/³/g, "^3")
    .replace(/[\u00a0\u2009\u202f]/g, " ")
    .replace(/°/g, "")
    // `^\circ` / `^{\circ}`: drop the exponent with the degree sign, not just the sign.
    .replace(/\^\s*\{?\s*\\circ\s*\}?/g, "")
    .replace(/\{,\}/g, ",")
    // `11,\! 111,\! 100`: a thin negative space after a thousands comma, then a typed space.
    .replace(/(\d),\\!\s*(?=\d{3}(?!\d))/g, "$1,")
    // `\\frac` (a doubled backslash before a command, as escaped strings often carry) is `\frac`.
    .replace(/\\\\(?=(?:frac|dfrac|tfrac|sqrt|left|right|pi|boxed|text|cdot|times)(?![A-Za-z]))/g, "\\");
}

function convert(text: string, depth: number): string {
  if (depth > MAX_DEPTH) return text.replace(/[\\{}]/g, "");
  let out = "";
  let index = 0;
  while (index < text.length) {
    const char = text[index];
    if (char === "{") {
      const group = readBraceGroup(text, index);
      const inner = convert(group.content, depth + 1);
      // A bare brace group holding a list (`{1, 2, 3}`) is a set as answers write it; after `^` or
      // `_` it is an exponent or a subscript.
      const scripted = /[\^_]\s*$/.test(out);
      if (group.content.trim() === ",") out += ",";
      else if (!scripted && hasTopLevelComma(inner)) out += SET_OPEN + inner + SET_CLOSE;
      else out += `(${inner})`;
      index = group.end;
      continue;
    }
    if (char === "}") {
      index++;
      continue;
    }
    if (char !== "\\") {
      out += char;
      index++;
      continue;
    }
    const nameEnd = commandNameEnd(text, index + 1);
    const name = text.slice(index + 1, nameEnd);
    index = nameEnd;
    if (name === "") continue;
    if (FRACTION_COMMANDS.has(name)) {
      const numerator = readArgument(text, index);
      const denominator = readArgument(text, numerator.end);
      index = denominator.end;
      const fraction = `(${convert(numerator.content, depth + 1)})/(${convert(denominator.content, depth + 1)})`;
      // `\sin\frac{\pi}{6}` is the sine of the whole fraction.
      out += /(?:^|[^A-Za-z])(?:sin|cos|tan|sec|csc|cot|ln|log|exp)\s*$/.test(out) ? `(${fraction})` : fraction;
    } else if (name === "sqrt") {
      let degree: string | null = null;
      let cursor = index;
      while (text[cursor] === " ") cursor++;
      if (text[cursor] === "[") {
        const close = text.indexOf("]", cursor);
        if (close > cursor) {
          degree = text.slice(cursor + 1, close);
          cursor = close + 1;
        }
      }
      const radicand = readArgument(text, cursor);
      index = radicand.end;
      const inner = convert(radicand.content, depth + 1);
      out += degree === null ? `sqrt(${inner})` : `(${inner})^(1/(${convert(degree, depth + 1)}))`;
    } else if (TEXT_COMMANDS.has(name) || name === "boxed" || name === "fbox") {
      const argument = readArgument(text, index);
      index = argument.end;
      out += ` ${convert(argument.content, depth + 1)} `;
    } else if (name === "begin") {
      const environment = readArgument(text, index);
      const body = readEnvironmentBody(text, environment.end, environment.content);
      index = body.end;
      out += /matrix|array/.test(environment.content) ? convertMatrix(body.content, depth) : convert(body.content, depth + 1);
    } else if (name === "end") {
      index = readArgument(text, index).end;
    } else if (name === "\\") {
      out += " ";
    } else if (DROPPED_COMMANDS.has(name)) {
      // `\left.` / `\right.` are invisible delimiters: drop the dot with the command.
      if ((name === "left" || name === "right") && text[index] === ".") index++;
    } else if (Object.hasOwn(SYMBOLS, name)) {
      // Spaced like other command words: `r\pi` is `r pi`, not the word `rpi`.
      out += /^[A-Za-z]+$/.test(SYMBOLS[name]) ? ` ${SYMBOLS[name]} ` : SYMBOLS[name];
    } else {
      out += /^[A-Za-z]+$/.test(name) ? ` ${name} ` : name;
    }
  }
  return out;
}

function hasTopLevelComma(text: string): boolean {
  let depth = 0;
  for (const char of text) {
    if (char === "(" || char === "[" || char === SET_OPEN) depth++;
    else if (char === ")" || char === "]" || char === SET_CLOSE) depth--;
    else if (char === "," && depth === 0) return true;
  }
  return false;
}

function readEnvironmentBody(text: string, start: number, environment: string): { content: string; end: number } {
  // `array` takes a column spec first (`{cc}`); skip it so it is not read as a cell.
  let cursor = start;
  if (environment === "array") cursor = readArgument(text, cursor).end;
  const endMarker = `\\end{${environment}}`;
  const close = text.indexOf(endMarker, cursor);
  if (close < 0) return { content: text.slice(cursor), end: text.length };
  return { content: text.slice(cursor, close), end: close + endMarker.length };
}

function convertMatrix(body: string, depth: number): string {
  const rows = body
    .split(/\\\\/)
    .map((row) => row.trim())
    .filter((row) => row !== "" && !/^\\hline$/.test(row));
  const cells = rows.map((row) => row.split("&").map((cell) => convert(cell, depth + 1).trim()).join(MATRIX_CELL));
  return MATRIX_OPEN + cells.join(MATRIX_ROW) + MATRIX_CLOSE;
}

// A whole number directly followed by a proper fraction of integer literals, standing alone
// (start/space/bracket/comma before, end/space/bracket/comma/percent after): a mixed number.
const MIXED_LATEX = /(^\s*-?|[\s(,=[«]-?)(\d+)\s*\((\d+)\)\/\((\d+)\)(?=$|[\s,)\]»%])/g;
const MIXED_PLAIN = /(^\s*-?|[\s(,=[«]-?)(\d+)\s+(\d+)\/(\d+)(?=$|[\s,)\]»%])/g;

function markMixedNumbers(text: string): string {
  const rewrite = (whole: string, prefix: string, integer: string, numerator: string, denominator: string) =>
    Number(numerator) < Number(denominator) && Number(denominator) > 0 ? `${prefix}(${integer}+${numerator}/${denominator})` : whole;
  return text
    .replace(MIXED_LATEX, (whole, prefix, integer, numerator, denominator) => rewrite(whole, prefix, integer, numerator, denominator))
    .replace(MIXED_PLAIN, (whole, prefix, integer, numerator, denominator) => rewrite(whole, prefix, integer, numerator, denominator));
}
