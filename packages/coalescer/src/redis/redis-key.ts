/**
 * The part of a Redis key that stands for a coalesced key, inside the `{…}` hash tag that
 * keeps a key's lock and result on one Cluster slot. A key that would break the tag (empty,
 * or holding a brace) or that starts with `=` is written as `=` and its base64url form, so
 * that two keys never share a name.
 */
export function hashTagged(prefix: string, key: string): { lock: string; result: string } {
  const safe = key !== '' && key[0] !== '=' && !key.includes('{') && !key.includes('}');
  const tag = safe ? key : `=${Buffer.from(key).toString('base64url')}`;
  const base = `${prefix}{${tag}}`;
  return { lock: `${base}:lock`, result: `${base}:result` };
}
