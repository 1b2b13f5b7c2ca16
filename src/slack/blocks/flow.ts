import type { FlowWords } from '../../domain/flow-steps';
import type { Reach, SignInFailure } from '../../domain/notifications';
import type { T } from './messages';

/** Refusals, failures and "who can reach what" in the reader's words: for threads (mrkdwn) and pages (escaped there). */

export function reachText(t: T, reach: Reach): string {
  switch (reach.kind) {
    case 'org':
      return t.t('reach.org', { account: reach.account });
    case 'key':
      return t.t('reach.key', { account: reach.account });
    case 'details':
      return t.t('reach.details', { account: reach.account });
    case 'list': {
      const who = reach.who ?? t.t('reach.you');
      if (reach.accounts.length === 0) return t.t('reach.none', { who, provider: reach.provider });
      const accounts = t.list(reach.accounts);
      return reach.more > 0 ? t.t('reach.listMore', { who, accounts, more: reach.more }) : t.t('reach.list', { who, accounts });
    }
  }
}

export const failureText = (t: T, failure: SignInFailure) =>
  t.t(failure.kind === 'provider_error' ? 'why.providerAnswered' : 'why.notCompleted', { detail: failure.detail });

export function flowText(t: T, words: FlowWords, label: (name: string) => string = (name) => name): string {
  const values: Record<string, string | number> = { ...words.values };
  if (words.reach) values.reach = reachText(t, words.reach);
  // "Host, Port and Password", each label in the reader's language.
  if (words.fields) values.fields = t.list(words.fields.map(label));
  if ((words.key === 'flow.connectNone' || words.key === 'flow.connectAllConnected') && values.who === undefined) {
    values.who = t.t(words.key === 'flow.connectNone' ? 'reach.youStart' : 'reach.you');
  }
  return t.t(words.key, values);
}
