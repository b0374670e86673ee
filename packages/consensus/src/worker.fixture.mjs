// A stand-in worker entry for the pool tests: answers, fails or crashes on request.
import { parentPort } from 'node:worker_threads';

parentPort.on('message', (task) => {
  if (task.type === 'crash') throw new Error('worker crashed on purpose');
  if (task.type === 'exit') process.exit(3);
  if (task.type === 'fail') {
    parentPort.postMessage({
      ok: false,
      error: {
        name: 'Error',
        message: 'task failed on purpose',
        code: undefined,
        backend: undefined,
        stack: undefined,
      },
    });
    return;
  }
  if (task.type === 'fail-backend') {
    parentPort.postMessage({
      ok: false,
      error: {
        name: 'ConsensusBackendError',
        message: 'WebAssembly kernel unavailable (backend: "wasm")',
        code: 'BREAKWATER_CONSENSUS_BACKEND',
        backend: 'wasm',
        stack: undefined,
      },
    });
    return;
  }
  const labels = Uint32Array.of(task.value ?? 0);
  parentPort.postMessage({ ok: true, kernel: 'js', labels }, [labels.buffer]);
});
