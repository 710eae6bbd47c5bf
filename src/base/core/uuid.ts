/** Claude Code session ids are RFC 4122 UUIDs; anything else read from a file or a screen is refused. */
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function isUuid(value: unknown): value is string {
  return typeof value === 'string' && UUID.test(value);
}

/**
 * A random (version 4) UUID from 16 random bytes the caller drew: the id of a new conversation, chosen by the tool
 * so that it is known, and recorded, before Claude Code starts. Pure: the randomness is the caller's.
 */
export function uuidV4(random: Uint8Array): string {
  if (random.length < 16) throw new Error('a UUID needs 16 random bytes');
  const bytes = Array.from(random.subarray(0, 16));
  bytes[6] = ((bytes[6] as number) & 0x0f) | 0x40;
  bytes[8] = ((bytes[8] as number) & 0x3f) | 0x80;
  const hex = bytes.map((b) => b.toString(16).padStart(2, '0')).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
