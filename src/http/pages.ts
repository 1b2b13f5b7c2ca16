import type { FormField } from '../providers/definition';
import { CATALOGS, type MessageKey, type T } from '../slack/blocks/messages';

/**
 * The few HTML pages people see outside Slack: plain, accessible, no scripts, everything escaped, in the
 * reader's language (`lang` set, so screen readers pronounce it right).
 */

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

function layout(t: T, title: string, body: string): string {
  return `<!doctype html>
<html lang="${t.language}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(t.t('page.suffix', { title }))}</title>
<style>body{font:16px/1.5 system-ui,sans-serif;max-width:36rem;margin:4rem auto;padding:0 1rem;color:#1d1c1d}
h1{font-size:1.4rem}.ok{color:#007a5a}.bad{color:#c01343}label{display:block;margin:1rem 0 .25rem;font-weight:600}
input[type=password],input[type=text],input[type=number],select{width:100%;padding:.5rem;font:inherit}button{margin-top:1rem;padding:.5rem 1rem;font:inherit;background:#007a5a;color:#fff;border:0;border-radius:4px}
.note{color:#616061;font-size:.9rem}</style></head><body>${body}</body></html>`;
}

export function resultPage(t: T, kind: 'ok' | 'bad', title: string, message: string, slackUrl?: string): string {
  const back = slackUrl ? `<p><a href="${escapeHtml(slackUrl)}">${escapeHtml(t.t('page.backToSlack'))}</a></p>` : `<p class="note">${escapeHtml(t.t('page.closeTab'))}</p>`;
  return layout(t, title, `<h1 class="${kind}">${kind === 'ok' ? '✅' : '⚠️'} ${escapeHtml(title)}</h1><p>${escapeHtml(message)}</p>${back}`);
}

export interface CredentialsFormInput {
  /** The connection being reauthorized, or undefined when connecting a new one. */
  connectionName?: string;
  providerName: string;
  account?: string;
  fields: FormField[];
  values: Record<string, string>;
  help: string;
  flowToken: string;
  csrfToken: string;
  error?: string;
}

/** A field's label in the reader's words where the catalogs know the field, else the provider's own. */
export function fieldLabel(t: T, field: Pick<FormField, 'name' | 'label'>): string {
  const key = `field.${field.name}`;
  return key in CATALOGS.en ? t.t(key as MessageKey) : field.label;
}

/** The single-use form for an API key or account details; secret fields are never prefilled. */
export function credentialsFormPage(t: T, input: CredentialsFormInput): string {
  const noun = input.fields.length === 1 && input.fields[0]!.secret ? fieldLabel(t, input.fields[0]!) : t.t('form.details');
  const title = input.connectionName ? t.t('form.titleReauth', { noun, name: input.connectionName }) : t.t('form.titleConnect', { provider: input.providerName });
  const subtitle = input.account
    ? t.t('form.account', { provider: escapeHtml(input.providerName), account: `<code>${escapeHtml(input.account)}</code>` })
    : escapeHtml(input.providerName);
  const fields = input.fields.map((field) => fieldHtml(t, field, field.secret ? undefined : input.values[field.name])).join('\n');
  return layout(
    t,
    title,
    `<h1>${escapeHtml(title)}</h1>
<p>${subtitle}</p>
${input.error ? `<p class="bad" role="alert">${escapeHtml(input.error)}</p>` : ''}
<form method="post" action="/oauth/api-key" autocomplete="off">
<input type="hidden" name="flow" value="${escapeHtml(input.flowToken)}">
<input type="hidden" name="csrf" value="${escapeHtml(input.csrfToken)}">
${fields}
<p class="note">${escapeHtml(input.help)} ${escapeHtml(t.t('form.checked', { provider: input.providerName }))}</p>
<button type="submit">${escapeHtml(t.t('form.submit'))}</button>
</form>`,
  );
}

function fieldHtml(t: T, field: FormField, value: string | undefined): string {
  const id = `field-${field.name}`;
  const label = `<label for="${id}">${escapeHtml(fieldLabel(t, field))}</label>`;
  if (field.input === 'select') {
    const options = (field.options ?? []).map((option) => `<option${option === value ? ' selected' : ''}>${escapeHtml(option)}</option>`).join('');
    return `${label}\n<select id="${id}" name="${escapeHtml(field.name)}" required>${options}</select>`;
  }
  const type = field.secret ? 'password' : field.input === 'number' ? 'number' : 'text';
  const prefilled = value === undefined ? '' : ` value="${escapeHtml(value)}"`;
  return `${label}\n<input type="${type}" id="${id}" name="${escapeHtml(field.name)}"${prefilled} required maxlength="8000">`;
}

export function pickAccountPage(
  t: T,
  input: {
    providerName: string;
    choices: { id: string; label?: string; connected: boolean }[];
    flowToken: string;
    csrfToken: string;
  },
): string {
  const options = input.choices
    .map((choice, index) => {
      const text = `${choice.label ? `${escapeHtml(choice.label)} ` : ''}<code>${escapeHtml(choice.id)}</code>`;
      return choice.connected
        ? `<li><label><input type="radio" name="account" value="${index}" disabled> ${text} <span class="note">${escapeHtml(t.t('pick.connected'))}</span></label></li>`
        : `<li><label><input type="radio" name="account" value="${index}" required> ${text}</label></li>`;
    })
    .join('\n');
  const title = t.t('pick.title', { provider: input.providerName });
  return layout(
    t,
    title,
    `<h1>${escapeHtml(title)}</h1>
<p>${escapeHtml(t.t('pick.body'))}</p>
<form method="post" action="/oauth/connect" autocomplete="off">
<input type="hidden" name="flow" value="${escapeHtml(input.flowToken)}">
<input type="hidden" name="csrf" value="${escapeHtml(input.csrfToken)}">
<ul style="list-style:none;padding:0">
${options}
</ul>
<button type="submit">${escapeHtml(t.t('pick.submit'))}</button>
</form>`,
  );
}
