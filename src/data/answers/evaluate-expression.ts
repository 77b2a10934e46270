/**
 * A small, safe arithmetic evaluator for answers in plain form (see latex-to-plain.ts): numbers
 * (with `e` exponents), `+ - * / ^`, parentheses, implicit multiplication (`2pi`, `3(4)`,
 * `2sqrt(2)`), the constants `pi`, `e`, `inf`, the functions in {@link FUNCTIONS} (`sin x`,
 * `sin^2(x)`, `ln(2)`), and variables when values are given: single letters, Greek names
 * (`theta`) and subscripted names (`x_1`, `a_(37)`). It never calls `eval` or `Function`, never
 * throws, and returns null for anything outside that grammar (other words, `±`, relations,
 * unbalanced parentheses) or for a non-number result.
 *
 * Hand-written rather than a library's: mathjs (the maintained candidate for Node 20) took
 * 0.6–1.2 s to import on these machines, against a 20 ms bound per call and a synchronous API,
 * and what the answers need from it is this grammar over doubles.
 */

type Token =
  | { kind: "number"; value: number }
  | { kind: "name"; name: string }
  | { kind: "function"; name: string }
  | { kind: "op"; op: "+" | "-" | "*" | "/" | "^" | "(" | ")" };

const MAX_TOKENS = 2000;
const MAX_DEPTH = 400;
const NUMBER = /(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?/y;
const CONSTANTS = new Set(["pi", "inf", "infinity", "e"]);
/** Greek letter names, which answers use as variables (`\theta` → `theta`). */
export const GREEK: ReadonlySet<string> = new Set([
  "alpha", "beta", "gamma", "delta", "epsilon", "varepsilon", "zeta", "eta", "theta", "vartheta", "iota", "kappa",
  "lambda", "mu", "nu", "xi", "rho", "sigma", "tau", "upsilon", "phi", "varphi", "chi", "psi", "omega",
]);

/** Functions an answer may use, by their plain-form name (`\sin` → `sin`). `log` is base 10, `ln` natural. */
export const FUNCTIONS: ReadonlyMap<string, (x: number) => number> = new Map([
  ["sqrt", Math.sqrt],
  ["sin", Math.sin],
  ["cos", Math.cos],
  ["tan", Math.tan],
  ["sec", (x: number) => 1 / Math.cos(x)],
  ["csc", (x: number) => 1 / Math.sin(x)],
  ["cot", (x: number) => 1 / Math.tan(x)],
  ["arcsin", Math.asin],
  ["arccos", Math.acos],
  ["arctan", Math.atan],
  ["sinh", Math.sinh],
  ["cosh", Math.cosh],
  ["tanh", Math.tanh],
  ["ln", Math.log],
  ["log", Math.log10],
  ["exp", Math.exp],
  ["abs", Math.abs],
]);

/** The variables an expression uses (`x`, `theta`, `x_1`), or null if it is not an expression. */
export function expressionVariables(expression: string): Set<string> | null {
  const tokens = tokenize(expression);
  if (tokens === null) return null;
  const variables = new Set<string>();
  for (const token of tokens) if (token.kind === "name" && !CONSTANTS.has(token.name)) variables.add(token.name);
  return variables;
}

/**
 * Value of a plain-form expression, or null. With `variables`, single letters take those values;
 * without, any variable makes the result null (the expression is not a constant).
 */
export function evaluateExpression(expression: string, variables?: ReadonlyMap<string, number>): number | null {
  const tokens = tokenize(expression);
  if (tokens === null || tokens.length === 0) return null;
  const parser = new Parser(tokens, variables);
  const value = parser.parseExpression(0);
  if (value === null || parser.position !== tokens.length || Number.isNaN(value)) return null;
  return value;
}

// `x_1`, `x_12`, `a_(37)`, `y_(n)`: a subscript is part of the variable's name.
const SUBSCRIPT = /^_(?:\(([A-Za-z0-9]{1,12})\)|([A-Za-z0-9]))/;

function tokenize(expression: string): Token[] | null {
  const tokens: Token[] = [];
  let index = 0;
  const text = expression;
  while (index < text.length) {
    if (tokens.length > MAX_TOKENS) return null;
    const char = text[index];
    if (char === " " || char === "\t" || char === "\n") {
      index++;
      continue;
    }
    NUMBER.lastIndex = index;
    const number = NUMBER.exec(text);
    if (number !== null) {
      tokens.push({ kind: "number", value: Number(number[0]) });
      index += number[0].length;
      continue;
    }
    if (/[A-Za-z]/.test(char)) {
      let end = index;
      while (end < text.length && /[A-Za-z]/.test(text[end])) end++;
      const word = text.slice(index, end);
      index = end;
      if (FUNCTIONS.has(word)) {
        tokens.push({ kind: "function", name: word });
        continue;
      }
      if (!CONSTANTS.has(word) && !GREEK.has(word) && word.length !== 1) {
        // `ab` in `\ln(ab)` or `2xy` is a product of variables; a word alone (`no`, `east`) is text.
        if (word.length > 3 || !/[\d+\-*/^()]/.test(text)) return null;
        for (const letter of word) tokens.push({ kind: "name", name: letter });
        continue;
      }
      // A known name glued to a variable (`xsqrt`, `pix`) is rare; any other word is not math.
      let name = word === "infinity" ? "inf" : word;
      const subscript = CONSTANTS.has(word) ? null : SUBSCRIPT.exec(text.slice(index, index + 24));
      if (subscript !== null) {
        name += "_" + (subscript[1] ?? subscript[2]);
        index += subscript[0].length;
      }
      tokens.push({ kind: "name", name });
      continue;
    }
    if ("+-*/^()".includes(char)) {
      tokens.push({ kind: "op", op: char as "+" });
      index++;
      continue;
    }
    return null;
  }
  return tokens;
}

class Parser {
  position = 0;
  constructor(
    private readonly tokens: Token[],
    private readonly variables: ReadonlyMap<string, number> | undefined,
  ) {}

  private peekOp(): string | null {
    const token = this.tokens[this.position];
    return token !== undefined && token.kind === "op" ? token.op : null;
  }

  parseExpression(depth: number): number | null {
    if (depth > MAX_DEPTH) return null;
    let value = this.parseTerm(depth + 1);
    while (value !== null) {
      const op = this.peekOp();
      if (op !== "+" && op !== "-") break;
      this.position++;
      const right = this.parseTerm(depth + 1);
      if (right === null) return null;
      value = op === "+" ? value + right : value - right;
    }
    return value;
  }

  private parseTerm(depth: number): number | null {
    let value = this.parseUnary(depth + 1);
    while (value !== null) {
      const op = this.peekOp();
      if (op === "*" || op === "/") {
        this.position++;
        const right = this.parseUnary(depth + 1);
        if (right === null) return null;
        value = op === "*" ? value * right : value / right;
      } else if (this.startsPrimary()) {
        // Implicit multiplication: `2pi`, `3(4)`, `2x`.
        const right = this.parsePower(depth + 1);
        if (right === null) return null;
        value *= right;
      } else break;
    }
    return value;
  }

  private startsPrimary(): boolean {
    const token = this.tokens[this.position];
    if (token === undefined) return false;
    return token.kind !== "op" || token.op === "(";
  }

  private parseUnary(depth: number): number | null {
    if (depth > MAX_DEPTH) return null;
    const op = this.peekOp();
    if (op === "-" || op === "+") {
      this.position++;
      const operand = this.parseUnary(depth + 1);
      if (operand === null) return null;
      return op === "-" ? -operand : operand;
    }
    return this.parsePower(depth + 1);
  }

  private parsePower(depth: number): number | null {
    const base = this.parsePrimary(depth + 1);
    if (base === null) return null;
    if (this.peekOp() !== "^") return base;
    this.position++;
    // Right-associative, and the exponent may carry a sign: 2^-1, 2^3^2 = 2^9.
    const exponent = this.parseUnary(depth + 1);
    if (exponent === null) return null;
    return Math.pow(base, exponent);
  }

  /**
   * `sqrt(2)`, `sqrt 2`, `sin x`, `sin^2 x` (= (sin x)^2), `sin x^2` (= sin(x^2)). In `sqrt(2)^3`
   * the power applies to the result (parsePower's job); a bare argument takes its own power.
   */
  private parseFunction(name: string, depth: number): number | null {
    if (depth > MAX_DEPTH) return null;
    const apply = FUNCTIONS.get(name) as (x: number) => number;
    let power: number | null = null;
    if (this.peekOp() === "^" && name !== "sqrt") {
      this.position++;
      power = this.parseUnaryPrimary(depth + 1);
      if (power === null) return null;
    }
    const argument = this.peekOp() === "(" || name === "sqrt" ? this.parsePrimary(depth + 1) : this.parseBareArgument(depth + 1);
    if (argument === null) return null;
    const value = apply(argument);
    return power === null ? value : Math.pow(value, power);
  }

  /** `sin 2x` is sin(2x): a bare argument runs over implicit products, up to an operator or the next function. */
  private parseBareArgument(depth: number): number | null {
    let value = this.parsePower(depth + 1);
    while (value !== null && this.startsPrimary() && this.tokens[this.position].kind !== "function") {
      const right = this.parsePower(depth + 1);
      if (right === null) return null;
      value *= right;
    }
    return value;
  }

  private parseUnaryPrimary(depth: number): number | null {
    if (this.peekOp() === "-") {
      this.position++;
      const operand = this.parsePrimary(depth + 1);
      return operand === null ? null : -operand;
    }
    return this.parsePrimary(depth + 1);
  }

  private parsePrimary(depth: number): number | null {
    if (depth > MAX_DEPTH) return null;
    const token = this.tokens[this.position];
    if (token === undefined) return null;
    if (token.kind === "number") {
      this.position++;
      return token.value;
    }
    if (token.kind === "function") {
      this.position++;
      return this.parseFunction(token.name, depth + 1);
    }
    if (token.kind === "name") {
      this.position++;
      if (token.name === "pi") return Math.PI;
      if (token.name === "e") return Math.E;
      if (token.name === "inf") return Number.POSITIVE_INFINITY;
      return this.variables?.get(token.name) ?? null;
    }
    if (token.op === "(") {
      this.position++;
      const inner = this.parseExpression(depth + 1);
      if (inner === null || this.peekOp() !== ")") return null;
      this.position++;
      return inner;
    }
    return null;
  }
}
