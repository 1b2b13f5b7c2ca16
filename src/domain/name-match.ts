/**
 * Finds what a person meant by a typed name ("google ads brand" for "Google Ads — Brand"). Case, accents
 * and punctuation don't matter; an exact name beats a prefix, which beats a substring. Pure, so the
 * slash command and any future surface resolve names the same way.
 */

export type NameMatch<T> =
  | { kind: 'found'; item: T }
  /** Two or more equally good matches: the person must pick one. */
  | { kind: 'ambiguous'; candidates: T[] }
  /** Nothing matched; `suggestions` are the closest names by spelling, best first (possibly none). */
  | { kind: 'none'; suggestions: T[] };

const MAX_SUGGESTIONS = 3;

export function normalizeName(text: string): string {
  return text
    .normalize('NFKD')
    .replace(/\p{M}+/gu, '')
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]+/gu, ' ')
    .trim();
}

export function matchByName<T>(items: readonly T[], query: string, nameOf: (item: T) => string): NameMatch<T> {
  const wanted = normalizeName(query);
  if (!wanted) return { kind: 'none', suggestions: [] };
  const named = items.map((item) => ({ item, name: normalizeName(nameOf(item)) }));
  const tiers = [
    named.filter(({ name }) => name === wanted),
    named.filter(({ name }) => name.startsWith(wanted)),
    named.filter(({ name }) => name.includes(wanted)),
  ];
  for (const tier of tiers) {
    const [first] = tier;
    if (first && tier.length === 1) return { kind: 'found', item: first.item };
    if (tier.length > 1) return { kind: 'ambiguous', candidates: tier.map(({ item }) => item) };
  }
  return { kind: 'none', suggestions: closest(named, wanted) };
}

/** Names within a few typos of the query, or of one of its words ("hubsot" → "HubSpot EU"). */
function closest<T>(named: { item: T; name: string }[], wanted: string): T[] {
  const allowed = Math.max(1, Math.floor(wanted.length / 3));
  return named
    .map(({ item, name }) => ({ item, distance: Math.min(...[name, ...name.split(' ')].map((part) => editDistance(part, wanted))) }))
    .filter(({ distance }) => distance <= allowed)
    .sort((a, b) => a.distance - b.distance)
    .slice(0, MAX_SUGGESTIONS)
    .map(({ item }) => item);
}

/** Levenshtein distance, one row at a time. */
function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, index) => index);
  for (let i = 1; i <= a.length; i += 1) {
    const current = [i];
    for (let j = 1; j <= b.length; j += 1) {
      const substitution = (previous[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1);
      current.push(Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, substitution));
    }
    previous = current;
  }
  return previous[b.length] ?? 0;
}
