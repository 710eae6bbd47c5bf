import { readFileSync } from 'node:fs';

/**
 * The ways a release draws a limit line, and the places in a conversation where the same words never count, as
 * functions of the line's text: the tables in limit-wordings.test.ts cross them with every wording. The layouts
 * are the reference captures (test/fixtures/claude-code/: 2.1.100, 2.1.200, 2.1.328) and the shapes Claude Code
 * uses around them (input box between two rules, footer and status lines under it).
 */
export const fixture = (name: string) => readFileSync(new URL(`../fixtures/claude-code/${name}`, import.meta.url), 'utf8');

const RULE = '─'.repeat(118);
const HEADER = ['', ' ▐▛███▜▌   Claude Code v2.1.328', '▝▜█████▛▘  Sonnet 5.5 · Claude Max', '  ▘▘ ▝▝    /home/op/src/demo', ''];
const FOOTER = ['  ⏵⏵ bypass permissions on (shift+tab to cycle)'];

/** A Claude Code screen: header, conversation, the input box between rules, the footer. */
export function screen(conversation: string[], footer: string[] = FOOTER, input = ''): string {
  return [...HEADER, ...conversation, '', RULE, `❯\u00a0${input}`, RULE, ...footer].join('\n');
}

/** The first separator of a limit line (`·`, `∙`), where the two-line form breaks it. */
const SEPARATOR = / [·∙] /;

/** The capture of a release with its limit line(s) replaced by `line` (and nothing else changed). */
function inCapture(name: string, line: string, drop: RegExp[] = []): string {
  const lines = fixture(name).split('\n').filter((l) => !drop.some((re) => re.test(l)));
  const at = lines.findIndex((l) => /You've hit your (?:session|5-hour) limit/.test(l));
  if (at < 0) throw new Error(`no limit line in ${name}`);
  lines[at] = `  ⎿  ${line}`;
  return lines.join('\n');
}

export interface Rendering {
  name: string;
  /** The layout shows a limit of its own (an older limit line, the limit menu): look-alikes cannot be read alone. */
  ownLimit?: true;
  /** The pane, or null when the rendering does not apply to this text (the two-line form needs a separator). */
  draw: (line: string) => string | null;
}

/** How releases draw a limit line: each must read as that limit, with its kind and reset. */
export const RENDERINGS: readonly Rendering[] = [
  { name: '2.1.100 capture (⎿ + /extra-usage companion)', draw: (line) => inCapture('usage-limit-2.1.100.txt', line) },
  { name: '2.1.200 capture (⎿ + /usage-credits companion + turn-done line)', draw: (line) => inCapture('usage-limit-2.1.200.txt', line) },
  {
    name: '2.1.328 capture (⎿ after an earlier finished turn)',
    // Its `●` and `⚠` lines repeat the captured limit's own time: the line under test is the only limit left.
    draw: (line) => inCapture('usage-limit-5h.txt', line, [/Usage limit reached|Continuing automatically/]),
  },
  { name: '⎿ under the message sent', draw: (line) => screen(['❯ Next task', `  ⎿  ${line}`]) },
  { name: 'bare, no glyph', draw: (line) => screen(['❯ Next task', line]) },
  { name: 'bare, indented where ⎿ would be', draw: (line) => screen(['❯ Next task', `     ${line}`]) },
  { name: 'bare, at the left edge under an earlier reply', draw: (line) => screen(['❯ Summarise the README', '● Done.', line]) },
  { name: 'alone above the input box', draw: (line) => [line, '', RULE, '❯\u00a0', RULE, ...FOOTER].join('\n') },
  { name: '● status line', draw: (line) => screen(['❯ Next task', '', `● ${line}`]) },
  { name: '⚠ footer under the input box', draw: (line) => screen(['● Done.'], [`  ⚠ ${line}`, ...FOOTER]) },
  { name: 'companion lines below', draw: (line) => screen(['❯ Next task', `  ⎿  ${line}`, '     /login to switch to an API usage-billed account.', '     /upgrade to increase your usage limit.']) },
  { name: 'turn-done line below (2.1.1xx–2.1.2xx)', draw: (line) => screen(['❯ Next task', `  ⎿  ${line}`, '     /usage-credits to finish what you’re working on.', '', '✻ Crunched for 0s']) },
  {
    name: 'inside a box',
    draw: (line) => screen(['❯ Next task', '', `╭${'─'.repeat(line.length + 2)}╮`, `│ ${line} │`, `╰${'─'.repeat(line.length + 2)}╯`]),
  },
  {
    name: 'above status lines',
    draw: (line) =>
      screen(['❯ Next task', `  ⎿  ${line}`], [...FOOTER, "                  tmux focus-events off · add 'set -g focus-events on' to ~/.tmux.conf", '  Opus 4.5 | ~/src/demo | ctx 41%']),
  },
  {
    name: 'split over two lines (⚠ + · resets …)',
    draw: (line) => {
      const at = line.search(SEPARATOR);
      if (at < 0) return null;
      return screen(['● Done.'], [`  ⚠ ${line.slice(0, at)}`, `    ${line.slice(at + 1)}`, ...FOOTER]);
    },
  },
  {
    name: 'below an older limit line (the lower is live)',
    ownLimit: true,
    draw: (line) => screen(['❯ Next task', '  ⎿  Usage limit reached · resets Nov 29, 5:55am (UTC)', `  ⎿  ${line}`]),
  },
  {
    name: 'colour escapes (capture-pane -e)',
    draw: (line) => screen(['\u001b[1m❯\u001b[22m Next task', `  \u001b[2m⎿\u001b[22m  \u001b[31m${line}\u001b[39m`]),
  },
  {
    name: 'above the blocking limit menu',
    ownLimit: true,
    draw: (line) =>
      [...HEADER, '❯ Next task', `  ⎿  ${line}`, '', 'What do you want to do?', '', '❯ 1. Stop and wait for limit to reset', '  2. Upgrade your plan', '', 'Enter to confirm · Esc to cancel'].join('\n'),
  },
];

/** Places in a conversation where a limit's words are somebody else's, or history: never the current limit. */
export const NOT_CURRENT: readonly Rendering[] = [
  { name: 'a message sent that quotes it', draw: (line) => screen([`❯ ${line} — what does this mean?`, '', '● It means the account is out of usage.']) },
  { name: 'a message sent that is exactly it', draw: (line) => screen([`❯ ${line}`]) },
  { name: 'typed in the input box, not sent', draw: (line) => screen(['● Done.'], FOOTER, line) },
  { name: "the assistant's prose quoting it", draw: (line) => screen(['❯ x', '● Here is what the log says:', `  ${line}`, '', '✻ Cogitated for 3s']) },
  { name: 'a code block in prose', draw: (line) => screen(['❯ x', '● Add this to the docs:', '  ```', `  ${line}`, '  ```']) },
  { name: 'a quoted log line with a timestamp', draw: (line) => screen(['❯ x', '● Found in the logs:', `  2026-11-20T10:00:00Z ERROR ${line}`]) },
  { name: "a tool's first output line", draw: (line) => screen(['❯ x', '● Bash(tail -1 app.log)', `  ⎿  ${line}`]) },
  { name: "a tool's output, further down", draw: (line) => screen(['❯ x', '● Bash(cat app.log)', '  ⎿  2026-11-20 INFO start', `     ${line}`, '     2026-11-20 INFO stop']) },
  { name: "a subagent's tool output", draw: (line) => screen(['❯ x', '● Task(Explore the logs)', '  ⎿  Bash(grep -r limit logs/)', `     ${line}`, '  ⎿  Done (3 tool uses · 10k tokens · 5s)']) },
  { name: 'followed by a message sent later', draw: (line) => screen(['❯ Next task', `  ⎿  ${line}`, '❯ carry on']) },
  { name: 'followed by a later reply', draw: (line) => screen(['❯ Next task', `  ⎿  ${line}`, '', '● Continuing with the task.']) },
  { name: 'followed by a turn in progress', draw: (line) => screen(['❯ Next task', `  ⎿  ${line}`, '', '✻ Recombobulating… (3s · esc to interrupt)']) },
  { name: 'followed by a busy footer', draw: (line) => screen(['❯ Next task', `  ⎿  ${line}`], ['  ⏵⏵ bypass permissions on (shift+tab to cycle) · esc to interrupt']) },
  {
    name: 'far up the scrollback',
    draw: (line) => screen(['❯ Next task', `  ⎿  ${line}`, '❯ again', '● Here is the rest:', ...Array.from({ length: 25 }, (_, i) => `  line ${i} of a long reply`)]),
  },
];
