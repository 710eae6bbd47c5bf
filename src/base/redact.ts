/**
 * Defence in depth for secrets: every byte the tool writes to stdout or stderr passes through one Redactor that
 * knows the secret values in use (the secutools key) and masks them, so a forgotten interpolation cannot leak one.
 */

export class Redactor {
  private readonly secrets = new Set<string>();

  add(secret: string | undefined): void {
    // Very short values would mask ordinary words; no real API key is that short.
    if (secret !== undefined && secret.length >= 6) this.secrets.add(secret);
  }

  apply(text: string): string {
    let out = text;
    for (const secret of this.secrets) {
      if (out.includes(secret)) out = out.split(secret).join('[redacted]');
    }
    return out;
  }
}
