import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { buildConfig, type Config } from './core/config.js';
import { ExitCode, FailoverError, errnoCode, errorMessage } from './core/errors.js';

export interface ConfigLookup {
  /** `--config`, when given. */
  explicit?: string | undefined;
  env: NodeJS.ProcessEnv;
  home: string;
}

/** `--config`, else `$CLAUDE_FAILOVER_CONFIG`, else `$XDG_CONFIG_HOME/claude-failover/config.yaml`. */
export function configPath(lookup: ConfigLookup): { path: string; source: string } {
  if (lookup.explicit) return { path: lookup.explicit, source: '--config' };
  const fromEnv = lookup.env.CLAUDE_FAILOVER_CONFIG;
  if (fromEnv) return { path: fromEnv, source: '$CLAUDE_FAILOVER_CONFIG' };
  const xdg = lookup.env.XDG_CONFIG_HOME || join(lookup.home, '.config');
  return { path: join(xdg, 'claude-failover', 'config.yaml'), source: 'the default location' };
}

const configError = (message: string, hint?: string, code = 'config') =>
  new FailoverError(ExitCode.usage, code, message, hint === undefined ? {} : { hint });

export async function loadConfig(lookup: ConfigLookup): Promise<Config> {
  const { path, source } = configPath(lookup);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if (errnoCode(error) === 'ENOENT') {
      throw configError(`no config file at ${path} (${source})`, 'create one (see README "Configuration") or pass --config <path>', 'config-missing');
    }
    throw configError(`cannot read config ${path}: ${errorMessage(error)}`);
  }
  return parseConfigText(text, path, lookup.home);
}

export function parseConfigText(text: string, path: string, home: string): Config {
  let document: unknown;
  try {
    // A config is small and hand-written: aliases are allowed, but not enough to blow up memory.
    document = parseYaml(text.replace(/^\uFEFF/, ''), { maxAliasCount: 100, uniqueKeys: true, prettyErrors: true });
  } catch (error) {
    throw configError(`${path}: not valid YAML: ${yamlProblem(error, text)}`);
  }
  const result = buildConfig(document, home, path);
  if (!result.ok) {
    const list = result.errors.map((e) => `  ${path}: ${e}`).join('\n');
    throw configError(`invalid config (${result.errors.length} problem${result.errors.length === 1 ? '' : 's'}):\n${list}`);
  }
  return result.config;
}

/** The parser's first line, plus the line of the file it points at: "Map keys must be unique" says which key. */
function yamlProblem(error: unknown, text: string): string {
  const first = errorMessage(error).split('\n')[0]?.replace(/:$/, '') ?? 'unknown error';
  const line = (error as { linePos?: Array<{ line: number }> }).linePos?.[0]?.line;
  const source = line === undefined ? undefined : text.split(/\r?\n/)[line - 1]?.trim();
  return source ? `${first}: ${JSON.stringify(source.length > 120 ? `${source.slice(0, 117)}...` : source)}` : first;
}
