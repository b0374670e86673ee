import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance } from 'fastify';
import { type BrowserContext, chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ExpertServer } from '../../sim/expert-server.js';
import { buildApp } from '../app.js';
import { loadConfig } from '../config.js';
import { SimCalls, startSims } from '../sims.fixture.js';

/** Where the screenshots go (git-ignored). */
const ARTIFACTS = fileURLToPath(new URL('../../../test-artifacts/', import.meta.url));

const FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--no-first-run',
  '--disable-sync',
];

/** Debian's chromium on PATH, or a clear failure saying how to install it. */
function chromiumPath(): string {
  let path = '';
  try {
    path = execFileSync('which', ['chromium'], { encoding: 'utf8' }).trim();
  } catch {
    // Not on PATH.
  }
  if (path === '' || !existsSync(path)) {
    throw new Error(
      'The dashboard test drives Chromium, which is not installed: run `apt-get install chromium` ' +
        '(Debian; `sudo apt-get install -y --no-install-recommends chromium`).',
    );
  }
  return path;
}

/** The row of `expert` once it shows its breaker in `state` (a selector: no script in the page). */
function breakerRow(expert: string, state: string): string {
  return `#breakers tr[data-expert="${expert}"][data-state="${state}"]`;
}

describe('the dashboard in headless Chromium', () => {
  let sims: ExpertServer[];
  let app: FastifyInstance;
  let url: string;
  let context: BrowserContext | undefined;
  let profile: string | undefined;
  const problems: string[] = [];

  beforeAll(async () => {
    sims = await startSims([{ name: 'alpha' }, { name: 'beta', opinion: 1 }], new SimCalls());
    const config = loadConfig({
      EXPERTS: sims.map((s) => `${s.name}=${s.url}`).join(','),
      RECORDS_DB: ':memory:',
      INSTANCE_ID: 'dash-test-1',
      EXPERT_RETRIES: '0',
      BREAKER_OPEN_MS: '300',
      CLIENT_LIMIT_PER_MINUTE: '1000000',
    });
    app = buildApp(config, {
      logger: false,
      dashboard: { eventIntervalMs: 100, intervalMs: 250, intervals: 40 },
    });
    url = await app.listen({ port: 0, host: '127.0.0.1' });
  });

  afterAll(async () => {
    await context?.close();
    if (profile !== undefined) rmSync(profile, { recursive: true, force: true });
    await app?.close();
    await Promise.all((sims ?? []).map((s) => s.close()));
  });

  let n = 0;
  const consult = () =>
    fetch(`${url}/v1/consult`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      // Mostly new questions, for the experts to answer; every third one the cache answers.
      body: JSON.stringify({
        question: ++n % 3 === 0 ? 'Shall we ship?' : `Shall we ship release ${n}?`,
      }),
    }).then((r) => r.arrayBuffer());

  /** Sends consultations one after another until `done` resolves. */
  async function drive(done: Promise<unknown>): Promise<void> {
    let stop = false;
    const loop = (async () => {
      while (!stop) await consult();
    })();
    try {
      await done;
    } finally {
      stop = true;
      await loop;
    }
  }

  it('shows an expert breaker opening during an outage and closing after recovery', async () => {
    const executablePath = chromiumPath();
    profile = mkdtempSync(join(tmpdir(), 'dashboard-chromium-'));
    context = await chromium.launchPersistentContext(profile, {
      executablePath,
      headless: true,
      args: FLAGS,
      viewport: { width: 1280, height: 860 },
    });
    const page = context.pages()[0] ?? (await context.newPage());
    page.on('console', (message) => {
      if (message.type() === 'error' || message.type() === 'warning') {
        problems.push(`console ${message.type()}: ${message.text()}`);
      }
    });
    page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
    // Runs before the page's own script, out of reach of its policy.
    await page.addInitScript({
      content: `document.addEventListener('securitypolicyviolation', (e) =>
        console.error('CSP violation: ' + e.violatedDirective + ' ' + e.blockedURI));`,
    });

    await consult();
    await page.goto(url);
    await expect.poll(() => page.locator('#instance').textContent()).toBe('dash-test-1');
    await page.waitForSelector('#connection[data-status="live"]');
    const row = (expert: string) => page.locator(`#breakers tr[data-expert="${expert}"]`);
    await page.locator(breakerRow('beta', 'closed')).waitFor();
    expect(await row('alpha').getAttribute('data-state')).toBe('closed');
    await page.waitForSelector('#consensus:not([hidden])');

    // Beta refuses every call: its breaker opens, as the page shows.
    sims[1]!.setProfile({ outage: true });
    const opened = page.locator(breakerRow('beta', 'open')).waitFor({ timeout: 10_000 });
    await drive(opened);
    expect(await row('beta').locator('.state').textContent()).toBe('open');
    expect(await row('alpha').getAttribute('data-state')).toBe('closed');
    mkdirSync(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: join(ARTIFACTS, 'dashboard-open.png'), fullPage: true });

    // Beta is back: the next probe succeeds and the breaker closes.
    sims[1]!.setProfile({ outage: false });
    const closed = page.locator(breakerRow('beta', 'closed')).waitFor({ timeout: 10_000 });
    await drive(closed);
    expect(await row('beta').locator('.state').textContent()).toBe('closed');
    // The charts are drawn by the page's script.
    expect(await page.locator('#latency-chart svg path.line.p99').count()).toBe(1);
    await page.screenshot({ path: join(ARTIFACTS, 'dashboard.png'), fullPage: true });

    expect(problems).toEqual([]);
  }, 60_000);
});
