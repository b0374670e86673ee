#!/usr/bin/env node
// Checks every publishable package the way a user receives it:
//   1. `pnpm pack` (workspace: ranges become real versions),
//   2. the tarball holds every file its `exports` point to (a package packed while its
//      dist/ is missing packs without them), and the root LICENSE, unchanged,
//   3. publint --strict and @arethetypeswrong/cli on the tarball, in every resolution mode
//      it checks (node10, node16 from CommonJS and from ESM, bundler),
//   4. installs all tarballs into an empty temporary project and loads every export
//      path with `import` and with `require`,
//   5. type-checks every README example there under strict TypeScript and runs it
//      (scripts/readme-examples.mjs).
// Usage: node scripts/check-packages.mjs [package-dir ...]
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { missingExportTargets } from './packed-exports.mjs';
import { checkReadmeExamples } from './readme-examples.mjs';

const root = resolve(import.meta.dirname, '..');
const bin = (name) => join(root, 'node_modules', '.bin', name);

function run(command, args, cwd, env = process.env) {
  try {
    return execFileSync(command, args, {
      cwd,
      env,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout: 60_000,
    });
  } catch (error) {
    process.stderr.write(`\n✗ ${command} ${args.join(' ')} (in ${cwd})\n`);
    process.stderr.write(`${error.stdout ?? ''}${error.stderr ?? ''}\n`);
    throw new Error(`check-packages: \`${[command, ...args].join(' ')}\` failed`);
  }
}

const requested = process.argv.slice(2).map((dir) => resolve(dir));
const candidates =
  requested.length > 0
    ? requested
    : readdirSync(join(root, 'packages')).map((name) => join(root, 'packages', name));
const packages = candidates
  .map((dir) => ({ dir, manifest: JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) }))
  .filter(({ manifest }) => manifest.private !== true);

if (packages.length === 0) {
  console.log('check-packages: no publishable package found');
  process.exit(0);
}

const license = readFileSync(join(root, 'LICENSE'), 'utf8');
const work = mkdtempSync(join(tmpdir(), 'breakwater-pack-'));
try {
  const tarballs = [];
  for (const { dir, manifest } of packages) {
    const out = run(bin('pnpm'), ['pack', '--pack-destination', work], dir).trim().split('\n');
    const tarball = out.at(-1);
    tarballs.push(tarball);
    const missing = missingExportTargets(manifest, run('tar', ['-tzf', tarball], root).split('\n'));
    if (missing.length > 0) {
      throw new Error(
        `check-packages: ${manifest.name}'s tarball lacks files its \`exports\` point to: ${missing.join(', ')}. Build the package (\`pnpm build\`) before packing it.`,
      );
    }
    const packedLicense = run('tar', ['-xzOf', tarball, 'package/LICENSE'], root);
    if (packedLicense !== license) {
      throw new Error(
        `check-packages: ${manifest.name}'s tarball carries a LICENSE unlike the root one`,
      );
    }
    run(bin('publint'), ['run', dir, '--strict', '--pack', 'pnpm'], root);
    // Every resolution mode attw knows, node10 included (`typesVersions` maps the subpaths).
    // The one rule left out is "CJS resolves to ESM": the packages are ESM-only by design,
    // and `require()` of them works through Node's require(esm) from Node 20.19 (step 4
    // checks it on the running Node).
    run(
      bin('attw'),
      [
        tarball,
        '--profile',
        'strict',
        '--ignore-rules',
        'cjs-resolves-to-esm',
        '--format',
        'table-flipped',
      ],
      root,
    );
    console.log(`✓ ${manifest.name}: LICENSE, publint --strict, attw (all resolution modes)`);
  }

  const consumer = join(work, 'consumer');
  run('mkdir', ['-p', consumer], work);
  writeFileSync(
    join(consumer, 'package.json'),
    JSON.stringify({ name: 'consumer', private: true, version: '0.0.0' }),
  );
  // What a user of the README examples installs beside the packages, at the versions the
  // workspace uses.
  const rootManifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
  const cacheManifest = JSON.parse(
    readFileSync(join(root, 'packages', 'cache', 'package.json'), 'utf8'),
  );
  const companions = [
    `@types/node@${rootManifest.devDependencies['@types/node']}`,
    `ioredis@${cacheManifest.devDependencies.ioredis}`,
  ];
  run(
    'npm',
    ['install', '--no-audit', '--no-fund', '--ignore-scripts', ...tarballs, ...companions],
    consumer,
  );

  for (const { manifest } of packages) {
    const subpaths = Object.keys(manifest.exports ?? { '.': null }).filter(
      (path) => path !== './package.json',
    );
    for (const subpath of subpaths) {
      const specifier = subpath === '.' ? manifest.name : `${manifest.name}/${subpath.slice(2)}`;
      const check = `if (Object.keys(m).length === 0) throw new Error('${specifier} exports nothing');`;
      run(
        'node',
        ['--input-type=module', '-e', `import * as m from '${specifier}'; ${check}`],
        consumer,
      );
      run('node', ['-e', `const m = require('${specifier}'); ${check}`], consumer);
      console.log(`✓ ${specifier}: installs from its tarball; import and require load it`);
    }
  }

  await checkReadmeExamples({ root, consumer, packages, run });
} finally {
  rmSync(work, { recursive: true, force: true });
}
