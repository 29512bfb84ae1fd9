import type { Severity } from './check';

/** How many names a message spells out before "and N more" (the objects list has them all). */
export const NAMES_IN_MESSAGE = 10;

/** `a`, `a and b`, `a, b and c`, `a, b, c and 7 more`. */
export function listNames(names: readonly string[], max = NAMES_IN_MESSAGE): string {
  if (names.length === 0) return 'none';
  const shown = names.slice(0, max);
  const rest = names.length - shown.length;
  if (rest > 0) return `${shown.join(', ')} and ${rest} more`;
  if (shown.length === 1) return shown[0]!;
  return `${shown.slice(0, -1).join(', ')} and ${shown[shown.length - 1]!}`;
}

/** `1 table`, `3 tables`. */
export function count(n: number, singular: string, plural = `${singular}s`): string {
  return `${n.toLocaleString('en-US')} ${n === 1 ? singular : plural}`;
}

/** `the 1 selected table`, `all 3 selected tables`. */
export function allOf(n: number, singular: string, plural = `${singular}s`): string {
  return n === 1 ? `the 1 ${singular}` : `all ${count(n, singular, plural)}`;
}

/** `the 1 table` -> `The 1 table`. */
export function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/** `80,000 bytes (78.1 KB)`. */
export function formatBytes(bytes: number): string {
  const exact = `${bytes.toLocaleString('en-US')} ${bytes === 1 ? 'byte' : 'bytes'}`;
  if (bytes < 1024) return exact;
  const units = ['KB', 'MB', 'GB', 'TB'];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${exact} (${value.toFixed(1)} ${units[unit]!})`;
}

/** `45 s`, `12 min 5 s`, `3 h 2 min`. */
export function formatDuration(seconds: number): string {
  if (seconds < 60) return `${seconds} s`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)} min ${seconds % 60} s`;
  return `${Math.floor(seconds / 3600)} h ${Math.floor((seconds % 3600) / 60)} min`;
}

const RANK: Record<Severity, number> = { ok: 0, info: 1, warning: 2, error: 3 };

/** The most severe of the given severities (`ok` for none). */
export function worst(severities: readonly Severity[]): Severity {
  return severities.reduce<Severity>((a, b) => (RANK[b] > RANK[a] ? b : a), 'ok');
}

/** Message parts joined into one text: each a sentence or more, empty parts dropped. */
export function sentences(...parts: ReadonlyArray<string | false | undefined>): string {
  return parts.filter((p): p is string => typeof p === 'string' && p.length > 0).join(' ');
}
