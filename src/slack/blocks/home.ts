import type { ConnectionStatus } from '../../db/connections';
import { needingAttention, statusCounts, type WorkspaceConnection } from '../../domain/overview';
import type { ConnectionKind } from '../../lib/provider-ids';
import { ACTION_IDS } from '../ids';
import { connectionLine, countsLine } from './connections';
import { packLines } from './lines';
import type { T } from './messages';
import { context, dateAt, header, mrkdwn, plain, type Block } from './text';

/**
 * The App Home tab: every connection of the workspace grouped by kind, the ones needing reauthorization
 * first with a Reauthorize button each. Slack allows 100 blocks in a Home view, so healthy connections
 * are packed many to a block, and when even that runs out the page says how many it leaves out.
 */

const MAX_BLOCKS = 100;

const KINDS: readonly ConnectionKind[] = ['ad_platform', 'crm', 'integration'];

const HIDDEN_STATUSES: readonly Exclude<ConnectionStatus, 'disabled'>[] = ['authorization_required', 'degraded', 'connected'];

export interface HomeInput {
  connections: readonly WorkspaceConnection[];
  /** Each connection's last 7 days (health-strip.ts), by connection id. */
  strips?: ReadonlyMap<string, string>;
  /** The zone the strips' days are in, named on the page. */
  timeZone?: string;
  now: Date;
  command: string;
  connectable: readonly { id: string; name: string }[];
}

/** Slack allows 25 elements in an actions block. */
const MAX_CONNECT_BUTTONS = 25;

interface Group {
  kind: ConnectionKind;
  /** Each gets a block of its own with the Reauthorize button. */
  withButton: WorkspaceConnection[];
  /** Everything else, most urgent first, packed into shared blocks. */
  listed: WorkspaceConnection[];
}

export function homeView(t: T, input: HomeInput): { type: 'home'; blocks: Block[] } {
  const values = { counts: countsLine(t, statusCounts(input.connections)), date: dateAt(t, input.now), zone: input.timeZone ?? 'UTC' };
  const blocks: Block[] = [
    header(t.t('home.title')),
    context(t.t(input.strips?.size ? 'home.updatedWithStrips' : 'home.updated', values)),
    ...connectButtons(t, input.connectable),
  ];
  if (input.connections.length === 0) return { type: 'home', blocks };

  const groups = groupsOf(input.connections);
  // Per group: its header, at least one block of lines and room for the "not shown" note.
  const budget = MAX_BLOCKS - blocks.length - groups.length * 3;
  const rows = dealInTurns(groups.map((group) => group.withButton.length), budget);
  // Red keys without a row of their own still lead their group's list, just without a button.
  groups.forEach((group, index) => group.listed.unshift(...group.withButton.splice(rows[index] ?? 0)));

  let spareLineBlocks = budget - rows.reduce((sum, count) => sum + count, 0);
  for (const group of groups) {
    const lines = group.listed.map((connection) => withStrip(connectionLine(t, connection, connection.status === 'connected' ? 'compact' : 'full'), input.strips?.get(connection.id)));
    const wanted = packLines(lines, Number.MAX_SAFE_INTEGER).blocks.length;
    const extra = Math.min(Math.max(0, wanted - 1), spareLineBlocks);
    spareLineBlocks -= extra;
    blocks.push(header(t.t(`home.group.${group.kind}`, { count: group.withButton.length + group.listed.length })));
    blocks.push(...group.withButton.map((connection) => rowWithButton(t, connection, input.strips?.get(connection.id))));
    const packed = packLines(lines, 1 + extra);
    blocks.push(...packed.blocks);
    const hidden = group.listed.slice(packed.shown);
    if (hidden.length > 0) blocks.push(context(hiddenNote(t, hidden, input.command)));
  }
  return { type: 'home', blocks };
}

function connectButtons(t: T, providers: HomeInput['connectable']): Block[] {
  if (providers.length === 0) return [];
  return [
    {
      type: 'actions',
      block_id: 'connect',
      elements: providers.slice(0, MAX_CONNECT_BUTTONS).map((provider) => ({
        type: 'button',
        action_id: `${ACTION_IDS.connect}:${provider.id}`,
        text: plain(t.t('button.connect', { provider: provider.name }), 75),
        value: provider.id,
      })),
    },
  ];
}

function groupsOf(connections: readonly WorkspaceConnection[]): Group[] {
  const groups: Group[] = [];
  for (const kind of KINDS) {
    const ofKind = connections.filter((connection) => connection.kind === kind);
    if (ofKind.length === 0) continue;
    const attention = needingAttention(ofKind);
    const healthy = ofKind.filter((connection) => !attention.includes(connection)).sort((a, b) => a.name.localeCompare(b.name));
    const canReauthorize = (connection: WorkspaceConnection) => connection.status === 'authorization_required' && connection.openIncidentId !== null;
    groups.push({
      kind,
      withButton: attention.filter(canReauthorize),
      listed: [...attention.filter((connection) => !canReauthorize(connection)), ...healthy],
    });
  }
  return groups;
}

/** Hands out `budget` slots one per group in turn, so one big group can't leave the others without any. */
function dealInTurns(wants: number[], budget: number): number[] {
  const dealt = wants.map(() => 0);
  let left = budget;
  while (left > 0 && dealt.some((count, index) => count < (wants[index] ?? 0))) {
    dealt.forEach((count, index) => {
      if (left > 0 && count < (wants[index] ?? 0)) {
        dealt[index] = count + 1;
        left -= 1;
      }
    });
  }
  return dealt;
}

/** The strip leads the line: seven squares read at a glance down the page. */
function withStrip(line: string, strip: string | undefined): string {
  return strip ? `${strip}  ${line}` : line;
}

function rowWithButton(t: T, connection: WorkspaceConnection, strip: string | undefined): Block {
  return {
    type: 'section',
    block_id: `home:${connection.id}`,
    text: mrkdwn(withStrip(connectionLine(t, connection, 'full'), strip)),
    accessory: {
      type: 'button',
      action_id: ACTION_IDS.reauthorize,
      style: 'primary',
      text: plain(t.t('button.reauthorize'), 75),
      value: connection.openIncidentId,
    },
  };
}

function hiddenNote(t: T, hidden: readonly WorkspaceConnection[], command: string): string {
  const counts = statusCounts(hidden);
  const parts = HIDDEN_STATUSES.filter((status) => counts[status] > 0).map((status) => t.t(`home.hidden.${status}`, { count: counts[status] }));
  return t.t('home.hidden', { count: hidden.length, parts: parts.join(', '), command });
}
