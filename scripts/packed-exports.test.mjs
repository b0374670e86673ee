import assert from 'node:assert/strict';
import { test } from 'node:test';
import { exportTargets, missingExportTargets } from './packed-exports.mjs';

const manifest = {
  name: '@breakwater/example',
  exports: {
    '.': { types: './dist/index.d.ts', default: './dist/index.js' },
    './redis': { types: './dist/redis/index.d.ts', default: './dist/redis/index.js' },
    './package.json': './package.json',
  },
};

test('walks every subpath and condition of an exports map', () => {
  assert.deepEqual(exportTargets(manifest.exports), [
    './dist/index.d.ts',
    './dist/index.js',
    './dist/redis/index.d.ts',
    './dist/redis/index.js',
    './package.json',
  ]);
  assert.deepEqual(exportTargets('./main.js'), ['./main.js']);
});

test('finds nothing missing in a complete tarball', () => {
  const entries = [
    'package/package.json',
    'package/LICENSE',
    'package/dist/index.js',
    'package/dist/index.d.ts',
    'package/dist/redis/index.js',
    'package/dist/redis/index.d.ts',
  ];
  assert.deepEqual(missingExportTargets(manifest, entries), []);
});

test('names every target of a tarball packed without dist/', () => {
  assert.deepEqual(missingExportTargets(manifest, ['package/package.json', 'package/LICENSE']), [
    './dist/index.d.ts',
    './dist/index.js',
    './dist/redis/index.d.ts',
    './dist/redis/index.js',
  ]);
});

test('matches a pattern target against the packed files', () => {
  const patterned = { exports: { './*': './dist/*.js' } };
  assert.deepEqual(missingExportTargets(patterned, ['package/dist/a.js']), []);
  assert.deepEqual(missingExportTargets(patterned, ['package/dist/a.d.ts']), ['./dist/*.js']);
});
