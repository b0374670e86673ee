import { createManualClock } from '@breakwater/testing';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { OPENMETRICS_CONTENT_TYPE } from './exposition.js';
import { promtoolCheck, promtoolCheckOpenMetrics } from './promtool.fixture.js';
import { Registry } from './registry.js';

/**
 * Runs `step(n)` on every turn of the event loop (n = 1, 2, …) until `scrape` settles,
 * and returns its text with the number of turns that ran: each turn is a break the
 * scrape made.
 */
async function between(
  scrape: () => Promise<string>,
  step: (turn: number) => void = () => {},
): Promise<{ text: string; turns: number }> {
  let done = false;
  let turns = 0;
  const tick = () => {
    if (done) return;
    step(++turns);
    setImmediate(tick);
  };
  setImmediate(tick);
  const text = await scrape();
  done = true;
  return { text, turns };
}

/**
 * The sample lines of `text` by series (name and labels) to the rest of the line (value
 * and exemplar), refusing a series written twice.
 */
function samples(text: string): Map<string, string> {
  const bySeries = new Map<string, string>();
  const twice: string[] = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    // No label value in these tests holds a space or a brace.
    const end = line.includes('{') ? line.indexOf('}') + 1 : line.indexOf(' ');
    const series = line.slice(0, end);
    if (bySeries.has(series)) twice.push(series);
    bySeries.set(series, line.slice(end + 1));
  }
  expect(twice, 'series written twice').toEqual([]);
  return bySeries;
}

/** Checks that every family's HELP and TYPE appear once, and promtool accepts the text. */
function expectValid(text: string, format: 'prometheus' | 'openmetrics'): void {
  const meta = text.split('\n').filter((line) => /^# (HELP|TYPE) /.test(line));
  expect(new Set(meta).size).toBe(meta.length);
  const result = format === 'prometheus' ? promtoolCheck(text) : promtoolCheckOpenMetrics(text);
  expect(result.output).toBe('');
  expect(result.status).toBe(0);
}

const ids = (n: number, from = 0) => Array.from({ length: n }, (_, i) => String(from + i));

describe('textAsync', () => {
  it('writes what text writes', async () => {
    const registry = new Registry();
    registry.counter({ name: 'c', help: 'C.', labelNames: ['a'], maxSeries: 1 }).inc({ a: 'x' });
    registry.counter({ name: 'c2', help: 'C.', labelNames: ['a'], maxSeries: 1 }).inc({ a: 'y' });
    expect(await registry.textAsync('openmetrics')).toBe(registry.text('openmetrics'));
    expect(await registry.textAsync()).toBe(registry.text());
    const exposed = await registry.exposeAsync('application/openmetrics-text', { yieldEveryMs: 0 });
    expect(exposed).toEqual({
      body: registry.text('openmetrics'),
      contentType: OPENMETRICS_CONTENT_TYPE,
    });
  });

  it('lets other work run between metrics once yieldEveryMs has passed', async () => {
    const clock = createManualClock();
    const registry = new Registry({ clock });
    const order: string[] = [];
    for (const name of ['a', 'b', 'c', 'd']) {
      registry.gauge({
        name,
        help: name,
        collect: (gauge) => {
          order.push(name);
          gauge.set(1);
          clock.advance(30);
        },
      });
    }
    setImmediate(() => order.push('other work'));
    const text = await registry.textAsync('prometheus', { yieldEveryMs: 50 });
    // 30 ms per metric: the first break comes after b (60 ms), before c.
    expect(order).toEqual(['a', 'b', 'other work', 'c', 'd']);
    expect(text).toContain('# TYPE d gauge\nd 1\n');
  });

  it('lets other work run inside a metric of many series, and writes what text writes', async () => {
    const clock = createManualClock();
    const registry = new Registry({ clock });
    const counter = registry.counter({
      name: 'c',
      help: 'C.',
      labelNames: ['id'],
      maxSeries: 3000,
    });
    const histogram = registry.histogram({
      name: 'h',
      help: 'H.',
      labelNames: ['id'],
      maxSeries: 500,
    });
    const gauge = registry.gauge({ name: 'g', help: 'G.', labelNames: ['id'] });
    for (const id of ids(3001)) {
      counter.inc({ id }, 2);
      gauge.set({ id }, 1);
    }
    counter.incExemplar({ id: '7' }, 1, { trace_id: 'abc' });
    for (const id of ids(600)) histogram.observeExemplar({ id }, 0.2, { trace_id: id });
    for (const format of ['prometheus', 'openmetrics'] as const) {
      // yieldEveryMs 0: a break after every part (each metric's metadata, then its slices).
      const sliced = await between(() => registry.textAsync(format, { yieldEveryMs: 0 }));
      expect(sliced.text).toBe(registry.text(format));
      // Metadata and slices: c (3000 series + overflow) 1 + 3, h (500 + overflow, 73 per
      // slice) 1 + 7, g (3001) 1 + 3, the overflow self-metric 1, and # EOF in OpenMetrics.
      expect(sliced.turns).toBe(17 + (format === 'openmetrics' ? 1 : 0));
      expectValid(sliced.text, format);
    }
    // The clock does not move: no break at all.
    const unbroken = await between(() => registry.textAsync('prometheus', { yieldEveryMs: 50 }));
    expect(unbroken.turns).toBe(0);
    expect(unbroken.text).toBe(registry.text());
  });

  it('writes each series once while series are created, measured and swept during its breaks', async () => {
    const clock = createManualClock();
    const registry = new Registry({ clock });
    const counter = registry.counter({
      name: 'c',
      help: 'C.',
      labelNames: ['id'],
      ttlMs: 1000,
    });
    const latency = registry.histogram({
      name: 'h',
      help: 'H.',
      labelNames: ['id'],
      ttlMs: 1000,
      buckets: [1],
    });
    for (const id of ids(3000)) counter.inc({ id });
    for (const id of ids(300)) latency.observe({ id }, 0.5);
    const revived = counter.labels({ id: '2999' });
    let other: Promise<string> | undefined;
    const first = await between(
      () => registry.textAsync('openmetrics', { yieldEveryMs: 0 }),
      (turn) => {
        if (turn !== 1) return;
        // After c's metadata, before any of its samples: the first half is measured again,
        // the second half expires and another scrape sweeps it.
        clock.advance(600);
        for (const id of ids(1500)) counter.inc({ id });
        for (const id of ids(150)) latency.observe({ id }, 0.5);
        clock.advance(600);
        other = registry.textAsync('openmetrics', { yieldEveryMs: 0 });
        // Measured after the sweep: 2999 is a fresh series, created with 'new'.
        revived.inc(5);
        counter.inc({ id: 'new' }, 9);
        counter.incExemplar({ id: '0' }, 1, { trace_id: 'late' });
      },
    );
    const second = await (other as Promise<string>);
    for (const text of [first.text, second]) expectValid(text, 'openmetrics');
    const a = samples(first.text);
    const b = samples(second);
    // The first scrape listed 3000 series: 1500 measured (and "0" again), 1499 expired
    // (left out), 2999 written as its fresh series; 'new' waits for the next scrape.
    expect(a.get('c_total{id="0"}')).toMatch(/^3 # \{trace_id="late"\} 1 \d+(\.\d+)?$/);
    expect(a.get('c_total{id="1"}')).toBe('2');
    expect(a.get('c_total{id="1500"}')).toBeUndefined();
    expect(a.get('c_total{id="2999"}')).toBe('5');
    expect(a.has('c_total{id="new"}')).toBe(false);
    expect([...a.keys()].filter((key) => key.startsWith('c_total')).length).toBe(1501);
    expect([...a.keys()].filter((key) => key.startsWith('h_count')).length).toBe(150);
    // The second scrape listed the series left after its sweep: 2999 and 'new' came later.
    expect([...b.keys()].filter((key) => key.startsWith('c_total')).length).toBe(1500);
    expect(b.has('c_total{id="2999"}')).toBe(false);
    // A third scrape sees everything.
    const third = samples(await registry.textAsync('prometheus', { yieldEveryMs: 0 }));
    expect(third.get('c_total{id="new"}')).toBe('9');
    expect(third.get('c_total{id="2999"}')).toBe('5');
    expect(third.size).toBe(1502 + 150 * 4);
    expect(await registry.textAsync('openmetrics', { yieldEveryMs: 0 })).toBe(
      registry.text('openmetrics'),
    );
  });

  it('keeps two concurrent scrapes valid while measurements land between their parts', async () => {
    const clock = createManualClock();
    const registry = new Registry({ clock });
    const counter = registry.counter({
      name: 'c',
      help: 'C.',
      labelNames: ['id'],
      maxSeries: 2500,
    });
    const histogram = registry.histogram({ name: 'h', help: 'H.', labelNames: ['id'] });
    for (const id of ids(2000)) counter.inc({ id });
    for (const id of ids(200)) histogram.observe({ id }, 0.3);
    const scrapes = [
      registry.textAsync('prometheus', { yieldEveryMs: 0 }),
      registry.textAsync('openmetrics', { yieldEveryMs: 0 }),
    ];
    const { turns } = await between(
      () => Promise.all(scrapes).then(() => ''),
      (turn) => {
        for (const id of ids(50, 2000 + turn * 50)) counter.inc({ id });
        for (const id of ids(200)) histogram.observeExemplar({ id }, turn, { turn: String(turn) });
      },
    );
    expect(turns).toBeGreaterThan(5);
    const [prometheus, openMetrics] = (await Promise.all(scrapes)) as [string, string];
    expectValid(prometheus, 'prometheus');
    expectValid(openMetrics, 'openmetrics');
    for (const text of [prometheus, openMetrics]) {
      const lines = samples(text);
      // Every series of h is written whole: its +Inf bucket is its count.
      for (const id of ids(200)) {
        const inf = lines.get(`h_bucket{id="${id}",le="+Inf"}`)?.split(' ')[0];
        expect(inf).toBe(lines.get(`h_count{id="${id}"}`));
      }
      // c was listed when each scrape started it, before any turn created a series.
      expect([...lines.keys()].filter((key) => key.startsWith('c_total')).length).toBe(2000);
    }
  });

  it('writes each listed series at most once, whatever happens between its parts', async () => {
    const command = fc.oneof(
      fc.record({ kind: fc.constant('touch' as const), from: fc.nat(2100), count: fc.nat(1500) }),
      fc.record({ kind: fc.constant('advance' as const), ms: fc.integer({ min: 0, max: 150 }) }),
      fc.record({ kind: fc.constant('scrape' as const) }),
      fc.record({ kind: fc.constant('create' as const), id: fc.nat(20) }),
    );
    await fc.assert(
      fc.asyncProperty(fc.array(command, { maxLength: 8 }), async (commands) => {
        const clock = createManualClock();
        const registry = new Registry({ clock });
        const counter = registry.counter({ name: 'c', help: 'C.', labelNames: ['id'], ttlMs: 100 });
        const listed = ids(2100);
        for (const id of listed) counter.inc({ id });
        const others: Promise<string>[] = [];
        const first = await between(
          () => registry.textAsync('openmetrics', { yieldEveryMs: 0 }),
          (turn) => {
            const next = commands[turn - 1];
            if (next?.kind === 'touch')
              for (const id of ids(next.count, next.from)) counter.inc({ id });
            else if (next?.kind === 'advance') clock.advance(next.ms);
            else if (next?.kind === 'scrape')
              others.push(registry.textAsync('prometheus', { yieldEveryMs: 0 }));
            else if (next?.kind === 'create') counter.inc({ id: `n${next.id}` });
          },
        );
        for (const text of [first.text, ...(await Promise.all(others))]) {
          const meta = text.split('\n').filter((line) => /^# (HELP|TYPE) /.test(line));
          expect(new Set(meta).size).toBe(meta.length);
          samples(text); // no series twice
        }
        // The first scrape listed the 2100 series before any command ran.
        const known = new Set(listed.map((id) => `c_total{id="${id}"}`));
        const unknown = [...samples(first.text).keys()].filter((key) => !known.has(key));
        expect(unknown).toEqual([]);
        expect(await registry.textAsync('openmetrics', { yieldEveryMs: 0 })).toBe(
          registry.text('openmetrics'),
        );
      }),
      { numRuns: 40 },
    );
  });

  it('refuses bad options', async () => {
    const registry = new Registry();
    await expect(registry.textAsync('prometheus', { yieldEveryMs: -1 })).rejects.toThrow(
      RangeError,
    );
    await expect(registry.textAsync('prometheus', { every: 1 } as never)).rejects.toThrow(
      /Unknown option `every`/,
    );
    await expect(registry.textAsync('xml' as never)).rejects.toThrow(RangeError);
  });
});
