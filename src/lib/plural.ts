const english = new Intl.PluralRules('en-US');

/** "1 connection", "2 connections", "0 connections": the noun agrees with the count. */
export function countOf(count: number, one: string, other: string): string {
  return `${count} ${english.select(count) === 'one' ? one : other}`;
}

/** Picks the form of a word that agrees with `count` ("needs" / "need"). */
export function agree(count: number, one: string, other: string): string {
  return english.select(count) === 'one' ? one : other;
}
