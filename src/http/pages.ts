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
input[type=password]{width:100%;padding:.5rem;font:inherit}button{margin-top:1rem;padding:.5rem 1rem;font:inherit;background:#007a5a;color:#fff;border:0;border-radius:4px}
.note{color:#616061;font-size:.9rem}</style></head><body>${body}</body></html>`;
}

export function resultPage(kind: 'ok' | 'bad', title: string, message: string, slackUrl?: string): string {
  const back = slackUrl ? `<p><a href="${escapeHtml(slackUrl)}">Back to Slack</a></p>` : '<p class="note">You can close this tab and go back to Slack.</p>';
  return layout(title, `<h1 class="${kind}">${kind === 'ok' ? '✅' : '⚠️'} ${escapeHtml(title)}</h1><p>${escapeHtml(message)}</p>${back}`);
}

export function apiKeyFormPage(input: { connectionName: string; providerName: string; account: string; help: string; flowToken: string; csrfToken: string; error?: string }): string {
  return layout(
    `New API key for ${input.connectionName}`,
    `<h1>New API key for ${escapeHtml(input.connectionName)}</h1>
<p>${escapeHtml(input.providerName)} · account <code>${escapeHtml(input.account)}</code></p>
${input.error ? `<p class="bad" role="alert">${escapeHtml(input.error)}</p>` : ''}
<form method="post" action="/oauth/api-key" autocomplete="off">
<input type="hidden" name="flow" value="${escapeHtml(input.flowToken)}">
<input type="hidden" name="csrf" value="${escapeHtml(input.csrfToken)}">
<label for="apiKey">API key</label>
<input type="password" id="apiKey" name="apiKey" required maxlength="8000">
<p class="note">${escapeHtml(input.help)} The key is checked with ${escapeHtml(input.providerName)} before it replaces the old one.</p>
<button type="submit">Check and save</button>
</form>`,
  );
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
