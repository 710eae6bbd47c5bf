import { describe, expect, it } from 'vitest';
import { ExitCode, FailoverError } from '../../../src/base/core/errors.js';
import { FS_FAULTS, faultFix, faultWords, fsFault, fsFaultCode, systemFault } from '../../../src/base/core/fs-faults.js';

/** A system error as Node makes them: code, syscall, and the path when the call had one. */
const sysError = (code: string, syscall: string, path?: string) =>
  Object.assign(new Error(`${code}: something, ${syscall}${path ? ` '${path}'` : ''}`), { code, syscall, ...(path ? { path } : {}) });

describe('filesystem faults in words', () => {
  it('names the path, the fault and its code, with the fix for the folder and what to do next', () => {
    const fault = fsFault(sysError('ENOSPC', 'write'), 'write', '/var/state/state.json');
    expect(fault).toBeInstanceOf(FailoverError);
    expect(fault).toMatchObject({
      exitCode: ExitCode.failed,
      code: 'disk-full',
      message: 'cannot write /var/state/state.json: no space left on the device (ENOSPC)',
      hint: 'free space on the filesystem of /var/state (`df -h /var/state`); then run the command again',
    });
    expect(fsFault(sysError('EROFS', 'mkdir'), 'create the folder', '/q/done', { isDir: true, next: 'run reconcile' })).toMatchObject({
      code: 'read-only',
      message: 'cannot create the folder /q/done: the filesystem is read-only (EROFS)',
      hint: expect.stringMatching(/^make the filesystem of \/q\/done writable again \(`findmnt -T \/q\/done`.*; then run reconcile$/),
    });
    expect(fsFault(sysError('EACCES', 'open'), 'write', '/s/x')).toMatchObject({ code: 'permission-denied', hint: expect.stringContaining('`ls -ld /s`') });
  });

  it('every code in the table has its words and a fix naming the folder', () => {
    for (const [code, words] of Object.entries(FS_FAULTS)) {
      const error = sysError(code, 'write');
      expect(fsFaultCode(error)).toBe(code);
      expect(faultWords(error)).toBe(`${words.words} (${code})`);
      expect(faultFix(error, '/some/dir')).toContain('/some/dir');
    }
  });

  it('anything else stays as it is: EEXIST and ENOENT mean something to the caller, and a bug is a bug', () => {
    for (const error of [sysError('EEXIST', 'open', '/a'), sysError('ENOENT', 'rename', '/a'), new Error('boom'), 'text']) {
      expect(fsFault(error, 'write', '/a')).toBeNull();
      expect(systemFault(error)).toBeNull();
      expect(faultWords(error)).toBeNull();
    }
  });

  it('a fault a lower layer already put in words passes through unchanged (it named the exact path); its cause still tells the code', () => {
    const inner = fsFault(sysError('ENOSPC', 'write'), 'write', '/s/state.json') as FailoverError;
    expect(fsFault(inner, 'save', '/elsewhere')).toBe(inner);
    expect(fsFaultCode(inner)).toBe('ENOSPC');
    expect(systemFault(inner)).toBeNull();
    expect(fsFaultCode(new FailoverError(ExitCode.failed, 'lock', 'no'))).toBeNull();
  });

  it('the CLI\'s last resort: the path Node reports, else the words and where to look', () => {
    expect(systemFault(sysError('EROFS', 'rename', '/q/inbox/t3.md'))).toMatchObject({ code: 'read-only', message: 'cannot rename /q/inbox/t3.md: the filesystem is read-only (EROFS)' });
    expect(systemFault(sysError('ENOSPC', 'mkdir', '/q/done'))).toMatchObject({ message: 'cannot create the folder /q/done: no space left on the device (ENOSPC)', hint: expect.stringContaining('`df -h /q/done`') });
    expect(systemFault(sysError('ENOSPC', 'write'))).toMatchObject({
      code: 'disk-full',
      message: 'cannot write a file (its path was not reported): no space left on the device (ENOSPC)',
      hint: expect.stringContaining('state_dir, resume_dir'),
    });
  });
});
