/**
 * Just enough of a SQL lexer to normalise pg_get_* output without touching what is inside string
 * literals and quoted identifiers: `'a  b'` and `"Total  $"` keep their spaces, a `(` inside them
 * is not a parenthesis.
 */
export interface Token {
  readonly kind: 'space' | 'word' | 'quoted' | 'string' | 'punct';
  readonly text: string;
}

const WORD_START = /[A-Za-z_0-9\u0080-\uffff]/;
const WORD_PART = /[A-Za-z_0-9$\u0080-\uffff]/;

export function tokenize(sql: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < sql.length) {
    const ch = sql[i] as string;
    let end = i + 1;
    let kind: Token['kind'];
    if (/\s/.test(ch)) {
      while (end < sql.length && /\s/.test(sql[end] as string)) end++;
      kind = 'space';
    } else if (ch === "'") {
      // E'...' strings escape with backslashes; pg prints them when a value holds one.
      const previous = tokens[tokens.length - 1];
      const escaped = previous?.kind === 'word' && /^[Ee]$/.test(previous.text);
      end = closingQuote(sql, i, "'", escaped);
      kind = 'string';
    } else if (ch === '"') {
      end = closingQuote(sql, i, '"', false);
      kind = 'quoted';
    } else if (WORD_START.test(ch)) {
      while (end < sql.length && WORD_PART.test(sql[end] as string)) end++;
      kind = 'word';
    } else {
      kind = 'punct';
    }
    tokens.push({ kind, text: sql.slice(i, end) });
    i = end;
  }
  return tokens;
}

/** Index just past the quote that closes the one at `start` (a doubled quote is an escaped one). */
function closingQuote(sql: string, start: number, quote: string, backslashEscapes: boolean): number {
  let i = start + 1;
  while (i < sql.length) {
    const ch = sql[i];
    if (backslashEscapes && ch === '\\') {
      i += 2;
    } else if (ch === quote) {
      if (sql[i + 1] === quote) i += 2;
      else return i + 1;
    } else {
      i++;
    }
  }
  return sql.length;
}

export function join(tokens: readonly Token[]): string {
  return tokens.map((token) => token.text).join('');
}

/** Index of the `)` matching the `(` at `open`, or -1. */
export function matchingParen(tokens: readonly Token[], open: number): number {
  let depth = 0;
  for (let i = open; i < tokens.length; i++) {
    const token = tokens[i] as Token;
    if (token.kind !== 'punct') continue;
    if (token.text === '(') depth++;
    else if (token.text === ')' && --depth === 0) return i;
  }
  return -1;
}

export function isPunct(token: Token | undefined, text: string): boolean {
  return token?.kind === 'punct' && token.text === text;
}

/** A keyword as pg_get_* prints it (upper case, unquoted). */
export function isKeyword(token: Token | undefined, ...words: string[]): boolean {
  return token?.kind === 'word' && words.includes(token.text.toUpperCase());
}

export function isIdentifier(token: Token | undefined): boolean {
  return token !== undefined && (token.kind === 'quoted' || (token.kind === 'word' && !/^[0-9]/.test(token.text)));
}
