// Which files a package's `exports` map points to, and which of them a packed tarball
// lacks (a package packed while its dist/ is missing still packs, without them).

/** Every file path an `exports` map points to (conditions and subpaths walked), `./x` form. */
export function exportTargets(exports) {
  const targets = new Set();
  const walk = (value) => {
    if (typeof value === 'string') targets.add(value);
    else if (Array.isArray(value)) value.forEach(walk);
    else if (value !== null && typeof value === 'object') Object.values(value).forEach(walk);
  };
  walk(exports);
  return [...targets];
}

/**
 * The `exports` targets of `manifest` missing from a tarball whose entries (as
 * `tar -tzf` lists them, `package/…`) are `entries`. A pattern target (`*`) matches any
 * entry with its prefix and suffix.
 */
export function missingExportTargets(manifest, entries) {
  const files = new Set(entries.map((entry) => entry.trim()).filter(Boolean));
  const packed = [...files];
  return exportTargets(manifest.exports ?? {}).filter((target) => {
    const path = `package/${target.replace(/^\.\//, '')}`;
    const star = path.indexOf('*');
    if (star === -1) return !files.has(path);
    const [prefix, suffix] = [path.slice(0, star), path.slice(star + 1)];
    return !packed.some((file) => file.startsWith(prefix) && file.endsWith(suffix));
  });
}
