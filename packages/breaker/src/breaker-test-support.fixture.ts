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
