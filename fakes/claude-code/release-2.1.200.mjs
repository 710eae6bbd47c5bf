// Claude Code 2.1.200 as captured in test/fixtures/claude-code/2.1.200/: the inline layout, `● API Error: …`
// messages, a turn-done line after EVERY turn, the failed ones included (`✻ Crunched for 0s` right under a usage
// limit: the limit is the current state even though a turn-done line follows it), a registry entry with a status
// but no tmux field, records with `apiErrorStatus` but no `apiErrorType` or reset, hooks with `prompt_id` and effort.
import { CONTINUED, RESULT, bullet, errorText } from './common.mjs';
import { spread } from './screen.mjs';

const MODELS = { sonnet: ['Sonnet 5', 'claude-sonnet-5'], opus: ['Opus 5', 'claude-opus-5'], haiku: ['Haiku 5', 'claude-haiku-5'] };
const model = (name) => MODELS[name] ?? [name, name];

export default {
  version: '2.1.200',
  layout: 'inline',
  bannerGap: 2,
  records: 'b',
  wrapsPastes: false,
  registry: 'status',
  effort: 'high',
  modelId: (name) => model(name)[1],
  banner: ({ model: name, cwd }) => [' ▐▛███▜▌   Claude Code v2.1.200', `▝▜█████▛▘  ${model(name)[0]} · Claude Max`, `  ▘▘ ▝▝    ${cwd}`],
  // After a paste shown as a placeholder, the footer's left part says so until a key is typed.
  pasteNotice: '  paste again to expand',
  footer: (busy, cols, notice) => [spread(notice ?? `  ⏵⏵ bypass permissions on (shift+tab to cycle)${busy ? ' · esc to interrupt' : ''} · ← for agents`, '● high · /effort', cols)],
  aboveBox: () => [],
  spinner: (glyph) => `${glyph} Recombobulating…`,
  retrying: ({ attempt }) => ({ status: `✻ API error · Retrying in 1s · attempt ${attempt}/10`, userLines: [] }),
  outcome(kind, { reply, reset, gateway, cols }) {
    switch (kind) {
      case 'ok': return { userLines: [], blocks: [bullet(reply, cols)], text: reply };
      case 'five-hour-limit':
      case 'weekly-limit': {
        const text = kind === 'weekly-limit' ? `You've hit your weekly limit · resets ${reset.dated} (UTC)` : `You've hit your session limit · resets ${reset.short} (UTC)`;
        return { userLines: [`${RESULT}${text}`, `${CONTINUED}/usage-credits to finish what you’re working on.`], blocks: [], text };
      }
      case 'revoked-login': return { userLines: [`${RESULT}${errorText(kind, gateway)}`], blocks: [], text: errorText(kind, gateway) };
      default: return { userLines: [], blocks: [bullet(errorText(kind, gateway), cols)], text: errorText(kind, gateway) };
    }
  },
  turnDone: ({ seconds }) => `✻ Cogitated for ${seconds}`,
};
