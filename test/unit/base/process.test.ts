import { describe, expect, it } from 'vitest';
import { runCommand } from '../../../src/base/process.js';

describe('runCommand', () => {
  it('classifies a missing binary, a timeout and a plain failure', async () => {
    expect(await runCommand('claude-failover-no-such-binary', [])).toMatchObject({ failure: 'missing', exitCode: -1, stderr: expect.stringMatching(/not installed/) });
    expect(await runCommand('sleep', ['5'], 200)).toMatchObject({ failure: 'timeout', exitCode: -1 });
    const failed = await runCommand('sh', ['-c', 'echo out; echo err >&2; exit 3']);
    expect(failed).toEqual({ exitCode: 3, stdout: 'out', stderr: 'err' });
  });
});
