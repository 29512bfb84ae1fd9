/**
 * The readable form of a report without a renderer of its own: nested keys and values, one per
 * line, lists as `- ` items (as YAML writes them), strings unquoted unless they would read as
 * something else.
 */
export function renderKeyValues(value: unknown): string {
  const lines = render(value, 0);
  return `${lines.join('\n')}\n`;
}

const LIST_SHOWN = 50;

function render(value: unknown, indent: number): string[] {
  const pad = ' '.repeat(indent);
  if (Array.isArray(value)) {
    if (value.length === 0) return [`${pad}(none)`];
    const items = value.slice(0, LIST_SHOWN).flatMap((item) => {
      if (!isNested(item)) return [`${pad}- ${scalar(item)}`];
      const [first = '', ...rest] = render(item, indent + 2);
      return [`${pad}- ${first.trimStart()}`, ...rest];
    });
    return value.length > LIST_SHOWN ? [...items, `${pad}... and ${value.length - LIST_SHOWN} more (--json shows all)`] : items;
  }
  if (isNested(value)) {
    const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined);
    if (entries.length === 0) return [`${pad}(empty)`];
    return entries.flatMap(([key, v]) => {
      if (!isNested(v) || (Array.isArray(v) && v.length === 0)) return [`${pad}${key}: ${Array.isArray(v) ? '(none)' : scalar(v)}`];
      return [`${pad}${key}:`, ...render(v, indent + 2)];
    });
  }
  return [`${pad}${scalar(value)}`];
}

function isNested(value: unknown): boolean {
  return typeof value === 'object' && value !== null;
}

function scalar(value: unknown): string {
  if (value === null) return '(null)';
  if (typeof value === 'string') return value === '' || /^\s|\s$|\n/.test(value) ? JSON.stringify(value) : value;
  return String(value);
}
