import { parentPort } from 'node:worker_threads';
import { type ConsensusTask, runConsensusTask, serializeError } from './parallel-tasks.js';

/**
 * The entry of the worker threads of `analyzeConsensusParallel`: runs each task it is
 * sent and answers with its result (the labels' buffer transferred) or its error.
 */
parentPort?.on('message', (task: ConsensusTask) => {
  let result: ReturnType<typeof runConsensusTask>;
  try {
    result = runConsensusTask(task);
  } catch (error) {
    parentPort?.postMessage({ ok: false, error: serializeError(error) });
    return;
  }
  const { kernel, labels } = result;
  parentPort?.postMessage(
    { ok: true, kernel, labels },
    labels === undefined ? [] : [labels.buffer as ArrayBuffer],
  );
});
