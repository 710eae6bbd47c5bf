import { describe, expect, it } from 'vitest';
import { CCL_DELEGATE } from '../../../src/cli/ccl-delegate.js';
import { CLAUDE_FAILOVER } from '../../../src/cli/claude-failover.js';
import type { Invocation, ProgramSpec } from '../../../src/cli/command-spec.js';
import { buildProgram } from '../../../src/cli/wire.js';

const invocation = (flags: Record<string, unknown> = {}): Invocation => ({ flags, argument: 'job-1', bin: '/opt/cf/bin/claude-failover.js', stdin: process.stdin });

describe.each([CLAUDE_FAILOVER, CCL_DELEGATE] as ProgramSpec[])('the $name command table', (spec) => {
  it('names each command once, each with a summary and an example', () => {
    const names = spec.commands.map((c) => c.name);
    expect(new Set(names).size).toBe(names.length);
    for (const entry of spec.commands) {
      expect(entry.summary.length, entry.name).toBeGreaterThan(20);
      expect(entry.examples.length, entry.name).toBeGreaterThan(0);
      for (const example of entry.examples) expect(example, entry.name).toContain(`${spec.name} ${entry.name}`);
    }
  });

  it.each(spec.commands.map((c) => [c.name, c] as const))('%s: its module loads and runs, renders', async (_name, entry) => {
    const module = await entry.resolve(invocation()).load();
    expect(typeof module.run).toBe('function');
    expect(typeof module.render).toBe('function');
  });

  it('wires into commander with every group and command', () => {
    const program = buildProgram(spec, '/opt/cf/bin/x.js');
    const wired = program.commands.flatMap((c) => (c.commands.length > 0 ? c.commands.map((s) => `${c.name()} ${s.name()}`) : [c.name()]));
    expect(wired).toEqual(spec.commands.map((c) => c.name));
  });
});

describe('claude-failover options', () => {
  const entry = (name: string) => CLAUDE_FAILOVER.commands.find((c) => c.name === name)!;

  it('dispatch --scan runs the scan-and-dispatch passes, plain dispatch the dispatch module', async () => {
    const scan = await entry('dispatch').resolve(invocation({ scan: true })).load();
    const plain = await entry('dispatch').resolve(invocation({})).load();
    expect(scan).not.toBe(plain);
    expect(scan).toBe(await import('../../../src/queue/scan-and-dispatch.command.js'));
  });

  it('check-quota --no-swap and swap-account --to reach the command as its own options', () => {
    expect(entry('check-quota').resolve(invocation({ swap: false })).options).toEqual({ swap: false, dryRun: false });
    expect(entry('swap-account').resolve(invocation({ to: 'backup', dryRun: true })).options).toEqual({ to: 'backup', clearPartial: false, dryRun: true });
    expect(entry('systemd install').resolve(invocation({})).options).toEqual({ dryRun: false, bin: '/opt/cf/bin/claude-failover.js' });
    expect(entry('metrics').resolve(invocation({ textfile: '/t/x.prom' })).options).toEqual({ textfile: '/t/x.prom' });
  });

  it('init asks only where someone can answer: never with --json, never without a terminal', () => {
    const options = (flags: Record<string, unknown>) => entry('init').resolve(invocation(flags)).options as { ask: unknown; yes: boolean; dryRun: boolean; tmuxSocket?: string };
    expect(options({ json: true, yes: true, tmuxSocket: 'fleet' })).toMatchObject({ ask: null, yes: true, dryRun: false, tmuxSocket: 'fleet' });
    // Under vitest stdin is not a terminal.
    expect(options({}).ask).toBeNull();
  });
});
