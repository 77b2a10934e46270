import { evaluateExpression, FUNCTIONS, GREEK } from "./evaluate-expression.js";
import { trimEndChars } from "./trim-end-chars.js";

/** One answer value that is not a tuple, set, list or matrix, prepared for comparison. */
export interface ScalarAnswer {
  /** The expression left after currency, percent and unit words are removed (plain form, case kept). */
  expression: string;
  /** Canonical text: lower case, no spaces, no parentheses around a lone atom. */
  text: string;
  /** Value when the expression is a constant (no variables); may be ±Infinity. */
  value: number | null;
  /** Written as a percentage (`50%`, `50 percent`); `value` is the number as written (50). */
  percent: boolean;
}

// Valid thousands grouping only: `1,000`, `12,345,678.5`. `1,00` and `1234,5` are not numbers.
const THOUSANDS = /(?<![\d.]|\d,)\d{1,3}(?:,\d{3})+(?!\d|,\d)/g;
const PERCENT_SUFFIX = /\s*(?:%|\bpercent\b|\bper\s*cent\b|\bpct\b)\s*$/i;
const UNIT_TOKEN = /^(?:[A-Za-z]+\.?(?:\^\(?\d\)?)?|[A-Za-z]+\/[A-Za-z]+|\/|per)$/;
// Words that are mathematics, not units: never strip them from the end of an answer.
// `am`/`pm` change the answer (10 am is not 10 pm), so they are not units either.
// Function names too: `2 sin x` is not 2 of some unit "sin x".
const RESERVED_WORDS = new Set(["pi", "inf", "infinity", "e", "i", "am", "pm", "a.m.", "p.m.", ...FUNCTIONS.keys(), ...GREEK]);
// Single letters are variables unless they are one of these common unit symbols after a number.
const SINGLE_LETTER_UNITS = new Set(["m", "g", "s", "h", "l", "L", "K", "A", "V", "W", "J", "N"]);
// Units written without a space after the number (`5cm`); multi-letter only, so `5m` stays `5m`.
const GLUED_UNIT = /^(.*\d)\s*(cm|mm|km|kg|mg|ml|hrs?|mins?|secs?|ft|yds?|lbs?|oz|mph|kph|kmh|cents?|dollars?|euros?)$/i;
const NUMBER_WORDS: Record<string, number> = {
  zero: 0, one: 1, two: 2, three: 3, four: 4, five: 5, six: 6, seven: 7, eight: 8, nine: 9, ten: 10,
  eleven: 11, twelve: 12, thirteen: 13, fourteen: 14, fifteen: 15, sixteen: 16, seventeen: 17,
  eighteen: 18, nineteen: 19, twenty: 20, thirty: 30, forty: 40, fifty: 50, sixty: 60, seventy: 70,
  eighty: 80, ninety: 90, hundred: 100,
};

/** Remove thousands separators from validly grouped numbers. */
export function removeThousandsSeparators(text: string): string {
  return text.replace(THOUSANDS, (group) => group.replace(/,/g, ""));
}

/**
 * Prepare one scalar answer in plain form (see latex-to-plain.ts). Currency symbols go, a trailing
 * percent is recorded and removed, trailing unit words go when what is left is a number
 * (`18 apples`, `5 hours`, `2sqrt(2) cm`), and a lone number word (`five`) becomes its digits.
 */
export function prepareScalar(plain: string): ScalarAnswer {
  let expression = removeThousandsSeparators(plain.replace(/[$€£¥₹]/g, " ").replace(/\s+/g, " ")).trim();
  expression = expression.replace(/^(?:usd|us)\s+/i, "").replace(/\s+(?:usd)$/i, "");
  let percent = false;
  if (PERCENT_SUFFIX.test(expression)) {
    percent = true;
    expression = expression.replace(PERCENT_SUFFIX, "");
  }
  // "five apples": the number word becomes digits first, so the unit word can go.
  const firstWord = /^[A-Za-z]+/.exec(expression)?.[0].toLowerCase();
  if (firstWord !== undefined && Object.hasOwn(NUMBER_WORDS, firstWord) && !/\d/.test(expression)) {
    expression = String(NUMBER_WORDS[firstWord]) + expression.slice(firstWord.length);
  }
  expression = stripUnits(trimEndChars(expression, "."));
  if (!percent && PERCENT_SUFFIX.test(expression)) {
    // `50 % of the class` style leftovers after units went.
    percent = true;
    expression = expression.replace(PERCENT_SUFFIX, "");
  }
  return { expression, text: canonicalText(expression), value: evaluateExpression(expression), percent };
}

function stripUnits(expression: string): string {
  const glued = GLUED_UNIT.exec(expression);
  if (glued !== null && evaluateExpression(glued[1]) !== null) return glued[1].trim();
  // `\text{ cm}^2` leaves "cm ^2": the exponent belongs to the unit word.
  const tokens = expression.replace(/\s+\^/g, "^").split(/\s+/);
  let keep = tokens.length;
  while (keep > 1 && UNIT_TOKEN.test(tokens[keep - 1]) && !RESERVED_WORDS.has(tokens[keep - 1].toLowerCase())) keep--;
  if (keep === tokens.length) return expression;
  const head = tokens.slice(0, keep).join(" ");
  const unit = tokens.slice(keep);
  // A single letter is a variable (`pi r^2`, `2 x`), unless it is the whole unit, a common unit
  // symbol, after a plain number (`5 m`, `3 m^2`).
  const letters = unit.map((token) => token.replace(/\^.*$/, "").replace(/\.$/, ""));
  if (letters.some((token) => /^[A-Za-z]$/.test(token))) {
    const unitSymbol = unit.length === 1 && SINGLE_LETTER_UNITS.has(letters[0]) && /^[-+]?\d+(?:\.\d+)?$/.test(head);
    if (!unitSymbol) return expression;
  }
  return evaluateExpression(head) === null ? expression : head;
}

/** Lower case, no whitespace, no parentheses around a lone number or letter (`(2)` → `2`, not `f(x)`). */
export function canonicalText(expression: string): string {
  let text = expression.toLowerCase().replace(/\s+/g, "");
  for (let pass = 0; pass < 10; pass++) {
    const next = text.replace(/(?<![a-z])\(([a-z0-9.]+)\)/g, "$1");
    if (next === text) break;
    text = next;
  }
  return trimEndChars(text, ".");
}
