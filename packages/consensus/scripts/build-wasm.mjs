// Compiles the AssemblyScript kernel (assembly/kernel.ts) into dist/kernel.wasm.
//
//   node scripts/build-wasm.mjs              always compile
//   node scripts/build-wasm.mjs --if-stale   compile only when dist/kernel.wasm is missing or
//                                            older than a file under assembly/
import { mkdir, readdir, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const source = join(root, 'assembly', 'kernel.ts');
const output = join(root, 'dist', 'kernel.wasm');

/** The asc options of the kernel: SIMD, no garbage collector, optimised for speed. */
export const ASC_ARGS = [
  source,
  '--outFile',
  output,
  '--runtime',
  'stub',
  '--enable',
  'simd',
  '-O3',
  '--noAssert',
  '--use',
  'abort=',
];

async function mtime(path) {
  try {
    return (await stat(path)).mtimeMs;
  } catch {
    return undefined;
  }
}

/** Whether dist/kernel.wasm is missing or older than the kernel's sources. */
export async function isStale() {
  const built = await mtime(output);
  if (built === undefined) return true;
  for (const name of await readdir(join(root, 'assembly'))) {
    const changed = await mtime(join(root, 'assembly', name));
    if (changed !== undefined && changed > built) return true;
  }
  return false;
}

/** Compiles the kernel; throws with the compiler's messages when it fails. */
export async function buildWasm() {
  const { default: asc } = await import('assemblyscript/asc');
  await mkdir(dirname(output), { recursive: true });
  let log = '';
  const sink = {
    write(chunk) {
      log += String(chunk);
      return true;
    },
  };
  const { error } = await asc.main(ASC_ARGS, { stdout: sink, stderr: sink });
  if (error) throw new Error(`Compiling ${source} failed: ${error.message}\n${log}`);
  return output;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  if (!process.argv.includes('--if-stale') || (await isStale())) {
    const built = await buildWasm();
    console.log(`built ${built}`);
  }
}
