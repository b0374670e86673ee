// Runs the examples of every package README the way a new user would: copied as written
// into a project that installed the packed tarballs, type-checked under strict TypeScript
// (`exactOptionalPropertyTypes`, `noUncheckedIndexedAccess`) and run with Node.js.
//
// A fenced block whose info string is `ts` or `js` is an example: it must be complete,
// run as written and let the process exit. A block marked `ts fragment` (or `js fragment`)
// shows a piece of an API and is skipped. Examples that talk to Redis read
// `process.env.REDIS_URL`; this script points it at a server of its own (never 6379).
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const FENCE = /^```(ts|js)([^\n]*)\n([\s\S]*?)^```/gm;

/** The examples of one README: `{ line, language, code }` for each runnable block. */
export function readmeExamples(text) {
  const examples = [];
  for (const match of text.matchAll(FENCE)) {
    const [, language, info, code] = match;
    if (/\bfragment\b/.test(info)) continue;
    const line = text.slice(0, match.index).split('\n').length;
    examples.push({ line, language, code });
  }
  return examples;
}

const TSCONFIG = {
  compilerOptions: {
    strict: true,
    exactOptionalPropertyTypes: true,
    noUncheckedIndexedAccess: true,
    module: 'nodenext',
    moduleResolution: 'nodenext',
    target: 'es2022',
    lib: ['es2023', 'esnext.disposable', 'dom'],
    types: ['node'],
    outDir: 'out',
    rootDir: 'examples',
  },
  include: ['examples/*.ts'],
};

/**
 * Writes every example of `packages` (`{ dir, manifest }`) into `consumer`, type-checks the
 * TypeScript ones and runs them all. `run(command, args, cwd, env?)` throws on failure.
 */
export async function checkReadmeExamples({ root, consumer, packages, run }) {
  const examplesDir = join(consumer, 'examples');
  mkdirSync(examplesDir, { recursive: true });
  const written = [];
  for (const { dir, manifest } of packages) {
    const readme = readFileSync(join(dir, 'README.md'), 'utf8');
    const outside = readme.match(/\]\(\.\.\/[^)]*\)/);
    if (outside) {
      throw new Error(`${manifest.name}'s README links out of its directory: ${outside[0]}`);
    }
    const short = manifest.name.replace(/^@breakwater\//, '');
    for (const { line, language, code } of readmeExamples(readme)) {
      const base = `${short}-readme-line-${line}`;
      const file = language === 'ts' ? `${base}.ts` : `${base}.mjs`;
      writeFileSync(join(examplesDir, file), code);
      written.push({ name: `${manifest.name} README line ${line}`, base, language });
    }
  }
  if (written.length === 0) return;

  writeFileSync(join(consumer, 'tsconfig.json'), JSON.stringify(TSCONFIG, null, 2));
  const manifestPath = join(consumer, 'package.json');
  const consumerManifest = JSON.parse(readFileSync(manifestPath, 'utf8'));
  writeFileSync(manifestPath, JSON.stringify({ ...consumerManifest, type: 'module' }));
  run(join(root, 'node_modules', '.bin', 'tsc'), ['-p', 'tsconfig.json'], consumer);
  console.log(
    `✓ ${written.filter((e) => e.language === 'ts').length} TypeScript README examples type-check strictly`,
  );

  const { startRedis } = await import(join(root, 'packages', 'testing', 'dist', 'index.js'));
  const redis = await startRedis();
  try {
    const failed = [];
    for (const { name, base, language } of written) {
      const file = language === 'ts' ? join('out', `${base}.js`) : join('examples', `${base}.mjs`);
      try {
        run('node', [file], consumer, { ...process.env, REDIS_URL: redis.url });
        console.log(`✓ ${name} runs as written`);
      } catch {
        failed.push(name);
      }
    }
    if (failed.length > 0) throw new Error(`README examples that failed: ${failed.join('; ')}`);
  } finally {
    await redis.stop();
  }
}
