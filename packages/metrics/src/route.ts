const NUMERIC = /^\d+$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** 16 or more hex digits with at least one digit: object ids, hashes, tokens. */
const LONG_HEX = /^(?=[a-f]*\d)[0-9a-f]{16,}$/i;

/**
 * Turns a URL path into a route label value of bounded cardinality: the query string and
 * fragment are dropped, and every path segment that is a number, a UUID or a long hex
 * string (16+ hex digits, at least one of them a digit) becomes `:id`.
 * `/users/123/orders/9f1c…?x=1` → `/users/:id/orders/:id`. Idempotent, so it may be applied
 * to values that went through it already.
 */
export function normalizeRoute(path: string): string {
  let end = path.length;
  const query = path.indexOf('?');
  if (query !== -1) end = query;
  const hash = path.indexOf('#');
  if (hash !== -1 && hash < end) end = hash;
  const segments = path.slice(0, end).split('/');
  for (let i = 0; i < segments.length; i++) {
    const segment = segments[i] as string;
    if (NUMERIC.test(segment) || UUID.test(segment) || LONG_HEX.test(segment)) segments[i] = ':id';
  }
  return segments.join('/');
}
