import { parse, TYPE, type MessageFormatElement } from '@formatjs/icu-messageformat-parser';
import { LANGUAGES, languageFromAcceptLanguage, languageOf } from '../../src/lib/i18n';
import { CATALOGS, translator, type MessageKey } from '../../src/slack/blocks/messages';

/**
 * The four catalogs hold the same messages: every key in every language, each parsing as ICU
 * MessageFormat with exactly the English message's values, plural/select arguments and select cases.
 */

/** What a message needs from its caller: `name:kind`, plus `name=case` for each select case. */
function shape(elements: MessageFormatElement[], into = new Set<string>()): Set<string> {
  for (const element of elements) {
    switch (element.type) {
      case TYPE.argument:
      case TYPE.number:
      case TYPE.date:
      case TYPE.time:
        into.add(`${element.value}:value`);
        break;
      case TYPE.plural:
        into.add(`${element.value}:plural`);
        for (const option of Object.values(element.options)) shape(option.value, into);
        break;
      case TYPE.select:
        into.add(`${element.value}:select`);
        for (const [name, option] of Object.entries(element.options)) {
          if (name !== 'other') into.add(`${element.value}=${name}`);
          shape(option.value, into);
        }
        break;
      default:
        break;
    }
  }
  return into;
}

const keys = Object.keys(CATALOGS.en) as MessageKey[];

describe('message catalogs', () => {
  it.each(LANGUAGES.filter((language) => language !== 'en'))('%s has every English key and no other', (language) => {
    expect(Object.keys(CATALOGS[language]).sort()).toEqual([...keys].sort());
  });

  it.each(LANGUAGES)('%s: every message parses and takes the same values as the English one', (language) => {
    const problems: string[] = [];
    for (const key of keys) {
      let got: Set<string>;
      try {
        got = shape(parse(CATALOGS[language][key], { ignoreTag: true }));
      } catch (error) {
        problems.push(`${key}: ${(error as Error).message}`);
        continue;
      }
      const wanted = shape(parse(CATALOGS.en[key], { ignoreTag: true }));
      const missing = [...wanted].filter((part) => !got.has(part));
      const extra = [...got].filter((part) => !wanted.has(part));
      if (missing.length || extra.length) problems.push(`${key}: missing ${missing.join(', ') || '-'}; extra ${extra.join(', ') || '-'}`);
    }
    expect(problems).toEqual([]);
  });

  it('finds a placeholder that differs between languages, and a missing one', () => {
    // The check above is only as good as `shape`: a renamed or dropped value must show.
    expect(shape(parse('{name} hat {count, plural, one {# Verbindung} other {# Verbindungen}}'))).toEqual(new Set(['name:value', 'count:plural']));
    expect(shape(parse('{naam} heeft verbindingen'))).not.toEqual(shape(parse(CATALOGS.en['alert.title'])));
  });

  it.each(LANGUAGES.filter((language) => language !== 'en'))('%s is translated, not English left in place', (language) => {
    const same = keys.filter((key) => CATALOGS[language][key] === CATALOGS.en[key] && /[a-z]{4,}/i.test(CATALOGS.en[key].replace(/\{[^}]*\}/g, '')));
    // Product names and protocol words read the same everywhere ("UTM", "CRM", "TLS", "Slack").
    expect(same.filter((key) => !SAME_IN_EVERY_LANGUAGE.has(key))).toEqual([]);
  });
});

const SAME_IN_EVERY_LANGUAGE = new Set<MessageKey>(['kind.crm', 'field.tls', 'quote', 'page.suffix', 'impact.count', 'impact.line', 'details.statusChanged', 'details.event']);

describe('who reads which language', () => {
  it.each([
    ['nl-NL', 'nl'],
    ['es-LA', 'es'],
    ['es-ES', 'es'],
    ['fr-CA', 'fr'],
    ['fr_FR', 'fr'],
    ['EN-GB', 'en'],
    ['pt-BR', null],
    ['', null],
    [undefined, null],
  ])('Slack locale %s → %s', (locale, language) => {
    expect(languageOf(locale)).toBe(language);
  });

  it.each([
    ['fr-CH, fr;q=0.9, en;q=0.8, de;q=0.7, *;q=0.5', 'fr'],
    ['de-DE,de;q=0.9,nl;q=0.8,en;q=0.7', 'nl'],
    ['en;q=0.2, es;q=0.9', 'es'],
    ['nl;q=0, fr', 'fr'],
    ['de, ja', null],
    ['', null],
  ])('Accept-Language %s → %s', (header, language) => {
    expect(languageFromAcceptLanguage(header)).toBe(language);
  });
});

describe('durations and counts through Intl', () => {
  const cases: [number, Record<string, string>][] = [
    [0, { en: 'less than a minute', nl: 'minder dan een minuut', es: 'menos de un minuto', fr: 'moins d’une minute' }],
    [1, { en: '1 minute', nl: '1 minuut', es: '1 minuto', fr: '1 minute' }],
    [45, { en: '45 minutes', nl: '45 minuten', es: '45 minutos', fr: '45 minutes' }],
    [60, { en: '1 hour', nl: '1 uur', es: '1 hora', fr: '1 heure' }],
    [135, { en: '2 hours, 15 minutes', nl: '2 uur en 15 minuten', es: '2 horas y 15 minutos', fr: '2 heures et 15 minutes' }],
    [1440 * 3 + 240, { en: '3 days, 4 hours', nl: '3 dagen en 4 uur', es: '3 días y 4 horas', fr: '3 jours et 4 heures' }],
  ];
  // French puts a no-break space between a number and its unit, as CLDR says it should.
  const spaced = (text: string) => text.replace(/[\u00a0\u202f]/g, ' ');
  it.each(cases)('%i minutes', (minutes, expected) => {
    for (const language of LANGUAGES) expect(spaced(translator(language).duration(minutes))).toBe(expected[language]);
  });

  it('plural forms for 0, 1 and 2 connections in every language', () => {
    const forms = Object.fromEntries(LANGUAGES.map((language) => [language, [0, 1, 2].map((count) => translator(language).t('counts.total', { count }))]));
    expect(forms).toEqual({
      en: ['*0 connections*', '*1 connection*', '*2 connections*'],
      nl: ['*0 verbindingen*', '*1 verbinding*', '*2 verbindingen*'],
      es: ['*0 conexiones*', '*1 conexión*', '*2 conexiones*'],
      // French counts 0 as singular (CLDR: "one" is 0 and 1).
      fr: ['*0 connexion*', '*1 connexion*', '*2 connexions*'],
    });
  });
});
