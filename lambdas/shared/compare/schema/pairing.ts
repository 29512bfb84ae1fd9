import { compareText } from './snapshot';

/** How the items of two sides correspond. */
export interface Pairing<T> {
  /** Same key, same shape. */
  readonly same: (readonly [T, T])[];
  /** Same shape and scope, other key (a rename). */
  readonly renamed: (readonly [T, T])[];
  /** Same key, other shape. */
  readonly changed: (readonly [T, T])[];
  readonly missing: T[];
  readonly extra: T[];
}

export interface PairingKeys<T> {
  /** Identity, usually the qualified name. */
  readonly key: (item: T) => string;
  /** What the item is, without its name; equal shapes are the same object. */
  readonly shape: (item: T) => string;
  /** Where a rename may be recognised (e.g. the table); without it, renames are not looked for. */
  readonly scope?: (item: T) => string;
}

/**
 * Pairs items by key and, failing that, by shape within a scope. Exact pairs go first, then renames,
 * then same-key pairs with other shapes: so two names swapped between sides are two renames, not
 * two changed definitions, and a name present on both sides is a changed definition only when no
 * identical item explains it. Deterministic: candidates are taken in key order.
 */
export function pairItems<T>(source: readonly T[], target: readonly T[], keys: PairingKeys<T>): Pairing<T> {
  const order = (items: readonly T[]) => [...items].sort((a, b) => compareText(keys.key(a), keys.key(b)));
  let left = order(source);
  let right = order(target);
  // Pairs each remaining source item with the first remaining target item in the same bucket.
  const take = (bucket: (item: T) => string) => {
    const candidates = new Map<string, T[]>();
    for (const b of right) {
      const list = candidates.get(bucket(b));
      if (list) list.push(b);
      else candidates.set(bucket(b), [b]);
    }
    const pairs: (readonly [T, T])[] = [];
    const paired = new Set<T>();
    left = left.filter((a) => {
      const b = candidates.get(bucket(a))?.shift();
      if (b === undefined) return true;
      paired.add(b);
      pairs.push([a, b]);
      return false;
    });
    right = right.filter((b) => !paired.has(b));
    return pairs;
  };
  const same = take((item) => `${keys.key(item)}\u0000${keys.shape(item)}`);
  const scope = keys.scope;
  const renamed = scope ? take((item) => `${scope(item)}\u0000${keys.shape(item)}`) : [];
  const changed = take(keys.key);
  return { same, renamed, changed, missing: left, extra: right };
}
