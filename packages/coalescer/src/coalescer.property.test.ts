import { deferred } from '@breakwater/core';
import fc from 'fast-check';
import { expect, it } from 'vitest';
import { Coalescer } from './index.js';

type Op =
  | { kind: 'run'; key: number; signal: boolean; preAborted: boolean }
  | { kind: 'abort'; call: number }
  | { kind: 'settle'; execution: number; ok: boolean }
  | { kind: 'forget'; key: number };

const op: fc.Arbitrary<Op> = fc.oneof(
  fc.record({
    kind: fc.constant('run' as const),
    key: fc.nat(2),
    signal: fc.boolean(),
    preAborted: fc.boolean(),
  }),
  fc.record({ kind: fc.constant('abort' as const), call: fc.nat(40) }),
  fc.record({ kind: fc.constant('settle' as const), execution: fc.nat(40), ok: fc.boolean() }),
  fc.record({ kind: fc.constant('forget' as const), key: fc.nat(2) }),
);

/** The model's view of one execution. */
interface ModelFlight {
  key: number;
  settled: boolean;
  waiting: number;
  cancelled: boolean;
  outcome: { ok: boolean; value: unknown } | undefined;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
}

/** The model's view of one call. */
interface ModelCall {
  flight: ModelFlight | undefined;
  controller: AbortController | undefined;
  /** Set when the call left by its own abort: it must reject with this reason. */
  abortedWith: unknown;
  hasAbortReason: boolean;
  results: Array<{ ok: boolean; value: unknown }>;
}

const flush = () => new Promise<void>((resolve) => setImmediate(resolve));

it('each call settles exactly once, with its execution’s outcome or its own abort reason', async () => {
  await fc.assert(
    fc.asyncProperty(fc.array(op, { maxLength: 60 }), async (ops) => {
      const c = new Coalescer<string, unknown>();
      const flights: ModelFlight[] = [];
      const calls: ModelCall[] = [];
      const current = new Map<number, ModelFlight>();

      for (const o of ops) {
        if (o.kind === 'run') {
          const controller = o.signal || o.preAborted ? new AbortController() : undefined;
          const call: ModelCall = {
            flight: undefined,
            controller,
            abortedWith: undefined,
            hasAbortReason: false,
            results: [],
          };
          if (o.preAborted) {
            const reason = { preAborted: calls.length };
            controller!.abort(reason);
            call.abortedWith = reason;
            call.hasAbortReason = true;
          } else {
            let flight = current.get(o.key);
            if (flight === undefined) {
              const d = deferred<unknown>();
              flight = {
                key: o.key,
                settled: false,
                waiting: 0,
                cancelled: false,
                outcome: undefined,
                resolve: d.resolve,
                reject: d.reject,
              };
              flights.push(flight);
              current.set(o.key, flight);
              const promise = d.promise;
              const fn = () => promise;
              call.flight = flight;
              flight.waiting++;
              track(c.run(`k${o.key}`, fn, controller && { signal: controller.signal }), call);
            } else {
              call.flight = flight;
              flight.waiting++;
              track(
                c.run(`k${o.key}`, () => 'unexpected', { signal: controller?.signal }),
                call,
              );
            }
          }
          if (o.preAborted) {
            track(
              c.run(`k${o.key}`, () => 'unexpected', { signal: controller!.signal }),
              call,
            );
          }
          calls.push(call);
        } else if (o.kind === 'abort') {
          const call = calls[o.call % Math.max(1, calls.length)];
          if (call?.controller === undefined || call.controller.signal.aborted) continue;
          const reason = { aborted: o.call };
          const flight = call.flight!;
          if (!flight.settled) {
            call.abortedWith = reason;
            call.hasAbortReason = true;
            flight.waiting--;
            if (flight.waiting === 0) {
              flight.cancelled = true;
              if (current.get(flight.key) === flight) current.delete(flight.key);
            }
          }
          call.controller.abort(reason);
        } else if (o.kind === 'settle') {
          const flight = flights[o.execution % Math.max(1, flights.length)];
          if (flight === undefined || flight.settled) continue;
          settle(flight, o.ok);
        } else {
          current.delete(o.key);
          c.forget(`k${o.key}`);
        }
        await flush();
      }
      for (const flight of flights) if (!flight.settled) settle(flight, true);
      await flush();

      function settle(flight: ModelFlight, ok: boolean): void {
        flight.settled = true;
        const value = { execution: flights.indexOf(flight), ok };
        flight.outcome = { ok, value };
        if (current.get(flight.key) === flight) current.delete(flight.key);
        if (ok) flight.resolve(value);
        else flight.reject(value);
      }

      for (const call of calls) {
        expect(call.results).toHaveLength(1);
        const [result] = call.results;
        if (call.hasAbortReason) {
          expect(result).toEqual({ ok: false, value: call.abortedWith });
          expect(result!.value).toBe(call.abortedWith);
        } else {
          expect(result!.value).toBe(call.flight!.outcome!.value);
          expect(result!.ok).toBe(call.flight!.outcome!.ok);
        }
      }
      const stats = c.stats();
      expect(stats.executions).toBe(flights.length);
      expect(stats.calls).toBe(calls.length);
      expect(stats.cancelled).toBe(flights.filter((f) => f.cancelled).length);
      expect(stats.inFlight).toBe(0);
      expect(stats.size).toBe(0);
      expect(stats.aborted).toBe(calls.filter((call) => call.hasAbortReason).length);
      await c.close();
    }),
    { numRuns: 300 },
  );
});

function track(promise: Promise<unknown>, call: ModelCall): void {
  promise.then(
    (value) => call.results.push({ ok: true, value }),
    (value: unknown) => call.results.push({ ok: false, value }),
  );
}
