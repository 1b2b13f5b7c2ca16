/**
 * Block Kit as Slack checks it: the documented limits of blocks, elements and composition objects
 * (docs.slack.dev/reference/block-kit), answered in Slack's wording. The fake Slack refuses what fails
 * here with `invalid_blocks`, as Slack does; tests also call it on what the app renders.
 */

export type Surface = 'message' | 'home' | 'modal';
type Args = Record<string, unknown>;

// Documented limits: docs.slack.dev/reference/block-kit (blocks, block elements, composition objects).
const MAX_BLOCKS: Record<Surface, number> = { message: 50, home: 100, modal: 100 };
const KNOWN_BLOCK_TYPES = new Set([
  'actions', 'alert', 'card', 'carousel', 'container', 'context', 'context_actions', 'data_table', 'divider',
  'file', 'header', 'image', 'input', 'markdown', 'plan', 'rich_text', 'section', 'table', 'task_card', 'video',
]);
/**
 * Problems Slack would report for these blocks on this surface, in Slack's wording
 * (`"must be less than 151 characters [json-pointer:/blocks/0/text/text]"`); empty when Slack would accept them.
 */
export function validateBlocks(blocks: unknown, surface: Surface): string[] {
  return blockListProblems(blocks, surface, '/blocks');
}

type Checker = (value: Args, pointer: string) => string[];

function blockListProblems(blocks: unknown, surface: Surface, pointer: string): string[] {
  if (!Array.isArray(blocks)) return [problem('must be an array', pointer)];
  const problems = maxItems(blocks, MAX_BLOCKS[surface], pointer);
  const blockIds = new Set<string>();
  blocks.forEach((block, index) => problems.push(...blockProblems(block, `${pointer}/${index}`, blockIds)));
  return problems;
}

function blockProblems(block: unknown, pointer: string, blockIds: Set<string>): string[] {
  if (!isRecord(block)) return [problem('must be an object', pointer)];
  if (typeof block.type !== 'string') return [problem('missing required field: type', pointer)];
  if (!KNOWN_BLOCK_TYPES.has(block.type)) return [problem(`unsupported type: ${block.type}`, `${pointer}/type`)];
  const problems = maxLength(block.block_id, 255, `${pointer}/block_id`);
  if (typeof block.block_id === 'string') {
    if (blockIds.has(block.block_id)) problems.push(problem(`duplicate block_id: ${block.block_id}`, `${pointer}/block_id`));
    blockIds.add(block.block_id);
  }
  const check = BLOCK_CHECKS[block.type];
  return check ? [...problems, ...check(block, pointer)] : problems;
}

const BLOCK_CHECKS: Partial<Record<string, Checker>> = {
  section: (block, pointer) => {
    if (block.text === undefined && block.fields === undefined) {
      return [problem('must provide either text or fields', pointer)];
    }
    const problems = block.text === undefined ? [] : textObjectProblems(block.text, `${pointer}/text`, 3000);
    if (block.fields !== undefined) {
      problems.push(...listProblems(block.fields, 10, `${pointer}/fields`, (field, at) => textObjectProblems(field, at, 2000)));
    }
    if (block.accessory !== undefined) problems.push(...elementProblems(block.accessory, `${pointer}/accessory`));
    return problems;
  },
  header: (block, pointer) => textObjectProblems(block.text, `${pointer}/text`, 150, { plainOnly: true }),
  context: (block, pointer) =>
    listProblems(block.elements, 10, `${pointer}/elements`, (element, at) =>
      isRecord(element) && element.type === 'image' ? imageProblems(element, at) : textObjectProblems(element, at, 3000),
    ),
  actions: (block, pointer) => {
    const problems = listProblems(block.elements, 25, `${pointer}/elements`, elementProblems);
    return [...problems, ...duplicateActionIds(block.elements, `${pointer}/elements`)];
  },
  image: (block, pointer) => imageProblems(block, pointer),
  input: (block, pointer) => [
    ...textObjectProblems(block.label, `${pointer}/label`, 2000, { plainOnly: true }),
    ...(block.hint === undefined ? [] : textObjectProblems(block.hint, `${pointer}/hint`, 2000, { plainOnly: true })),
    ...(block.element === undefined ? [problem('missing required field: element', pointer)] : elementProblems(block.element, `${pointer}/element`)),
  ],
};

function elementProblems(element: unknown, pointer: string): string[] {
  if (!isRecord(element) || typeof element.type !== 'string') return [problem('missing required field: type', pointer)];
  const problems = maxLength(element.action_id, 255, `${pointer}/action_id`);
  const check = ELEMENT_CHECKS[element.type];
  return check ? [...problems, ...check(element, pointer)] : problems;
}

const ELEMENT_CHECKS: Partial<Record<string, Checker>> = {
  button: (button, pointer) => [
    ...textObjectProblems(button.text, `${pointer}/text`, 75, { plainOnly: true }),
    ...maxLength(button.value, 2000, `${pointer}/value`),
    ...maxLength(button.url, 3000, `${pointer}/url`),
    ...maxLength(button.accessibility_label, 75, `${pointer}/accessibility_label`),
    ...(button.style === undefined || button.style === 'primary' || button.style === 'danger'
      ? []
      : [problem('must be one of: primary, danger', `${pointer}/style`)]),
  ],
  static_select: (select, pointer) => selectProblems(select, pointer),
  multi_static_select: (select, pointer) => selectProblems(select, pointer),
  overflow: (overflow, pointer) => listProblems(overflow.options, 5, `${pointer}/options`, optionProblems),
};

function selectProblems(select: Args, pointer: string): string[] {
  const problems = select.placeholder === undefined
    ? []
    : textObjectProblems(select.placeholder, `${pointer}/placeholder`, 150, { plainOnly: true });
  if (select.options === undefined && select.option_groups === undefined) {
    return [...problems, problem('must provide either options or option_groups', pointer)];
  }
  if (select.options !== undefined) problems.push(...listProblems(select.options, 100, `${pointer}/options`, optionProblems));
  if (select.option_groups !== undefined) {
    problems.push(
      ...listProblems(select.option_groups, 100, `${pointer}/option_groups`, (group, at) =>
        isRecord(group)
          ? [...textObjectProblems(group.label, `${at}/label`, 75, { plainOnly: true }), ...listProblems(group.options, 100, `${at}/options`, optionProblems)]
          : [problem('must be an object', at)],
      ),
    );
  }
  if (select.initial_option !== undefined) problems.push(...optionProblems(select.initial_option, `${pointer}/initial_option`));
  return problems;
}

function optionProblems(option: unknown, pointer: string): string[] {
  if (!isRecord(option)) return [problem('must be an object', pointer)];
  return [
    ...textObjectProblems(option.text, `${pointer}/text`, 75),
    ...(typeof option.value === 'string' ? maxLength(option.value, 150, `${pointer}/value`) : [problem('missing required field: value', pointer)]),
    ...(option.description === undefined ? [] : textObjectProblems(option.description, `${pointer}/description`, 75)),
  ];
}

function imageProblems(image: Args, pointer: string): string[] {
  return [
    ...(typeof image.alt_text === 'string' ? maxLength(image.alt_text, 2000, `${pointer}/alt_text`) : [problem('missing required field: alt_text', pointer)]),
    ...maxLength(image.image_url, 3000, `${pointer}/image_url`),
  ];
}

function duplicateActionIds(elements: unknown, pointer: string): string[] {
  // The reference asks for action_ids unique "among all other action_ids in the containing block"; the same
  // action_id in different blocks (one "Reauthorize" per row) is fine.
  if (!Array.isArray(elements)) return [];
  const seen = new Set<string>();
  const problems: string[] = [];
  elements.forEach((element, index) => {
    if (!isRecord(element) || typeof element.action_id !== 'string') return;
    if (seen.has(element.action_id)) problems.push(problem(`duplicate action_id: ${element.action_id}`, `${pointer}/${index}/action_id`));
    seen.add(element.action_id);
  });
  return problems;
}

function textObjectProblems(value: unknown, pointer: string, max: number, { plainOnly = false } = {}): string[] {
  if (value === undefined) return [problem('missing required field: text', pointer.replace(/\/[^/]*$/, ''))];
  if (!isRecord(value)) return [problem('must be a text object', pointer)];
  const allowed = plainOnly ? ['plain_text'] : ['plain_text', 'mrkdwn'];
  if (typeof value.type !== 'string' || !allowed.includes(value.type)) {
    return [problem(`must be one of: ${allowed.join(', ')}`, `${pointer}/type`)];
  }
  if (typeof value.text !== 'string') return [problem('missing required field: text', pointer)];
  if (value.text.length === 0) return [problem('must be more than 0 characters', `${pointer}/text`)];
  return maxLength(value.text, max, `${pointer}/text`);
}

function listProblems(value: unknown, max: number, pointer: string, each: (item: unknown, pointer: string) => string[]): string[] {
  if (!Array.isArray(value)) return [problem('must be an array', pointer)];
  if (value.length === 0) return [problem('must provide at least 1 item', pointer)];
  const problems = maxItems(value, max, pointer);
  value.forEach((item, index) => problems.push(...each(item, `${pointer}/${index}`)));
  return problems;
}

function maxLength(value: unknown, max: number, pointer: string): string[] {
  return typeof value === 'string' && value.length > max ? [problem(`must be less than ${max + 1} characters`, pointer)] : [];
}

function maxItems(list: unknown[], max: number, pointer: string): string[] {
  return list.length > max ? [problem(`no more than ${max} items allowed`, pointer)] : [];
}

export function problem(message: string, pointer: string): string {
  return `${message} [json-pointer:${pointer || '/'}]`;
}

export function viewProblems(view: unknown, type: 'home' | 'modal'): string[] {
  if (!isRecord(view)) return [problem('must be an object', '/view')];
  if (view.type !== type) return [problem(`must be ${type}`, '/view/type')];
  const problems = [
    ...blockListProblems(view.blocks, type, '/view/blocks'),
    ...maxLength(view.callback_id, 255, '/view/callback_id'),
    ...maxLength(view.private_metadata, 3000, '/view/private_metadata'),
    ...maxLength(view.external_id, 255, '/view/external_id'),
  ];
  if (type === 'modal') problems.push(...modalProblems(view));
  return problems;
}

function modalProblems(view: Args): string[] {
  const problems = textObjectProblems(view.title, '/view/title', 24, { plainOnly: true });
  for (const field of ['submit', 'close'] as const) {
    if (view[field] !== undefined) problems.push(...textObjectProblems(view[field], `/view/${field}`, 24, { plainOnly: true }));
  }
  const inputIndex = Array.isArray(view.blocks) ? view.blocks.findIndex((block) => isRecord(block) && block.type === 'input') : -1;
  if (inputIndex >= 0 && view.submit === undefined) {
    problems.push(problem('must define `submit` to use an `input` block in modals', `/view/blocks/${inputIndex}`));
  }
  return problems;
}

// ---- Answers ------------------------------------------------------------------------------------

function isRecord(value: unknown): value is Args {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
