/**
 * A small, safe arithmetic evaluator for answers in plain form (see latex-to-plain.ts): numbers
 * (with `e` exponents), `+ - * / ^`, parentheses, implicit multiplication (`2pi`, `3(4)`,
 * `2sqrt(2)`), `sqrt`, `pi`, `inf`, and single-letter variables when values are given. It never
 * calls `eval` or `Function`, never throws, and returns null for anything outside that grammar
 * (words, `±`, relations, unbalanced parentheses) or for a non-number result.
 */

type Token =
  | { kind: "number"; value: number }
  | { kind: "name"; name: string }
  | { kind: "op"; op: "+" | "-" | "*" | "/" | "^" | "(" | ")" };

const MAX_TOKENS = 2000;
const MAX_DEPTH = 400;
const NUMBER = /(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?/y;
const KNOWN_NAMES = new Set(["pi", "inf", "infinity", "sqrt"]);

/** Single-letter variables the expression uses (`x`, `y`), or null if it is not an expression. */
export function expressionVariables(expression: string): Set<string> | null {
  const tokens = tokenize(expression);
  if (tokens === null) return null;
  const variables = new Set<string>();
  for (const token of tokens) if (token.kind === "name" && !KNOWN_NAMES.has(token.name)) variables.add(token.name);
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
      if (KNOWN_NAMES.has(word)) tokens.push({ kind: "name", name: word === "infinity" ? "inf" : word });
      else if (word.length === 1) tokens.push({ kind: "name", name: word });
      // A known name glued to a variable (`xsqrt`, `pix`) is rare; anything else is a word, not math.
      else return null;
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

  private parsePrimary(depth: number): number | null {
    if (depth > MAX_DEPTH) return null;
    const token = this.tokens[this.position];
    if (token === undefined) return null;
    if (token.kind === "number") {
      this.position++;
      return token.value;
    }
    if (token.kind === "name") {
      this.position++;
      if (token.name === "pi") return Math.PI;
      if (token.name === "inf") return Number.POSITIVE_INFINITY;
      if (token.name === "sqrt") {
        // `sqrt 2`, `sqrt(2)`; in `sqrt(2)^3` the power applies to the root (parsePower's job).
        const argument = this.parsePrimary(depth + 1);
        return argument === null ? null : Math.sqrt(argument);
      }
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
