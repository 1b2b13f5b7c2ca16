import { ACTION_IDS } from '../ids';
import { packLines } from './lines';
import type { T } from './messages';
import { context, dateAt, escapeMrkdwn, header, plain, type Block } from './text';

/**
 * One alert for a burst: connections of one channel that dropped within the burst window, grouped by
 * the account that signed them in where it is known, each with its own Reauthorize button, updated in
 * place as they come back. Slack allows 50 blocks in a message: past the rows that fit, the rest are
 * counted, and `/reconnect status` lists them.
 */

export interface BurstEntry {
  incidentId: string;
  connectionName: string;
  providerName: string;
  externalAccountId: string;
  open: boolean;
  /** The provider's id of the person whose grant this connection used, where known. */
  signedInAs: string | null;
}

export interface BurstView {
  entries: readonly BurstEntry[];
  openedAt: Date;
  command: string;
}

/** Buttons and group labels that fit with the header, the summary, the reconnected list and the overflow note. */
const MAX_ROWS = 44;

export function burstMessage(t: T, view: BurstView): { text: string; blocks: Block[] } {
  const open = view.entries.filter((entry) => entry.open);
  const back = view.entries.filter((entry) => !entry.open);
  const total = view.entries.length;
  if (open.length === 0) {
    const title = t.t('burst.allBack', { count: total });
    const lines = back.map((entry) => t.t('burst.backRow', { name: escapeMrkdwn(entry.connectionName), provider: escapeMrkdwn(entry.providerName) }));
    return { text: `${title}.`, blocks: [header(title), ...packLines(lines, 2).blocks, context(t.t('burst.droppedTogether', { date: dateAt(t, view.openedAt) }))] };
  }

  const title = open.length === total ? t.t('burst.titleAll', { count: total }) : t.t('burst.titleSome', { open: open.length, total });
  const blocks: Block[] = [header(title), context(t.t('burst.cause', { date: dateAt(t, view.openedAt) }))];
  let rows = 0;
  let shown = 0;
  for (const [signer, entries] of bySigner(open)) {
    if (rows + 2 > MAX_ROWS) break;
    blocks.push(context(signer ? t.t('burst.signedInBy', { signer: escapeMrkdwn(signer) }) : t.t('burst.unknownSigner')));
    rows += 1;
    for (const entry of entries) {
      if (rows >= MAX_ROWS) break;
      blocks.push(row(t, entry));
      rows += 1;
      shown += 1;
    }
  }
  if (shown < open.length) blocks.push(context(t.t('burst.more', { count: open.length - shown, command: view.command })));
  if (back.length) {
    const lines = back.map((entry) => `✅ ${escapeMrkdwn(entry.connectionName)}`);
    blocks.push(...packLines([t.t('burst.reconnected', { count: back.length }), ...lines], 1).blocks);
  }
  const names = open.map((entry) => entry.connectionName).join(', ');
  return { text: `${title}: ${names}`.slice(0, 3000), blocks };
}

function row(t: T, entry: BurstEntry): Block {
  return {
    type: 'section',
    block_id: `burst:${entry.incidentId}`,
    text: { type: 'mrkdwn', text: t.t('burst.row', { name: escapeMrkdwn(entry.connectionName), provider: escapeMrkdwn(entry.providerName), account: escapeMrkdwn(entry.externalAccountId) }) },
    accessory: { type: 'button', action_id: ACTION_IDS.reauthorize, style: 'primary', text: plain(t.t('button.reauthorize'), 75), value: entry.incidentId },
  };
}

/** Connections signed in by the same account together, the largest group first; unknown signers last. */
function bySigner(entries: readonly BurstEntry[]): [string | null, BurstEntry[]][] {
  const groups = new Map<string | null, BurstEntry[]>();
  for (const entry of entries) groups.set(entry.signedInAs, [...(groups.get(entry.signedInAs) ?? []), entry]);
  return [...groups].sort(([a, left], [b, right]) => Number(a === null) - Number(b === null) || right.length - left.length);
}
