import { lstat, readFile, realpath, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '../base/fs-atomic.js';
import { errnoCode, errorMessage } from '../base/core/errors.js';
import { MAX_SETTINGS_BYTES } from './core/settings-hooks.js';

/**
 * `<account home>/settings.json` on disk: read whole only when it is a plain, reasonably small UTF-8 file; written
 * atomically over the real file (a settings.json that is the operator's symlink into a dotfiles folder stays a
 * symlink), with the mode it had.
 */

export const settingsPathOf = (home: string) => join(home, 'settings.json');

export type SettingsRead =
  | { kind: 'missing-home' }
  | { kind: 'unreadable'; path: string; message: string }
  /** `text` null: no settings.json yet. `target` is the file a write replaces (the symlink's target, if it is one). */
  | { kind: 'read'; path: string; target: string; text: string | null; mode: number | null };

export async function readSettingsFile(home: string): Promise<SettingsRead> {
  const dir = await stat(home).catch(() => null);
  if (!dir?.isDirectory()) return { kind: 'missing-home' };
  const path = settingsPathOf(home);
  const unreadable = (message: string): SettingsRead => ({ kind: 'unreadable', path, message });
  try {
    const link = await lstat(path).catch((error: unknown) => (errnoCode(error) === 'ENOENT' ? null : Promise.reject(error)));
    if (link === null) return { kind: 'read', path, target: path, text: null, mode: null };
    let target = path;
    if (link.isSymbolicLink()) {
      target = await realpath(path).catch((error: unknown) => Promise.reject(new Error(`a symlink whose target cannot be reached (${errorMessage(error)})`)));
    }
    const info = await stat(target);
    if (!info.isFile()) return unreadable('not a regular file');
    if (info.size > MAX_SETTINGS_BYTES) return unreadable(`larger than ${MAX_SETTINGS_BYTES / 1024} KiB: not a settings file this tool edits`);
    const bytes = await readFile(target);
    let text: string;
    try {
      text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes);
    } catch {
      return unreadable('not UTF-8 text');
    }
    return { kind: 'read', path, target, text, mode: info.mode & 0o7777 };
  } catch (error) {
    return unreadable(errorMessage(error));
  }
}

/** Replaces the file atomically; a new file is private to the operator (account homes hold credentials). */
export async function writeSettingsFile(read: { target: string; mode: number | null }, text: string): Promise<void> {
  await writeFileAtomic(read.target, text, read.mode ?? 0o600, { exactMode: read.mode !== null });
}
