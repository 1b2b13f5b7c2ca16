import { section, type Block } from './text';

/**
 * Long lists as few section blocks as Slack allows: each section's text stays under its 3,000-character
 * limit, and the caller's block budget decides how many items are shown at all.
 */

const SECTION_CHARS = 2900;

export interface PackedLines {
  blocks: Block[];
  /** How many items made it in, counted from the start of the list. */
  shown: number;
}

/** Items may span several lines; an item is never split across two sections. */
export function packLines(items: readonly string[], maxBlocks: number, maxChars = SECTION_CHARS): PackedLines {
  const blocks: Block[] = [];
  if (maxBlocks <= 0) return { blocks, shown: 0 };
  let current: string[] = [];
  let length = 0;
  let shown = 0;
  for (const item of items) {
    const added = item.length + (current.length ? 1 : 0);
    if (current.length && length + added > maxChars) {
      if (blocks.length + 1 >= maxBlocks) break;
      blocks.push(section(current.join('\n')));
      current = [];
      length = 0;
    }
    length += current.length ? item.length + 1 : item.length;
    current.push(item);
    shown += 1;
  }
  if (current.length) blocks.push(section(current.join('\n')));
  return { blocks, shown };
}
