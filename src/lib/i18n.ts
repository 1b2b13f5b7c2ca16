import { IntlMessageFormat } from 'intl-messageformat';

/**
 * The languages Reconnect speaks, and the machinery every message goes through: ICU messages compiled
 * once per language and key by FormatJS's `intl-messageformat` (plural and select rules come from the
 * CLDR data in Node's own `Intl`), durations and lists from `Intl.NumberFormat` and `Intl.ListFormat`.
 * FormatJS was chosen over i18next because its messages are ICU MessageFormat, the syntax translators and
 * their tools already know, and because it adds nothing `Intl` does itself; the catalogs stay plain data.
 */

export const LANGUAGES = ['en', 'nl', 'es', 'fr'] as const;
export type Language = (typeof LANGUAGES)[number];
export const DEFAULT_LANGUAGE: Language = 'en';

export function isLanguage(value: unknown): value is Language {
  return typeof value === 'string' && (LANGUAGES as readonly string[]).includes(value);
}

/**
 * The language of a locale tag as Slack and browsers write it ("nl-NL", "es-LA", "fr_CA", "EN"), or null
 * when it is none of ours: Slack's `es-LA` and `pt-BR` are not BCP 47 regions, so only the first subtag counts.
 */
export function languageOf(tag: string | null | undefined): Language | null {
  const primary = (tag ?? '').trim().split(/[-_]/)[0]?.toLowerCase();
  return isLanguage(primary) ? primary : null;
}

/** The best of our languages for an `Accept-Language` header (RFC 9110 §12.5.4), by quality then order. */
export function languageFromAcceptLanguage(header: string | undefined): Language | null {
  if (!header) return null;
  const ranked = header
    .split(',')
    .slice(0, 32)
    .map((part, index) => {
      const [tag, ...params] = part.trim().split(';');
      const q = params.map((param) => /^\s*q=([01](?:\.\d{0,3})?)\s*$/.exec(param)?.[1]).find(Boolean);
      return { language: languageOf(tag), quality: q === undefined ? 1 : Number(q), index };
    })
    .filter((entry): entry is { language: Language; quality: number; index: number } => entry.language !== null && entry.quality > 0)
    .sort((a, b) => b.quality - a.quality || a.index - b.index);
  return ranked[0]?.language ?? null;
}

export type MessageValues = Record<string, string | number | Date>;

/** A language's messages, keyed like the English catalog. */
export type Catalog<Key extends string> = Readonly<Record<Key, string>>;

export interface Translator<Key extends string> {
  language: Language;
  t(key: Key, values?: MessageValues): string;
  /** "45 minutes", "2 hours, 15 minutes", "3 dagen en 4 uur": minutes stop mattering once an outage runs for days. */
  duration(minutes: number): string;
  /** "a, b and c" (`and`) or "a, b or c" (`or`) in the language's own words. */
  list(items: readonly string[], type?: 'and' | 'or'): string;
  number(value: number): string;
}

export function createTranslators<Key extends string>(catalogs: Record<Language, Catalog<Key>>): (language: Language) => Translator<Key> {
  const made = new Map<Language, Translator<Key>>();
  return (language) => {
    let translator = made.get(language);
    if (!translator) {
      translator = translatorFor(language, catalogs[language]);
      made.set(language, translator);
    }
    return translator;
  };
}

function translatorFor<Key extends string>(language: Language, catalog: Catalog<Key>): Translator<Key> {
  const compiled = new Map<Key, IntlMessageFormat>();
  const units = {
    day: new Intl.NumberFormat(language, { style: 'unit', unit: 'day', unitDisplay: 'long' }),
    hour: new Intl.NumberFormat(language, { style: 'unit', unit: 'hour', unitDisplay: 'long' }),
    minute: new Intl.NumberFormat(language, { style: 'unit', unit: 'minute', unitDisplay: 'long' }),
  };
  const unitList = new Intl.ListFormat(language, { type: 'unit', style: 'long' });
  const lists = { and: new Intl.ListFormat(language, { type: 'conjunction' }), or: new Intl.ListFormat(language, { type: 'disjunction' }) };
  const numbers = new Intl.NumberFormat(language);

  const t = (key: Key, values?: MessageValues): string => {
    let format = compiled.get(key);
    if (!format) {
      format = new IntlMessageFormat(catalog[key], language, undefined, { ignoreTag: true });
      compiled.set(key, format);
    }
    return String(format.format(values));
  };

  return {
    language,
    t,
    duration(minutes) {
      const total = Math.max(0, Math.floor(minutes));
      if (total < 1) return t('duration.lessThanAMinute' as Key);
      const days = Math.floor(total / 1440);
      const hours = Math.floor((total % 1440) / 60);
      const rest = total % 60;
      const parts =
        days > 0
          ? [units.day.format(days), ...(hours > 0 ? [units.hour.format(hours)] : [])]
          : [...(hours > 0 ? [units.hour.format(hours)] : []), ...(rest > 0 || hours === 0 ? [units.minute.format(rest)] : [])];
      return unitList.format(parts);
    },
    list: (items, type = 'and') => lists[type].format(items),
    number: (value) => numbers.format(value),
  };
}
