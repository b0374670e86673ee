const MAX_STRING = 40;

/**
 * A short, unambiguous rendering of any value for error messages:
 * `` `-1` (number) ``, `` `"abc"` (string) ``, `` `[1,2]` (array) ``, `` Date ``.
 */
export function describeValue(value: unknown): string {
  switch (typeof value) {
    case 'number':
      return `\`${Object.is(value, -0) ? '-0' : String(value)}\` (number)`;
    case 'bigint':
      return `\`${value}n\` (bigint)`;
    case 'string': {
      const shown = value.length > MAX_STRING ? `${value.slice(0, MAX_STRING)}…` : value;
      return `\`${JSON.stringify(shown)}\` (string)`;
    }
    case 'boolean':
      return `\`${value}\` (boolean)`;
    case 'undefined':
      return '`undefined`';
    case 'symbol':
      return `\`${value.toString()}\` (symbol)`;
    case 'function':
      return `function \`${value.name || '(anonymous)'}\``;
    default:
      if (value === null) return '`null`';
      if (Array.isArray(value)) return `an array of length ${value.length}`;
      return describeObject(value as object);
  }
}

function describeObject(value: object): string {
  const proto: unknown = Object.getPrototypeOf(value);
  if (proto === null) return 'an object with a null prototype';
  const name = (proto as { constructor?: { name?: unknown } }).constructor?.name;
  if (name === 'Object') return 'an object';
  return typeof name === 'string' && name !== '' ? `an instance of ${name}` : 'an object';
}
