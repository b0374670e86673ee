import { describe, expect, it } from 'vitest';
import { breakerStates, counterDelta, parseMetrics, sumOf } from './metrics-text.js';

const TEXT = [
  '# HELP experts_cache_requests_total Cache lookups.',
  '# TYPE experts_cache_requests_total counter',
  'experts_cache_requests_total{result="hit"} 7',
  'experts_cache_requests_total{result="miss"} 3',
  'experts_breaker_state{expert="atlas",state="closed"} 1',
  'experts_breaker_state{expert="atlas",state="open"} 0',
  'experts_breaker_state{expert="delta",state="closed"} 0',
  'experts_breaker_state{expert="delta",state="open"} 1',
  'experts_label_escapes{text="say \\"hi\\"\\nback\\\\slash"} 2',
  'experts_coalesced_total 4 1700000000',
  'not a sample line {',
  'experts_bad_value{a="b"} twelve',
  '# EOF',
].join('\n');

describe('parseMetrics', () => {
  it('reads names, labels (escapes included) and values, skipping what it cannot read', () => {
    const samples = parseMetrics(TEXT);
    expect(samples.map((s) => s.name)).toEqual([
      'experts_cache_requests_total',
      'experts_cache_requests_total',
      'experts_breaker_state',
      'experts_breaker_state',
      'experts_breaker_state',
      'experts_breaker_state',
      'experts_label_escapes',
      'experts_coalesced_total',
    ]);
    expect(samples[6]?.labels['text']).toBe('say "hi"\nback\\slash');
    expect(samples[7]?.value).toBe(4);
  });
});

describe('sumOf and counterDelta', () => {
  it('sums matching samples and tells an absent metric from zero', () => {
    const samples = parseMetrics(TEXT);
    expect(sumOf(samples, 'experts_cache_requests_total')).toBe(10);
    expect(sumOf(samples, 'experts_cache_requests_total', { result: 'hit' })).toBe(7);
    expect(sumOf(samples, 'experts_cache_requests_total', { result: 'stale' })).toBeUndefined();
    expect(sumOf(samples, 'experts_client_decisions_total')).toBeUndefined();
  });

  it('subtracts the earlier scrape, counting an absent earlier value as zero', () => {
    const before = parseMetrics('experts_coalesced_total 1\n');
    const after = parseMetrics(TEXT);
    expect(counterDelta(before, after, 'experts_coalesced_total')).toBe(3);
    expect(counterDelta([], after, 'experts_cache_requests_total', { result: 'hit' })).toBe(7);
    expect(counterDelta(after, before, 'experts_cache_requests_total')).toBeUndefined();
  });
});

describe('breakerStates', () => {
  it('maps each expert to the state whose gauge is 1', () => {
    expect([...breakerStates(parseMetrics(TEXT))]).toEqual([
      ['atlas', 'closed'],
      ['delta', 'open'],
    ]);
    expect(breakerStates(parseMetrics('experts_breaker_state{state="open"} 1')).size).toBe(0);
  });
});
