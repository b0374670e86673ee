/** A clock the test moves by hand. */
export function manualClock(start = 1000) {
  let now = start;
  return {
    now: () => now,
    advance(ms: number) {
      now += ms;
    },
  };
}

export const ok = async () => 'ok';
export const boom = async () => {
  throw new Error('boom');
};
/** Settles a promise's rejection into a value, for `await` without try/catch noise. */
export const caught = (promise: Promise<unknown>) =>
  promise.then(
    () => undefined,
    (e: unknown) => e,
  );
