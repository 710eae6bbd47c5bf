// Claude Code 2.1.328 as captured in test/fixtures/claude-code/2.1.328/ (the release of the reference captures): the
// full-screen layout (input box at the bottom, effort above it), `⎿` limit line followed by `● Usage limit reached ·
// continuing automatically at …` and a `⚠` footer, a blocking menu after a weekly limit, the input box pre-filled
// after a failed login or a server error, a turn-done line only after a turn that worked, the full registry entry
// (tmux field included) and records with the exact reset (`apiErrorParams.rate_limit_info.resetsAt`).
import { RESULT, bullet, errorText } from './common.mjs';
import { spread } from './screen.mjs';

const MODELS = { sonnet: ['Sonnet 5.5', 'claude-sonnet-5-5'], opus: ['Opus 5.5', 'claude-opus-5-5'], haiku: ['Haiku 5', 'claude-haiku-5'] };
const model = (name) => MODELS[name] ?? [name, name];
const PREFILL = { 'expired-login': 'Once fixed, resend your message', 'revoked-login': 'Once fixed, resend your message', 'server-error': 'Resend your message to try again', overloaded: 'Resend your message to try again' };

export const fullScreen = (version, autoContinue) => ({
  version,
  layout: 'fullscreen',
  bannerGap: 2,
  records: 'c',
  /** A paste of several lines is sent and stored wrapped: `<pasted_content id=…>` around it. */
  wrapsPastes: true,
  registry: 'full',
  effort: 'medium',
  modelId: (name) => model(name)[1],
  banner: ({ model: name, cwd }) => ['', ` ▐▛███▛█   Claude Code v${version}`, `▝▜██████▀  ${model(name)[0]} · Claude Max`, ` ▝▝   ▝▝   ${cwd}`],
  footer: (busy) => [`  ⏵⏵ bypass permissions on (shift+tab to cycle)${busy ? ' · esc to interrupt' : ''} · ← for agents`],
  aboveBox: (cols) => [spread('', '◐ medium · /effort', cols)],
  spinner: (glyph) => `${glyph} Recombobulating…`,
  retrying: ({ attempt }) => ({ status: `✻ API error · retrying in 1s · attempt ${attempt}/10`, userLines: [] }),
  outcome(kind, { reply, reset, gateway, cols }) {
    switch (kind) {
      case 'ok': return { userLines: [], blocks: [bullet(reply, cols)], text: reply };
      case 'five-hour-limit': {
        const text = `You've hit your 5-hour limit · resets ${reset.short} (UTC)`;
        const notice = autoContinue(reset.short);
        return {
          userLines: [`${RESULT}${text}`], blocks: [[`● ${notice}`]], text, informational: notice,
          extras: [`  ⚠ Usage limit reached · limit resets ${reset.short}`, `    Continuing automatically at ${reset.short} · Esc to cancel`],
        };
      }
      case 'weekly-limit': {
        const text = `You've hit your weekly limit · resets ${reset.dated} (UTC)`;
        return {
          userLines: [`${RESULT}${text}`], blocks: [], text,
          menu: ['▔'.repeat(cols), '  What do you want to do?', '', '  ❯ 1. Stop and wait for limit to reset', `    2. Wait here, then continue automatically at ${reset.dated}`, '    3. Switch to usage credits', '', '  Enter to confirm · Esc to cancel'],
        };
      }
      case 'revoked-login': return { userLines: [`${RESULT}${errorText(kind, gateway)}`], blocks: [], text: errorText(kind, gateway), placeholder: PREFILL[kind] };
      default: return { userLines: [], blocks: [bullet(errorText(kind, gateway), cols)], text: errorText(kind, gateway), placeholder: PREFILL[kind] ?? '' };
    }
  },
  turnDone: ({ kind, seconds, at }) => (kind === 'ok' ? `✻ Cogitated for ${seconds} · done ${at}` : null),
});

export default fullScreen('2.1.328', (at) => `Usage limit reached · continuing automatically at ${at} · esc to cancel`);
