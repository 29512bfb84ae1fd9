/**
 * Reading names back out of PostgreSQL's output, where they are quoted only when needed
 * (`public.orders_id_seq`, `"My Schema"."Seq"`); the snapshot keeps catalog names unquoted.
 */

/**
 * The sequence a default calls, from PostgreSQL's `nextval('public.orders_id_seq'::regclass)` or
 * `nextval('"My Schema"."Seq"'::regclass)` (defaults are read with an empty search_path, so the
 * schema is always there).
 */
export function nextvalTarget(expression: string): { schema: string; name: string } | undefined {
  const match = /\bnextval\('((?:[^']|'')+)'::regclass\)/.exec(expression);
  if (match === null) return undefined;
  const parts = splitQualifiedName(match[1]!.replace(/''/g, "'"));
  return parts?.length === 2 ? { schema: parts[0]!, name: parts[1]! } : undefined;
}

/** `a.b`, `"A"."b.c"`: identifiers separated by dots outside quotes; `""` inside quotes is a quote. */
export function splitQualifiedName(text: string): string[] | undefined {
  const parts: string[] = [];
  let i = 0;
  while (i <= text.length) {
    let part = '';
    if (text[i] === '"') {
      i++;
      for (;;) {
        if (i >= text.length) return undefined;
        if (text[i] === '"') {
          if (text[i + 1] === '"') {
            part += '"';
            i += 2;
            continue;
          }
          i++;
          break;
        }
        part += text[i++];
      }
    } else {
      while (i < text.length && text[i] !== '.') part += text[i++];
    }
    parts.push(part);
    if (i >= text.length) break;
    if (text[i] !== '.') return undefined;
    i++;
  }
  return parts;
}
