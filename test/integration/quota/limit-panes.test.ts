import { writeFile } from 'node:fs/promises';
import { execa } from 'execa';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { classifySession } from '../../../src/quota/core/classify.js';
import { LOOK_ALIKES, WORDINGS } from '../../support/limit-cases.js';
import { NOT_CURRENT, RENDERINGS, type Rendering } from '../../support/limit-screens.js';
import { makeRig, waitFor, type Rig } from '../../support/sessions.js';

/**
 * The limit tables shown in real tmux panes (a private server, 200x50 panes) and read back the way check-quota
 * reads them — one batched capture — so that what tmux does to the text (colour escapes dropped, no-break spaces,
 * trailing blanks trimmed, long lines joined, a screen too short for the text) is part of the test. A sample of the
 * unit tables: one wording of each kind in every rendering, and every look-alike in three renderings.
 */
const NOW = new Date('2026-11-21T19:30:00Z');
const BATCH = 40;

interface Shown {
  name: string;
  pane: string;
}

/**
 * Shows every pane in its own session running `cat` of the text then `sleep` (no shell, so no prompt follows and
 * nothing slow starts), a batch of sessions per tmux call, and captures them all.
 */
async function showAll(rig: Rig, panes: Shown[]): Promise<Map<string, string>> {
  const captured = new Map<string, string>();
  const tmux = (args: string[]) => execa('tmux', ['-L', rig.socket, ...args], { env: rig.env, timeout: 20_000 });
  for (let start = 0; start < panes.length; start += BATCH) {
    const batch = panes.slice(start, start + BATCH).map((shown, i) => ({ ...shown, session: `pane-${start + i}`, file: join(rig.home, `pane-${start + i}.txt`) }));
    await Promise.all(batch.map(({ file, pane }) => writeFile(file, pane)));
    await tmux(batch.flatMap(({ session, file }) => ['new-session', '-d', '-s', session, '-x', '200', '-y', '50', `cat '${file}'; exec sleep 600`, ';']));
    // Each pane is ready when its last text line (what tmux keeps of it) is on screen.
    const lastLine = (text: string) => text.split('\n').map((l) => l.replace(/\u001b\[[0-9;]*m/g, '').replace(/\u00a0/g, ' ').trimEnd()).filter((l) => l.trim() !== '').pop() ?? '';
    const texts = await waitFor('every pane drawn', async () => {
      const now = await rig.tmux.captureMany(batch.map((b) => b.session));
      return batch.every((b) => typeof now.get(b.session) === 'string' && lastLine(now.get(b.session) as string) === lastLine(b.pane)) && now;
    }, 20_000, 50);
    for (const b of batch) captured.set(b.name, texts.get(b.session) as string);
    await tmux(batch.flatMap(({ session }) => ['kill-session', '-t', `=${session}`, ';']));
  }
  return captured;
}

const draw = (renderings: readonly Rendering[], texts: readonly string[]): Shown[] =>
  renderings.flatMap((r) => texts.flatMap((text) => {
    const pane = r.draw(text);
    return pane === null ? [] : [{ name: `${r.name} | ${text}`, pane }];
  }));

// One wording of each kind the tables know (confirmed or suspected), at most ten.
const SAMPLE = [...new Map(WORDINGS.map((w) => [`${w[2]}|${w[4]}`, w] as const)).values()].slice(0, 10);

describe('the limit tables in real tmux panes', () => {
  it('every sampled wording in every rendering reads as that limit; look-alikes and history never do', async () => {
    const rig = await makeRig({ pool: { min: 1, max: 1 } });
    const positives = draw(RENDERINGS, SAMPLE.map(([text]) => text));
    const negatives = [
      ...draw(RENDERINGS.filter((r) => ['⎿ under the message sent', 'bare, no glyph', '⚠ footer under the input box'].includes(r.name)), LOOK_ALIKES),
      ...draw(NOT_CURRENT, SAMPLE.slice(0, 4).map(([text]) => text)),
    ];
    const captured = await showAll(rig, [...positives, ...negatives]);
    expect(captured.size).toBe(positives.length + negatives.length);

    const wrong: string[] = [];
    for (const { name } of positives) {
      const text = name.slice(name.indexOf(' | ') + 3);
      const [, pattern, limitType, limitModel, kind, resetAt] = SAMPLE.find(([t]) => t === text) as (typeof SAMPLE)[number];
      const verdict = classifySession({ pane: captured.get(name) as string, now: NOW, defaultZone: 'UTC' });
      const got = { kind: verdict.kind, pattern: verdict.pattern, limitType: verdict.limitType, limitModel: verdict.limitModel, resetAt: verdict.resetAt };
      if (JSON.stringify(got) !== JSON.stringify({ kind, pattern, limitType, limitModel, resetAt })) wrong.push(`${name}: ${JSON.stringify(got)}`);
    }
    for (const { name } of negatives) {
      const verdict = classifySession({ pane: captured.get(name) as string, now: NOW, defaultZone: 'UTC' });
      if (verdict.kind !== 'clear') wrong.push(`${name}: ${verdict.kind} ${verdict.pattern}`);
    }
    expect(wrong).toEqual([]);
    expect(positives.length).toBeGreaterThan(150);
  }, 180_000);
});
