/**
 * An unref'd interval that calls `tick(owner)` every `intervalMs` and holds `owner` only
 * weakly: an owner dropped without being closed is still garbage-collected, and the
 * interval then stops by itself. `tick` must not capture `owner` (it receives it).
 * Stop it earlier with `clearInterval` on the returned timer.
 */
export function weakInterval<O extends object>(
  owner: O,
  intervalMs: number,
  tick: (owner: O) => void,
): ReturnType<typeof setInterval> {
  const ref = new WeakRef(owner);
  const timer = setInterval(() => {
    const target = ref.deref();
    if (target === undefined) clearInterval(timer);
    else tick(target);
  }, intervalMs);
  timer.unref();
  return timer;
}
