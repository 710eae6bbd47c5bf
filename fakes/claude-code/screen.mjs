// The fake's screen: what a release draws, from its profile and the session's state. Two layouts were captured:
// `inline` (2.1.100, 2.1.200: the conversation flows from the top and the input box follows it) and `fullscreen`
// (2.1.328 on: the input box sits at the bottom of the pane, the conversation at the top).

const WIDE = [[0x1100, 0x115f], [0x2e80, 0xa4cf], [0xac00, 0xd7a3], [0xf900, 0xfaff], [0xfe30, 0xfe4f], [0xff00, 0xff60], [0x1f300, 0x1faff]];

/** Terminal columns a text takes (CJK and emoji take two). */
export function width(text) {
  let w = 0;
  for (const ch of text) {
    const cp = ch.codePointAt(0);
    w += WIDE.some(([from, to]) => cp >= from && cp <= to) ? 2 : 1;
  }
  return w;
}

/** The text cut to the pane's width (rules span it whole, as Claude Code draws them). */
export function fit(text, cols) {
  let out = '';
  for (const ch of text) {
    if (width(out + ch) > cols) break;
    out += ch;
  }
  return out;
}

/** `left` and `right` on one line, `right` ending two columns before the edge. */
export function spread(left, right, cols) {
  const gap = Math.max(1, cols - 2 - width(left) - width(right));
  return `${left}${' '.repeat(gap)}${right}`;
}

/**
 * The lines of the whole screen. `ui`: { blocks (conversation, arrays of lines), input, placeholder, busy,
 * status (the line shown while busy: spinner or retry notice), extras (lines under the input box), menu (lines
 * replacing the input box, or null), notice (a release's footer notice, or null) }.
 */
export function screenLines(profile, ui, ctx) {
  const { rows, cols } = ctx;
  const rule = '─'.repeat(cols);
  // An empty input box shows `❯` and a no-break space, then the placeholder a failed turn leaves, if any.
  const inputLines = ui.input === '' ? [`❯\u00a0${ui.placeholder}`] : ui.input.split('\n').map((line, i) => (i === 0 ? '❯ ' : '  ') + line);
  const footer = profile.footer(ui.busy, cols, ui.notice);
  const box = ui.menu ?? [rule, ...inputLines, rule, ...ui.extras, ...footer];
  const conversation = ui.blocks.flatMap((block, i) => (i === 0 ? block : ['', ...block]));
  if (profile.layout === 'inline') {
    const status = ui.busy && ui.status ? [...(conversation.length > 0 ? [''] : []), ui.status] : [];
    const body = [...conversation, ...status];
    const lines = [...profile.banner(ctx), ...Array(profile.bannerGap).fill(''), ...body, ...(body.length > 0 ? [''] : []), ...box];
    const shown = lines.slice(-rows);
    return [...shown, ...Array(rows - shown.length).fill('')];
  }
  const above = [...(ui.busy && ui.status ? [ui.status] : []), ...(ui.menu ? [] : profile.aboveBox(cols))];
  const bottom = [...above, ...box];
  const top = [...profile.banner(ctx), ...Array(profile.bannerGap).fill('')];
  const room = Math.max(0, rows - top.length - bottom.length);
  // A long conversation scrolls: its newest lines stay in view.
  const body = conversation.slice(-room);
  return [...top, ...body, ...Array(room - body.length).fill(''), ...bottom].slice(-rows);
}

export function render(profile, ui, ctx) {
  const lines = screenLines(profile, ui, ctx).map((line) => fit(line, ctx.cols));
  process.stdout.write('\x1b[H\x1b[2J' + lines.join('\r\n'));
}

/** Clock forms Claude Code prints (UTC here, like a machine without TZ): `8:07am`, `5:09 AM`, `Dec 4, 7:07am`. */
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
export function clock(date) {
  const h = date.getUTCHours();
  const m = String(date.getUTCMinutes()).padStart(2, '0');
  const short = `${h % 12 || 12}:${m}${h < 12 ? 'am' : 'pm'}`;
  return { short, long: `${h % 12 || 12}:${m} ${h < 12 ? 'AM' : 'PM'}`, dated: `${MONTHS[date.getUTCMonth()]} ${date.getUTCDate()}, ${short}` };
}

/** `0s`, `12s`, `1m 13s`. */
export function duration(ms) {
  const seconds = Math.max(0, Math.round(ms / 1000));
  return seconds < 60 ? `${seconds}s` : `${Math.floor(seconds / 60)}m ${seconds % 60}s`;
}

/** `~/src/proj` for a folder under HOME, as the banner shows it. */
export function tildePath(path, home) {
  return home && (path === home || path.startsWith(`${home}/`)) ? `~${path.slice(home.length)}` : path;
}
