import { DOMParser } from '@xmldom/xmldom';
import { describe, expect, it } from 'vitest';
import { escapeXml, renderRatioChart } from './ratio-chart.js';
import { sampleCase, sampleImplementation, sampleSuite } from './sample-results.fixture.js';

function parseSvg(svg: string) {
  const document = new DOMParser({
    onError: (level, message) => {
      throw new Error(`${level}: ${message}`);
    },
  }).parseFromString(svg, 'image/svg+xml');
  return document.documentElement!;
}

describe('renderRatioChart', () => {
  it('draws one labelled bar per comparison as well-formed SVG, green faster and red slower', () => {
    const svg = renderRatioChart([
      sampleSuite('cache <&> "q"', [
        sampleCase('get & set', sampleImplementation('ours', 'ours', 3e6), [
          sampleImplementation('lru-cache', 'peer', 1e6),
          sampleImplementation('tuned <peer>', 'peer', 5e6),
        ]),
      ]),
    ]);
    const root = parseSvg(svg);
    expect(root.tagName).toBe('svg');
    const bars = Array.from(root.getElementsByTagName('rect')).filter((rect) =>
      rect.hasAttribute('x'),
    );
    expect(bars.map((bar) => bar.getAttribute('fill'))).toEqual(['#2b8a3e', '#c92a2a']);
    const texts = Array.from(root.getElementsByTagName('text')).map((t) => t.textContent);
    expect(texts).toContain('cache <&> "q"');
    expect(texts).toContain('vs tuned <peer>');
    expect(texts).toContain('3.00×');
    expect(texts).toContain('0.60× (slower)');
    expect(texts).toContain('1× parity');
    expect(texts).toEqual(expect.arrayContaining(['0.1×', '1×', '10×']));
  });

  it('widens the log scale to fit extreme ratios and writes n/a for ratios it cannot draw', () => {
    const svg = renderRatioChart([
      sampleSuite(
        'limiter',
        [
          sampleCase('extreme', sampleImplementation('ours', 'ours', 250), [
            sampleImplementation('slow peer', 'peer', 1),
            sampleImplementation('stalled peer', 'peer', 0),
          ]),
        ],
        'quick',
      ),
    ]);
    const texts = Array.from(parseSvg(svg).getElementsByTagName('text')).map((t) => t.textContent);
    expect(texts).toContain('1000×');
    expect(texts).toContain('250×');
    expect(texts).toContain('n/a');
    expect(texts).toContain('limiter (quick smoke pass)');
  });

  it('draws no group for a suite without timed cases', () => {
    const core = sampleSuite('core', [
      sampleCase('key', sampleImplementation('ours', 'ours', 2e6), [
        sampleImplementation('peer', 'peer', 1e6),
      ]),
    ]);
    const texts = Array.from(
      parseSvg(renderRatioChart([core, sampleSuite('app', [])])).getElementsByTagName('text'),
    ).map((t) => t.textContent);
    expect(texts).toContain('core');
    expect(texts).not.toContain('app');
  });

  it('still renders a valid chart when there are no results', () => {
    const texts = Array.from(parseSvg(renderRatioChart([])).getElementsByTagName('text')).map(
      (t) => t.textContent,
    );
    expect(texts).toContain('No results yet: run pnpm bench.');
  });

  it('escapes every XML special character', () => {
    expect(escapeXml(`a<b>&"c"'d'`)).toBe('a&lt;b&gt;&amp;&quot;c&quot;&apos;d&apos;');
  });

  it('labels isolated results apart and draws no bar for a floor', () => {
    const withFloor = {
      ...sampleCase('get', sampleImplementation('ours', 'ours', 3e6), [
        sampleImplementation('lru-cache', 'peer', 1e6),
      ]),
      floor: sampleImplementation('Map (floor)', 'floor', 9e6),
    };
    const svg = renderRatioChart([
      { ...sampleSuite('cache', [withFloor]), harness: 'isolated' },
      sampleSuite('cache', [withFloor]),
    ]);
    expect(svg).toContain('>cache · one implementation per process<');
    expect(svg.indexOf('>cache<')).toBeLessThan(svg.indexOf('>cache · one implementation'));
    expect(svg).not.toContain('Map (floor)');
    expect(svg.match(/>vs lru-cache</g)).toHaveLength(2);
  });
});
