import { execa } from 'execa';
import { mkdtemp, open, rm, rmdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach } from 'vitest';
import { errnoCode } from '../../src/base/core/errors.js';

/**
 * Real filesystem faults for tests: a small tmpfs to fill at the right moment (ENOSPC), read-only bind mounts
 * and read-only remounts (EROFS). Mounting needs root; `mountSupport()` finds out at run time whether this machine
 * allows it. Every mount is undone after the test, newest first. Import this module after the rigs' support
 * modules: vitest runs the after-hooks newest first, so the mounts go before the temp HOMEs are removed.
 */
const mounted: string[] = [];

afterEach(async () => {
  for (const dir of mounted.splice(0).reverse()) await unmount(dir);
});

async function mount(args: string[]): Promise<void> {
  const run = await execa('mount', args, { reject: false, timeout: 10_000 });
  if (run.exitCode !== 0) throw new Error(`mount ${args.join(' ')} failed: ${String(run.stderr).trim()}`);
}

async function unmount(dir: string): Promise<void> {
  const plain = await execa('umount', [dir], { reject: false, timeout: 10_000 });
  // A process of the test's tmux server may still have a file open there: detach it all the same.
  if (plain.exitCode !== 0) await execa('umount', ['-l', dir], { reject: false, timeout: 10_000 });
}

/** Undoes a mount made here before the test ends (a bind mount on a queue folder: moves across it fail with EXDEV). */
export async function unmountNow(dir: string): Promise<void> {
  const at = mounted.lastIndexOf(dir);
  if (at === -1) throw new Error(`${dir} was not mounted by this test`);
  mounted.splice(at, 1);
  await unmount(dir);
}

/** Null when tmpfs and bind mounts work here, else why not (the tests that need them are skipped with it). */
export async function mountSupport(): Promise<string | null> {
  if (process.getuid?.() !== 0) return 'not running as root: mounting a tmpfs or a read-only bind mount is not possible';
  const dir = await mkdtemp(join(tmpdir(), 'cf-mount-probe-'));
  try {
    await mount(['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', dir]);
    await mount(['--bind', dir, dir]);
    await mount(['-o', 'remount,bind,ro', dir]);
    return null;
  } catch (error) {
    return `this machine refuses mounts (${String(error)})`;
  } finally {
    await unmount(dir);
    await unmount(dir);
    await rmdir(dir).catch(() => undefined);
  }
}

/** A tmpfs of `bytes` on `dir` (an existing, empty folder). */
export async function mountTmpfs(dir: string, bytes: number): Promise<void> {
  await mount(['-t', 'tmpfs', '-o', `size=${bytes},mode=0700`, 'tmpfs', dir]);
  mounted.push(dir);
}

/** `dir` bound onto itself, so that `remount(dir, 'ro')` can turn it read-only at the right moment. */
export async function bindMount(dir: string): Promise<void> {
  await mount(['--bind', dir, dir]);
  mounted.push(dir);
}

/** `dir` bound onto itself, read-only: every write under it fails with EROFS until `remount(dir, 'rw')`. */
export async function bindReadOnly(dir: string): Promise<void> {
  await bindMount(dir);
  await remount(dir, 'ro');
}

/** Flips a bind mount made by `bindReadOnly` (or a tmpfs, `bind: false`) read-only or back. */
export async function remount(dir: string, mode: 'ro' | 'rw', options: { bind?: boolean } = {}): Promise<void> {
  await mount(['-o', `remount,${options.bind === false ? '' : 'bind,'}${mode}`, dir]);
}

/**
 * Fills the filesystem of `dir` with `<dir>/filler` to the last byte, then gives `leaveBytes` back; removing that
 * file gives all the room back.
 */
export async function fill(dir: string, leaveBytes = 0): Promise<string> {
  const path = join(dir, 'filler');
  const handle = await open(path, 'a');
  try {
    for (const size of [1 << 20, 64 << 10, 4 << 10, 512, 1]) {
      const chunk = Buffer.alloc(size, 0x5a);
      for (let i = 0; i < 100_000; i++) {
        try {
          await handle.write(chunk);
        } catch (error) {
          if (errnoCode(error) !== 'ENOSPC') throw error;
          break;
        }
      }
    }
    if (leaveBytes > 0) await handle.truncate(Math.max(0, (await handle.stat()).size - leaveBytes));
  } finally {
    await handle.close();
  }
  return path;
}

/** Gives back the room `fill` took. */
export async function unfill(dir: string): Promise<void> {
  await rm(join(dir, 'filler'), { force: true });
}
