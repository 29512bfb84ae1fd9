import { isIdentifier, isKeyword, isPunct, join, matchingParen, tokenize, type Token } from './sql-tokens';

/**
 * Normalisations of pg_get_* output, so that equal schemas compare equal whatever their creation
 * order and whichever PostgreSQL major printed them. Each removes only a cosmetic difference;
 * string literals and quoted identifiers are never changed. Every definition is also read with an
 * empty search_path (read-snapshot.ts), so names are always schema-qualified and do not depend on
 * the server's or role's search_path.
 *
 * 1. Whitespace: runs of spaces and newlines become one space, none just inside parentheses, none
 *    at either end (pg_get_viewdef pretty-prints with newlines and indentation that changed between
 *    versions): " SELECT o.id,\n    o.total\n   FROM ( SELECT ..." -> "SELECT o.id, o.total FROM (SELECT ...".
 * 2. Redundant outer parentheses around a whole expression: a default
 *    "(now() AT TIME ZONE 'utc'::text)" -> "now() AT TIME ZONE 'utc'::text", a generated column
 *    "(price * (qty)::numeric)" -> "price * (qty)::numeric", and inside a clause
 *    "CHECK ((total >= (0)::numeric))" -> "CHECK (total >= (0)::numeric)", an index's
 *    "WHERE ((total > 10))" -> "WHERE (total > 10)", a trigger's "WHEN ((new.total > 0))" -> "WHEN (new.total > 0)".
 * 3. An index's and a trigger's own name: "CREATE INDEX orders_customer_idx ON public.orders ..." ->
 *    "CREATE INDEX ON public.orders ...", so an index renamed but otherwise identical is recognised
 *    (they are matched by name separately). The index's schema is the table's, printed once.
 * 4. "EXECUTE PROCEDURE" -> "EXECUTE FUNCTION" in trigger definitions (PostgreSQL 10 and older
 *    print the former; same meaning).
 * 5. A view's trailing semicolon: "... GROUP BY customer_id;" -> "... GROUP BY customer_id".
 * 6. A view's qualified column references when its top-level query reads one relation: PostgreSQL
 *    15 and older print "SELECT orders.customer_id FROM public.orders", 16 and newer
 *    "SELECT customer_id FROM public.orders" (16 dropped the OLD/NEW entries from a view's range
 *    table, so the single relation no longer needs a prefix). Both become the latter. Only the
 *    top-level query is touched (subqueries qualify in every version), and never a function name
 *    (`x.f(...)`), a type after `::`, or a whole-row reference (`orders.*`).
 */
export function normalizeWhitespace(sql: string): string {
  return join(squeeze(tokenize(sql)));
}

/** Rules 1 and 2, for a whole expression (a default, a generated column's expression). */
export function normalizeExpression(sql: string): string {
  return join(stripOuterParens(squeeze(tokenize(sql))));
}

/** Rules 1 and 2 for a constraint: the expression inside `CHECK (...)` / `WHERE (...)`. */
export function normalizeConstraintDefinition(sql: string): string {
  return join(normalizeClauses(squeeze(tokenize(sql)), ['CHECK', 'WHERE']));
}

/** Rules 1, 2 and 3 for pg_get_indexdef; `quotedName` is quote_ident(index name). */
export function normalizeIndexDefinition(sql: string, quotedName: string): string {
  const text = dropOwnName(normalizeWhitespace(sql), /^CREATE (UNIQUE )?INDEX /, quotedName);
  return join(normalizeClauses(tokenize(text), ['WHERE']));
}

/** Rules 1 to 4 for pg_get_triggerdef; `quotedName` is quote_ident(trigger name). */
export function normalizeTriggerDefinition(sql: string, quotedName: string): string {
  const text = dropOwnName(normalizeWhitespace(sql), /^CREATE (CONSTRAINT )?TRIGGER /, quotedName);
  const tokens = normalizeClauses(tokenize(text), ['WHEN']);
  for (let i = 0; i + 2 < tokens.length; i++) {
    if (isKeyword(tokens[i], 'EXECUTE') && isKeyword(tokens[i + 2], 'PROCEDURE')) tokens[i + 2] = { kind: 'word', text: 'FUNCTION' };
  }
  return join(tokens);
}

/** Rules 1, 5 and 6 for pg_get_viewdef. */
export function normalizeViewDefinition(sql: string): string {
  let tokens = squeeze(tokenize(sql));
  while (isPunct(tokens[tokens.length - 1], ';')) tokens = squeeze(tokens.slice(0, -1));
  return join(unqualifySingleRelation(tokens));
}

/** Rule 1 on tokens. */
function squeeze(tokens: readonly Token[]): Token[] {
  const out: Token[] = [];
  tokens.forEach((token, i) => {
    if (token.kind !== 'space') {
      out.push(token);
      return;
    }
    const before = out[out.length - 1];
    const after = tokens[i + 1];
    if (before === undefined || after === undefined || isPunct(before, '(') || isPunct(after, ')')) return;
    out.push({ kind: 'space', text: ' ' });
  });
  return out;
}

function stripOuterParens(tokens: Token[]): Token[] {
  while (isPunct(tokens[0], '(') && matchingParen(tokens, 0) === tokens.length - 1) tokens = tokens.slice(1, -1);
  return tokens;
}

/** Rule 2 inside `KEYWORD (...)` clauses at the top level: `CHECK ((a > 0))` -> `CHECK (a > 0)`. */
function normalizeClauses(tokens: Token[], keywords: string[]): Token[] {
  const out: Token[] = [];
  for (let i = 0; i < tokens.length; i++) {
    const token = tokens[i] as Token;
    out.push(token);
    const open = isPunct(tokens[i + 1], '(') ? i + 1 : isPunct(tokens[i + 2], '(') && tokens[i + 1]?.kind === 'space' ? i + 2 : -1;
    if (!isKeyword(token, ...keywords) || open === -1) continue;
    const close = matchingParen(tokens, open);
    if (close === -1) continue;
    out.push(...tokens.slice(i + 1, open + 1), ...stripOuterParens(tokens.slice(open + 1, close)), tokens[close] as Token);
    i = close;
  }
  return out;
}

function dropOwnName(text: string, prefix: RegExp, quotedName: string): string {
  const head = prefix.exec(text)?.[0];
  if (head === undefined || !text.startsWith(`${quotedName} `, head.length)) return text;
  return head + text.slice(head.length + quotedName.length + 1);
}

const CLAUSE_AFTER_FROM = ['WHERE', 'GROUP', 'HAVING', 'WINDOW', 'ORDER', 'LIMIT', 'OFFSET', 'FETCH', 'FOR'];
const SUBQUERY_START = ['SELECT', 'WITH', 'VALUES', 'TABLE'];

/** Rule 6. Returns the tokens unchanged whenever the query is not plainly one relation. */
function unqualifySingleRelation(tokens: Token[]): Token[] {
  const depth = depths(tokens);
  const top = (i: number) => depth[i] === 0;
  if (tokens.some((t, i) => top(i) && isKeyword(t, 'UNION', 'INTERSECT', 'EXCEPT'))) return tokens;
  const select = tokens.findIndex((t, i) => top(i) && isKeyword(t, 'SELECT'));
  const from = tokens.findIndex((t, i) => i > select && top(i) && isKeyword(t, 'FROM'));
  if (select === -1 || from === -1) return tokens;
  let end = tokens.findIndex((t, i) => i > from && top(i) && isKeyword(t, ...CLAUSE_AFTER_FROM));
  if (end === -1) end = tokens.length;
  const refname = singleRelationRefname(tokens.slice(from + 1, end).filter((t) => t.kind !== 'space'));
  if (refname === undefined) return tokens;

  const subqueryDepth: boolean[] = [];
  const out: Token[] = [];
  for (let i = 0; i < tokens.length; i++) {
    const token = tokens[i] as Token;
    if (isPunct(token, '(')) subqueryDepth.push(isKeyword(tokens[i + 1], ...SUBQUERY_START) || subqueryDepth.some(Boolean));
    if (isPunct(token, ')')) subqueryDepth.pop();
    const inSubquery = subqueryDepth[subqueryDepth.length - 1] === true;
    const qualifier =
      !inSubquery &&
      (i < from || i >= end) &&
      token.text === refname &&
      isIdentifier(token) &&
      isPunct(tokens[i + 1], '.') &&
      isIdentifier(tokens[i + 2]) &&
      !isPunct(tokens[i + 3], '(') &&
      !isPunct(tokens[i - 1], '.') &&
      !isPunct(tokens[i - 1], ':');
    if (qualifier) i++;
    else out.push(token);
  }
  return out;
}

/** How many parentheses enclose each token (a parenthesis counts as outside itself). */
function depths(tokens: readonly Token[]): number[] {
  let depth = 0;
  return tokens.map((token) => {
    if (isPunct(token, ')')) depth--;
    const here = depth;
    if (isPunct(token, '(')) depth++;
    return here;
  });
}

/**
 * The name a lone FROM item is referred to by: its alias, else the relation's (or function's) own
 * name. Undefined for a join, a list, or anything not recognised.
 */
function singleRelationRefname(item: Token[]): string | undefined {
  let i = 0;
  if (isKeyword(item[i], 'ONLY')) i++;
  let ownName: string | undefined;
  if (isPunct(item[i], '(')) {
    if (!isKeyword(item[i + 1], ...SUBQUERY_START)) return undefined;
    i = matchingParen(item, i) + 1;
    if (i === 0) return undefined;
  } else {
    if (!isIdentifier(item[i])) return undefined;
    ownName = item[i]?.text;
    i++;
    while (isPunct(item[i], '.') && isIdentifier(item[i + 1])) {
      ownName = item[i + 1]?.text;
      i += 2;
    }
    if (isPunct(item[i], '(')) i = matchingParen(item, i) + 1;
    if (i === 0) return undefined;
  }
  if (isKeyword(item[i], 'AS')) i++;
  let refname = ownName;
  if (i < item.length && isIdentifier(item[i]) && !isKeyword(item[i], 'TABLESAMPLE', 'JOIN', 'CROSS', 'LEFT', 'RIGHT', 'FULL', 'INNER', 'NATURAL')) {
    refname = item[i]?.text;
    i++;
    if (isPunct(item[i], '(')) i = matchingParen(item, i) + 1;
    if (i === 0) return undefined;
  }
  return i === item.length ? refname : undefined;
}
