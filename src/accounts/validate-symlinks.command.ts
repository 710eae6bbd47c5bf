import { applySymlinkFixes, observeSharedState, type FixOutcome } from './symlinks.js';
import { plural, table, type Style } from '../base/core/format.js';
import { planSymlinks, type PathFact, type SymlinkPlan, type SymlinkProblem } from './core/symlinks.js';
import type { Context } from '../context.js';

export interface ValidateSymlinksOptions {
  fix?: boolean | undefined;
}

export interface ProblemReport extends SymlinkProblem {
  /** Repaired by this run's --fix. */
  fixed: boolean;
}

export interface ValidateSymlinksResult {
  fix: boolean;
  sharedRoot: string;
  entries: string[];
  homes: Array<{ account: string; home: string }>;
  activeLink: { path: string; state: PathFact['kind']; target: string | null; account: string | null };
  /** Every problem found, across every home, each marked fixed or not. */
  problems: ProblemReport[];
  /** What --fix did, one entry per attempted repair. */
  fixes: FixOutcome[];
  /** Problems still there at the end: non-zero exits 1. */
  remaining: number;
}

const keyOf = (p: SymlinkProblem) => `${p.kind}\u0000${p.path}`;

/**
 * `validate-symlinks [--fix]`: checks every account home against the shared-state contract and reports
 * every problem at once. `--fix`, under the state lock (a swap flips links too), creates missing shared directories
 * and missing links, then checks again; a divergent link or a real file where a link belongs stays an error.
 */
export async function run(options: ValidateSymlinksOptions, ctx: Context): Promise<ValidateSymlinksResult> {
  const config = ctx.config;
  const check = async () => {
    const facts = await observeSharedState(config);
    return { facts, plan: planSymlinks(config, facts) };
  };

  if (!options.fix) {
    const { facts, plan } = await check();
    return result(ctx, false, facts.activeLink, plan, plan.problems.map((p) => ({ ...p, fixed: false })), []);
  }

  return ctx.withLock('validate-symlinks', async (lock) => {
    const before = await check();
    lock.assertHeld();
    const fixes = await applySymlinkFixes(before.plan.fixes);
    for (const outcome of fixes) {
      const what = outcome.kind === 'mkdir' ? `created ${outcome.path}` : `linked ${outcome.path} → ${outcome.target}`;
      if (outcome.ok) ctx.log.info(what);
      else ctx.log.warn(`could not fix ${outcome.path}: ${outcome.error}`);
    }
    const after = fixes.length > 0 ? await check() : before;
    const left = new Set(after.plan.problems.map(keyOf));
    const found = new Set(before.plan.problems.map(keyOf));
    const problems: ProblemReport[] = [
      ...before.plan.problems.map((p) => ({ ...p, fixed: p.fixable && !left.has(keyOf(p)) })),
      // Anything that turned up while fixing is reported too, never hidden.
      ...after.plan.problems.filter((p) => !found.has(keyOf(p))).map((p) => ({ ...p, fixed: false })),
    ];
    return result(ctx, true, after.facts.activeLink, after.plan, problems, fixes, after.plan.problems.length);
  });
}

function result(
  ctx: Context,
  fix: boolean,
  activeLink: { path: string; fact: PathFact },
  plan: SymlinkPlan,
  problems: ProblemReport[],
  fixes: FixOutcome[],
  remaining = problems.length,
): ValidateSymlinksResult {
  for (const problem of problems.filter((p) => !p.fixed)) ctx.log.debug(problem.message);
  return {
    fix,
    sharedRoot: ctx.config.shared.root,
    entries: ctx.config.shared.entries,
    homes: ctx.config.accounts.map((a) => ({ account: a.name, home: a.home })),
    activeLink: {
      path: activeLink.path,
      state: activeLink.fact.kind,
      target: activeLink.fact.kind === 'symlink' ? activeLink.fact.target : null,
      account: plan.activeAccount,
    },
    problems,
    fixes,
    remaining,
  };
}

export function render(result: ValidateSymlinksResult, style: Style): string {
  const parts: string[] = [];
  const link = result.activeLink;
  const active =
    link.state === 'symlink'
      ? `${link.path} → ${link.target}${link.account ? ` (${link.account})` : ''}`
      : link.state === 'missing'
        ? `${link.path} not set yet`
        : `${link.path} is not a symlink`;
  parts.push(
    `shared root ${result.sharedRoot} (${result.entries.join(', ')}); ${plural(result.homes.length, 'home')} checked; active link ${active}`,
  );
  if (result.problems.length === 0) {
    parts.push(style.green('every home follows the shared-state contract'));
    return parts.join('\n\n');
  }
  parts.push(
    table(
      ['PROBLEM', 'ACCOUNT', 'PATH', 'EXPECTED', 'ACTUAL', ...(result.fix ? ['FIXED'] : [])],
      result.problems.map((p) => [
        p.fixed ? style.green(p.kind) : style.red(p.kind),
        p.account ?? '-',
        p.path,
        p.expected,
        p.actual,
        ...(result.fix ? [p.fixed ? 'yes' : 'no'] : []),
      ]),
    ),
  );
  const open = result.problems.filter((p) => !p.fixed);
  // The table says what is wrong; the operator also needs to know what to do about what --fix will not touch.
  const byHand = open.filter((p) => !p.fixable || result.fix);
  if (byHand.length > 0) parts.push(byHand.map((p) => `${style.red('fix by hand')}: ${p.message}`).join('\n'));
  const fixable = open.filter((p) => p.fixable).length;
  const fixedCount = result.problems.length - open.length;
  parts.push(
    `${plural(result.problems.length, 'problem')}` +
      (result.fix ? `, ${fixedCount} fixed, ${result.remaining} remaining` : '') +
      (!result.fix && fixable > 0 ? ` (${fixable} fixable with --fix)` : ''),
  );
  return parts.join('\n\n');
}

export const exitCode = (result: ValidateSymlinksResult) => (result.remaining > 0 ? 1 : 0);
