import type { FormField } from '../providers/definition';

/** The few HTML pages people see outside Slack: plain, accessible, no scripts, everything escaped. */

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

function layout(title: string, body: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)} · Reconnect</title>
<style>body{font:16px/1.5 system-ui,sans-serif;max-width:36rem;margin:4rem auto;padding:0 1rem;color:#1d1c1d}
h1{font-size:1.4rem}.ok{color:#007a5a}.bad{color:#c01343}label{display:block;margin:1rem 0 .25rem;font-weight:600}
input[type=password],input[type=text],input[type=number],select{width:100%;padding:.5rem;font:inherit}button{margin-top:1rem;padding:.5rem 1rem;font:inherit;background:#007a5a;color:#fff;border:0;border-radius:4px}
.note{color:#616061;font-size:.9rem}</style></head><body>${body}</body></html>`;
}

export function resultPage(kind: 'ok' | 'bad', title: string, message: string, slackUrl?: string): string {
  const back = slackUrl ? `<p><a href="${escapeHtml(slackUrl)}">Back to Slack</a></p>` : '<p class="note">You can close this tab and go back to Slack.</p>';
  return layout(title, `<h1 class="${kind}">${kind === 'ok' ? '✅' : '⚠️'} ${escapeHtml(title)}</h1><p>${escapeHtml(message)}</p>${back}`);
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

/** The single-use form for an API key or account details; secret fields are never prefilled. */
export function credentialsFormPage(input: CredentialsFormInput): string {
  const noun = input.fields.length === 1 && input.fields[0]!.secret ? input.fields[0]!.label : 'details';
  const title = input.connectionName ? `New ${noun} for ${input.connectionName}` : `Connect ${input.providerName}`;
  const subtitle = input.account ? `${escapeHtml(input.providerName)} · account <code>${escapeHtml(input.account)}</code>` : escapeHtml(input.providerName);
  const fields = input.fields.map((field) => fieldHtml(field, field.secret ? undefined : input.values[field.name])).join('\n');
  return layout(
    title,
    `<h1>${escapeHtml(title)}</h1>
<p>${subtitle}</p>
${input.error ? `<p class="bad" role="alert">${escapeHtml(input.error)}</p>` : ''}
<form method="post" action="/oauth/api-key" autocomplete="off">
<input type="hidden" name="flow" value="${escapeHtml(input.flowToken)}">
<input type="hidden" name="csrf" value="${escapeHtml(input.csrfToken)}">
${fields}
<p class="note">${escapeHtml(input.help)} Everything is checked with ${escapeHtml(input.providerName)} before it is saved.</p>
<button type="submit">Check and save</button>
</form>`,
  );
}

function fieldHtml(field: FormField, value: string | undefined): string {
  const id = `field-${field.name}`;
  const label = `<label for="${id}">${escapeHtml(field.label)}</label>`;
  if (field.input === 'select') {
    const options = (field.options ?? []).map((option) => `<option${option === value ? ' selected' : ''}>${escapeHtml(option)}</option>`).join('');
    return `${label}\n<select id="${id}" name="${escapeHtml(field.name)}" required>${options}</select>`;
  }
  const type = field.secret ? 'password' : field.input === 'number' ? 'number' : 'text';
  const prefilled = value === undefined ? '' : ` value="${escapeHtml(value)}"`;
  return `${label}\n<input type="${type}" id="${id}" name="${escapeHtml(field.name)}"${prefilled} required maxlength="8000">`;
}

export function pickAccountPage(input: {
  providerName: string;
  choices: { id: string; label?: string; connected: boolean }[];
  flowToken: string;
  csrfToken: string;
}): string {
  const options = input.choices
    .map((choice, index) => {
      const text = `${choice.label ? `${escapeHtml(choice.label)} ` : ''}<code>${escapeHtml(choice.id)}</code>`;
      return choice.connected
        ? `<li><label><input type="radio" name="account" value="${index}" disabled> ${text} <span class="note">(already connected)</span></label></li>`
        : `<li><label><input type="radio" name="account" value="${index}" required> ${text}</label></li>`;
    })
    .join('\n');
  return layout(
    `Which ${input.providerName} account?`,
    `<h1>Which ${escapeHtml(input.providerName)} account?</h1>
<p>You can reach several accounts. Pick the one to connect; it gets you as its owner.</p>
<form method="post" action="/oauth/connect" autocomplete="off">
<input type="hidden" name="flow" value="${escapeHtml(input.flowToken)}">
<input type="hidden" name="csrf" value="${escapeHtml(input.csrfToken)}">
<ul style="list-style:none;padding:0">
${options}
</ul>
<button type="submit">Connect</button>
</form>`,
  );
}
