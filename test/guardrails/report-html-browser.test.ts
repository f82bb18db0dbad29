import { existsSync, mkdirSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { type Browser, chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ComplianceReport } from '../../src/guardrails/compliance/model.js';
import { checkApp, newComplianceApp } from '../../src/guardrails/compliance/run.js';
import { writeReport } from '../../src/guardrails/report/write.js';

// Browser globals used inside page.evaluate callbacks (serialized and run in the page; the project has no DOM lib).
declare const document: { getElementById(id: string): unknown };
declare const location: { hash: string };
declare function getComputedStyle(element: unknown): { display: string };

/** Debian's chromium (`.ci/run` installs it): playwright-core drives it, nothing is downloaded. */
const CHROMIUM = '/usr/bin/chromium';
const FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--no-first-run',
  '--disable-sync',
];

let report: ComplianceReport;
let html: string;
let browser: Browser;

/** A small account with findings of both kinds: an exception (acknowledged, with a reason) and unacknowledged ones. */
beforeAll(async () => {
  const app = newComplianceApp({ outdir: mkdtempSync(join(tmpdir(), 'html-report-cdk-')) });
  const stack = new Stack(app, 'Archive', { env: { account: '200000000009', region: 'us-east-1' } });
  const key = new kms.Key(stack, 'Key', { enableKeyRotation: true, removalPolicy: RemovalPolicy.RETAIN });
  const bucket = new s3.Bucket(stack, 'Bucket', {
    encryption: s3.BucketEncryption.KMS,
    encryptionKey: key,
    versioned: true,
    enforceSSL: true,
    blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
  });
  Validations.of(bucket).acknowledge({
    id: 'AwsSolutions::AwsSolutions-S1',
    reason: 'Access logs go to the organization log archive (test fixture).',
  });
  report = await checkApp(app, { database: false });
  const dir = mkdtempSync(join(tmpdir(), 'html-report-'));
  writeReport(report, dir);
  html = join(dir, 'report.html');
  expect(existsSync(CHROMIUM), `${CHROMIUM} is missing: apt-get install -y chromium (.ci/run does)`).toBe(true);
  browser = await chromium.launch({ executablePath: CHROMIUM, args: FLAGS });
}, 300_000);

afterAll(async () => {
  await browser?.close();
});

describe('report.html in a real browser (Debian chromium, headless)', () => {
  it('renders with no console error and no request outside the file, and leaves a screenshot', async () => {
    const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
    const errors: string[] = [];
    const requests: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error' || m.type() === 'warning') errors.push(`${m.type()}: ${m.text()}`);
    });
    page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
    page.on('request', (r) => {
      if (!r.url().startsWith('file:')) requests.push(r.url());
    });
    await page.goto(pathToFileURL(html).href, { waitUntil: 'load' });
    mkdirSync('test-results', { recursive: true });
    const shot = await page.screenshot({ path: 'test-results/report-html.png', fullPage: false });
    expect(shot.subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
    expect(errors).toEqual([]);
    expect(requests).toEqual([]);
    expect(await page.title()).toBe('PanOps compliance report');
    await page.close();
  });

  it('shows the outcome per guardrail and per account as inline SVG charts, one bar per guardrail', async () => {
    const page = await browser.newPage();
    await page.goto(pathToFileURL(html).href);
    const charts = await page.$$eval('figure.chart svg', (svgs) => svgs.map((s) => s.getAttribute('aria-label')));
    expect(charts).toEqual(['Outcome per guardrail', 'Outcome per account']);
    const bars = await page.$$eval('figure.chart:first-of-type svg a', (links) =>
      links.map((a) => a.getAttribute('href')),
    );
    expect(bars).toEqual(report.guardrails.map((g) => `#guardrail-${g.id}`));
    // The failed segment of a guardrail with failures is drawn (red), its count in the tooltip.
    const failing = report.guardrails.find((g) => g.totals.failed > 0);
    expect(failing).toBeDefined();
    const tooltips = await page.$$eval('figure.chart rect title', (ts) => ts.map((t) => t.textContent));
    expect(tooltips).toContain(`${failing?.id}: ${failing?.totals.failed} failed`);
    await page.close();
  });

  it('goes from a guardrail to its resources and exceptions and back, and every link lands on something', async () => {
    const page = await browser.newPage();
    await page.goto(pathToFileURL(html).href);
    const dangling = await page.$$eval('a[href^="#"]', (links) =>
      links.map((a) => a.getAttribute('href') ?? '').filter((h) => !document.getElementById(h.slice(1))),
    );
    expect(dangling).toEqual([]);

    const exception = report.findings.find((f) => f.status === 'acknowledged');
    expect(exception?.ruleId).toBe('AwsSolutions-S1');
    const guardrail = exception?.guardrails[0] ?? '';
    // Guardrails table → the guardrail's section.
    await page.click(`#guardrails ~ table a[href="#guardrail-${guardrail}"]`);
    expect(await page.evaluate(() => location.hash)).toBe(`#guardrail-${guardrail}`);
    // Its resources table → the exception's row, which names the reason.
    const target = `#finding-${report.findings.indexOf(exception as (typeof report.findings)[number])}`;
    const rowLink = page.locator(`a[href="${target}"]`);
    expect(await rowLink.innerText()).toBe(exception?.constructPath);
    await rowLink.click();
    expect(await page.evaluate(() => location.hash)).toBe(target);
    const row = page.locator(target).locator('xpath=..');
    expect(await row.innerText()).toContain('Access logs go to the organization log archive');
    // ...and back to the guardrail from the exception's row.
    await row.locator(`a[href="#guardrail-${guardrail}"]`).click();
    expect(await page.evaluate(() => location.hash)).toBe(`#guardrail-${guardrail}`);
    await page.close();
  });

  it('prints cleanly: navigation hidden, charts kept, a PDF of several pages', async () => {
    const page = await browser.newPage();
    await page.goto(pathToFileURL(html).href);
    await page.emulateMedia({ media: 'print' });
    expect(await page.$eval('nav', (n) => getComputedStyle(n).display)).toBe('none');
    expect(await page.$eval('figure.chart', (f) => getComputedStyle(f).display)).not.toBe('none');
    const pdf = await page.pdf({ format: 'A4', printBackground: true });
    expect(pdf.subarray(0, 5).toString()).toBe('%PDF-');
    expect((pdf.toString('latin1').match(/\/Type\s*\/Page[^s]/g) ?? []).length).toBeGreaterThan(1);
    await page.close();
  });

  it('the written HTML is self-contained: no script, no external stylesheet, image or font', () => {
    const text = readFileSync(html, 'utf8');
    expect(text).not.toMatch(/<script|<link |src="http|url\(http/);
  });
});
