/** The footer appended to a task when it leaves the queue: where it ran, how, and why it ended. */

export const FOOTER_MARK = '<!-- claude-failover:';

export type Outcome = 'done' | 'failed';

export type FooterFields = Record<string, string | number | null | undefined>;

export function renderFooter(outcome: Outcome, fields: FooterFields): string {
  const lines = Object.entries(fields)
    .filter(([, value]) => value !== undefined && value !== null && value !== '')
    .map(([key, value]) => `- ${key}: ${String(value).replace(/\s*\n\s*/g, ' ')}`);
  return `\n\n---\n${FOOTER_MARK}${outcome} -->\n**claude-failover: ${outcome}**\n\n${lines.join('\n')}\n`;
}

/** True when a footer is already at the end of `tail` (so a resumed move does not append a second one). */
export function hasFooter(tail: string): boolean {
  return tail.includes(FOOTER_MARK);
}
