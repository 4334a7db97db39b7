import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Chalk } from 'chalk';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveConfig } from '../src/audit/config.js';
import { runAudit } from '../src/audit/engine.js';
import { registry } from '../src/audit/registry.js';
import type { Report } from '../src/audit/report.js';
import { htmlReporter } from '../src/audit/reporters/html.js';
import { hostile, hostileFinding, makeFinding, makeReport } from './support/html-report-factory.js';

const chromiumPath = '/usr/bin/chromium';
const repoRoot = join(import.meta.dirname, '..');
const sample = join(repoRoot, 'examples', 'sample-saas');
const screenshot = join(repoRoot, 'docs', 'report-screenshot.png');
const launchArgs = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

// In CI a missing browser is a broken environment and must fail loudly; on a laptop it only skips, with a warning.
const haveChromium = existsSync(chromiumPath);
const skip = !haveChromium && !process.env.CI;
if (skip) console.warn(`\n⚠ html-e2e skipped: ${chromiumPath} not found. Install it (apt-get install -y chromium, as .ci/run does) to run it.\n`);

interface PageProblems {
  errors: string[];
  requests: string[];
}

/** Opens a page that records console errors, uncaught exceptions, dialogs and every request it makes. */
async function openPage(browser: Browser): Promise<{ page: Page; problems: PageProblems }> {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  const problems: PageProblems = { errors: [], requests: [] };
  page.on('console', (msg) => {
    if (msg.type() === 'error') problems.errors.push(`console: ${msg.text()}`);
  });
  page.on('pageerror', (error) => problems.errors.push(`pageerror: ${error.message}`));
  page.on('dialog', (dialog) => {
    problems.errors.push(`dialog: ${dialog.message()}`);
    void dialog.dismiss();
  });
  page.on('request', (request) => problems.requests.push(request.url()));
  return { page, problems };
}

describe.skipIf(skip)('html report in headless Chromium', () => {
  let browser: Browser;
  let dir: string;

  beforeAll(async () => {
    if (!haveChromium) {
      throw new Error(`Chromium not found at ${chromiumPath}. The HTML end-to-end test needs it; .ci/run installs it (apt-get install -y chromium).`);
    }
    browser = await chromium.launch({ executablePath: chromiumPath, headless: true, args: launchArgs });
    dir = await mkdtemp(join(tmpdir(), 'prodgrade-html-'));
  });

  afterAll(async () => {
    await browser?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  async function show(report: Report, name: string): Promise<{ page: Page; problems: PageProblems; url: string }> {
    const file = join(dir, name);
    await writeFile(file, htmlReporter(report, { chalk: new Chalk({ level: 0 }), verbose: false }));
    const url = pathToFileURL(file).href;
    const opened = await openPage(browser);
    await opened.page.goto(url, { waitUntil: 'load' });
    return { ...opened, url };
  }

  it('renders the audit of examples/sample-saas without errors, offline, with score, findings and chart', async () => {
    const report = await runAudit({ root: sample, config: resolveConfig(undefined, undefined, registry), cache: false, workers: 0 });
    // a high-severity finding: the top risks list leads with those
    const finding = report.findings.find((f) => !f.internal && (f.severity === 'critical' || f.severity === 'high'));
    expect(finding, 'the sample repository is built to have high-severity findings').toBeDefined();
    expect(report.summary.score).not.toBeNull();

    const { page, problems, url } = await show(report, 'sample-saas.html');
    expect(problems.errors).toEqual([]);
    expect(problems.requests, 'the page must load nothing but itself').toEqual([url]);

    await expect.poll(() => page.title()).toContain('sample-saas');
    const badge = page.locator('#overall-score');
    expect(await badge.isVisible()).toBe(true);
    expect(await badge.innerText()).toContain(String(report.summary.score));
    expect(await badge.innerText()).toContain(`Grade ${report.summary.grade}`);

    const message = page.locator('#findings .finding .msg', { hasText: finding!.message.slice(0, 60) }).first();
    expect(await message.isVisible()).toBe(true);
    expect(await page.locator('#risks').innerText()).toContain(finding!.message.slice(0, 60));

    const chart = page.locator('svg#section-chart');
    expect(await chart.isVisible()).toBe(true);
    expect(await chart.locator('g[data-section]').count()).toBe(8);
    const box = await chart.boundingBox();
    expect(box!.width).toBeGreaterThan(400);
    expect(await page.locator('#section-table tbody tr').count()).toBe(8);
    expect(await page.locator('#not-assessed-table').isVisible()).toBe(true);

    // Print layout drops the navigation and keeps the content.
    await page.emulateMedia({ media: 'print' });
    expect(await page.locator('nav.toc').isVisible()).toBe(false);
    expect(await badge.isVisible()).toBe(true);
    await page.emulateMedia({ media: 'screen' });

    if (process.env.UPDATE_SCREENSHOT === '1') {
      await mkdir(join(repoRoot, 'docs'), { recursive: true });
      // Down to the end of the findings: the long not-assessed table below adds height, not information, to a picture.
      const findingsBox = (await page.locator('#findings').boundingBox())!;
      await page.screenshot({ path: screenshot, fullPage: true, clip: { x: 0, y: 0, width: 1280, height: Math.ceil(findingsBox.y + findingsBox.height + 24) } });
    }
    expect(problems.errors).toEqual([]);
    await page.close();
  });

  it('shows hostile report text as text: no script runs, no markup is injected', async () => {
    const report = makeReport({ findings: [hostileFinding(), makeFinding()], overrides: { root: `/tmp/${hostile.script}` } });
    const { page, problems } = await show(report, 'hostile.html');
    expect(problems.errors).toEqual([]);
    // Expressions as strings: the test project is typed without the DOM library.
    expect(await page.evaluate('typeof window.__pwned')).toBe('undefined');
    expect(await page.evaluate('document.scripts.length')).toBe(1);
    expect(await page.evaluate("document.querySelectorAll('img, style:not(head > style), [onmouseover], [onerror]').length")).toBe(0);
    expect(await page.locator('body').isVisible()).toBe(true);
    const frame = page.locator('#findings pre.code').first();
    expect(await frame.innerText()).toContain(hostile.style);
    expect(await frame.innerText()).toContain(hostile.script);
    expect(await page.locator('#risks').innerText()).toContain(hostile.image);
    await page.close();
  });
});
