import { randomBytes, randomUUID } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * Account homes a real Claude Code starts in without asking anything: onboarding done, the bypass-permissions
 * warning accepted, the projects trusted, a subscription login whose token is the account's own (the stand-in tells
 * accounts apart by it) and far from expiring, so no release tries to refresh it.
 */
export interface SeededAccount {
  name: string;
  home: string;
  /** The OAuth access token Claude Code sends as `Authorization: Bearer …`. */
  token: string;
}

/** A token that is obviously a test value, unique per account and run. */
export function testToken(account: string): string {
  return `sk-ant-oat01-standin-${account}-${randomBytes(6).toString('hex')}`;
}

const YEAR_MS = 365 * 24 * 3600 * 1000;

/** `.claude.json` + `.credentials.json` (mode 0600) in `home`; `projects` are the folders Claude Code will run in. */
export async function seedAccountHome(home: string, account: string, projects: readonly string[], token = testToken(account)): Promise<SeededAccount> {
  await mkdir(home, { recursive: true, mode: 0o700 });
  const claudeJson = {
    numStartups: 3,
    installMethod: 'npm-global',
    autoUpdates: false,
    hasCompletedOnboarding: true,
    lastOnboardingVersion: '2.1.100',
    bypassPermissionsModeAccepted: true,
    hasSeenTasksHint: true,
    hasAcknowledgedCostThreshold: true,
    userID: randomBytes(32).toString('hex'),
    projects: Object.fromEntries(projects.map((project) => [project, {
      allowedTools: [],
      hasTrustDialogAccepted: true,
      hasCompletedProjectOnboarding: true,
      projectOnboardingSeenCount: 1,
      hasClaudeMdExternalIncludesApproved: false,
      hasClaudeMdExternalIncludesWarningShown: false,
    }])),
    oauthAccount: {
      accountUuid: randomUUID(),
      emailAddress: `${account}@example.test`,
      organizationUuid: randomUUID(),
      displayName: account,
      organizationName: `${account} org`,
      organizationRole: 'admin',
      workspaceRole: null,
      billingType: 'stripe_subscription',
    },
  };
  const credentials = {
    claudeAiOauth: {
      accessToken: token,
      refreshToken: `sk-ant-ort01-standin-${account}-${randomBytes(6).toString('hex')}`,
      expiresAt: Date.now() + YEAR_MS,
      scopes: ['user:inference', 'user:profile', 'user:sessions:claude_code'],
      subscriptionType: 'max',
      rateLimitTier: 'default_claude_max_20x',
    },
  };
  await writeFile(join(home, '.claude.json'), JSON.stringify(claudeJson, null, 2), { mode: 0o600 });
  await writeFile(join(home, '.credentials.json'), JSON.stringify(credentials, null, 2), { mode: 0o600 });
  return { name: account, home, token };
}

/** The environment every pane of the private tmux server gets: no network but the stand-in, no updates, root allowed. */
export function claudeCodeEnv(home: string, standInUrl: string): NodeJS.ProcessEnv {
  return {
    HOME: home,
    PATH: process.env.PATH,
    TERM: 'xterm-256color',
    LANG: 'C.UTF-8',
    ANTHROPIC_BASE_URL: standInUrl,
    IS_SANDBOX: '1',
    DISABLE_AUTOUPDATER: '1',
    CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1',
    // Older releases try to fetch the plugin marketplace at start and print a failure notice over the footer.
    CLAUDE_CODE_DISABLE_OFFICIAL_MARKETPLACE_AUTOINSTALL: '1',
    DISABLE_ERROR_REPORTING: '1',
    DISABLE_TELEMETRY: '1',
  };
}
