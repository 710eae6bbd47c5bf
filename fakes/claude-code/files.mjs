// The fake's file helpers: atomic writes, finding a conversation's transcript, the control file, hooks.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { OUTCOMES } from './common.mjs';

export function writeAtomic(file, text) {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const temp = `${file}.${randomBytes(4).toString('hex')}.tmp`;
  fs.writeFileSync(temp, text);
  fs.renameSync(temp, file);
}

/** The transcript of conversation `id` under any project of the home, or null. */
export function findTranscript(configDir, id) {
  const root = path.join(configDir, 'projects');
  let dirs = [];
  try {
    dirs = fs.readdirSync(root);
  } catch {
    return null;
  }
  return dirs.map((dir) => path.join(root, dir, `${id}.jsonl`)).find((file) => fs.existsSync(file)) ?? null;
}

/** The knobs of `fake-claude-control.json` in the home (see fakes/claude), with their defaults. */
export function readControl(configDir) {
  const control = { turnMs: Number(process.env.FAKE_CLAUDE_TURN_MS || 300), limitNextTurn: false, resetsAt: null, reply: 'Done.', mode: 'ok' };
  try {
    Object.assign(control, JSON.parse(fs.readFileSync(path.join(configDir, 'fake-claude-control.json'), 'utf8')));
  } catch {
    // No control file: defaults.
  }
  const mode = control.limitNextTurn ? 'five-hour-limit' : OUTCOMES.includes(control.mode) ? control.mode : 'ok';
  return { ...control, mode };
}

function hookCommands(configDir, event) {
  try {
    const settings = JSON.parse(fs.readFileSync(path.join(configDir, 'settings.json'), 'utf8'));
    return (settings?.hooks?.[event] ?? []).flatMap((group) => group?.hooks ?? []).filter((h) => h?.type === 'command' && h.command);
  } catch {
    return [];
  }
}

/** Runs the event's hooks one after the other, the payload on stdin, each bounded by its timeout. */
export function runHooks(configDir, cwd, event, payload) {
  const hooks = hookCommands(configDir, event);
  const json = JSON.stringify(payload);
  return hooks.reduce((previous, hook) => previous.then(() => new Promise((resolve) => {
    const child = spawn('sh', ['-c', hook.command], { cwd, stdio: ['pipe', 'ignore', 'ignore'] });
    const timer = setTimeout(() => child.kill('SIGKILL'), (hook.timeout ?? 10) * 1000);
    child.on('error', () => { clearTimeout(timer); resolve(); });
    child.on('close', () => { clearTimeout(timer); resolve(); });
    child.stdin.on('error', () => undefined);
    child.stdin.end(json);
  })), Promise.resolve()).then(() => hooks.map((h) => h.command));
}

