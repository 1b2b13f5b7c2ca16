import { createTranslators, type Catalog, type Language, type Translator } from '../../../lib/i18n';
import { en } from './en';
import { es } from './es';
import { fr } from './fr';
import { nl } from './nl';

/** The four catalogs and the translator every builder takes; see en.ts for the rules a message follows. */

export type MessageKey = keyof typeof en;
export type T = Translator<MessageKey>;
export type Messages = Catalog<MessageKey>;

export const CATALOGS: Record<Language, Messages> = { en, nl, es, fr };

export const translator: (language: Language) => T = createTranslators(CATALOGS);
