/**
 * The web console in Debian's Chromium (issue 6 must-show): first-run setup, sign-in with password
 * and TOTP, an alert arriving live, acknowledge it, approve a recommendation, find both in the
 * event log; a screenshot of every page in test-output/screenshots/. And the plant overview stays
 * responsive with 10 000 machines.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { totp } from '../../src/auth/index.js';
import type { ScoredTick } from '../../src/domain/index.js';
import { registerConsole } from '../../src/web/index.js';
import { highEnergy, PASSWORD, startHarness, type Harness } from '../integration/api-support.js';

const SHOTS = join(process.cwd(), 'test-output', 'screenshots');

function findChromium(): string | undefined {
  if (process.env.PLANTWATCH_CHROMIUM) return process.env.PLANTWATCH_CHROMIUM;
  const r = spawnSync('sh', ['-c', 'command -v chromium || command -v chromium-browser'], { encoding: 'utf8' });
  return r.status === 0 && r.stdout.trim() ? r.stdout.trim().split('\n')[0] : undefined;
}

const executablePath = findChromium();
if (!executablePath) {
  if (process.env.PLANTWATCH_REQUIRE_SERVICES) throw new Error('Chromium is required (PLANTWATCH_REQUIRE_SERVICES is set) but neither PLANTWATCH_CHROMIUM nor `chromium` is available: apt-get install -y chromium');
  console.warn('[skip] browser tests: no Chromium (set PLANTWATCH_CHROMIUM or apt-get install -y chromium)');
}

let browser: Browser;
beforeAll(async () => {
  if (!executablePath) return;
  mkdirSync(SHOTS, { recursive: true });
  browser = await chromium.launch({ executablePath, args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-dev-shm-usage'] });
}, 60_000);
afterAll(async () => {
  await browser?.close();
});

async function serve(machineCount = 12): Promise<{ h: Harness; url: string }> {
  const h = await startHarness({ console: registerConsole }, machineCount);
  await h.app.listen({ host: '127.0.0.1', port: 0 });
  const address = h.app.server.address() as { port: number };
  return { h, url: `http://127.0.0.1:${address.port}` };
}

const shot = (page: Page, name: string) => page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });

describe.skipIf(!executablePath)('web console in Chromium', () => {
  it('setup -> sign in with password + TOTP -> live alert -> acknowledge -> approve -> event log', async () => {
    const { h, url } = await serve();
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    try {
      await page.goto(url);
      // First run: create the admin, enrol TOTP with the shown secret.
      await page.fill('#setup-form input[name=username]', 'admin');
      await page.fill('#setup-form input[name=password]', PASSWORD);
      await shot(page, '01-setup');
      await page.click('#setup-form button[type=submit]');
      const secret = (await page.textContent('#totp-secret'))!.trim();
      await page.fill('#setup-totp-form input[name=code]', totp(secret, Date.now()));
      await page.click('#setup-totp-form button[type=submit]');
      await expect.poll(async () => ((await page.textContent('#recovery-codes')) ?? '').split('\n').length).toBe(10);
      await page.click('#to-login');

      // Sign in: password, then a TOTP code (the next step's: the enrolment code cannot be replayed).
      await page.fill('#login-form input[name=username]', 'admin');
      await page.fill('#login-form input[name=password]', PASSWORD);
      await shot(page, '02-sign-in');
      await page.click('#login-form button[type=submit]');
      await page.waitForSelector('#totp-form');
      await page.fill('#totp-form input[name=code]', totp(secret, Date.now() + 30_000));
      await page.click('#totp-form button[type=submit]');
      await page.waitForSelector('#alerts-table');
      await expect.poll(() => page.getAttribute('#live', 'class')).toContain('on');

      // An alert arrives live (SSE), with its urgency colour.
      const event = highEnergy(h.plant, 0);
      await h.responder.onAnomaly(event);
      await h.responder.idle();
      const row = page.locator(`#alerts-body tr[data-alert-id]`);
      await row.first().waitFor();
      expect(await row.first().getAttribute('class')).toMatch(/urgency-(low|medium|high|critical)/);
      expect(await row.first().textContent()).toContain(event.machineId);
      expect(await page.textContent('#alert-count')).toBe('1');
      await shot(page, '03-instant-alerts');

      // Acknowledge with a comment.
      await row.first().locator('input.ack-comment').fill('checked the drive, load is high');
      await row.first().locator('button.ack').click();
      await expect.poll(() => row.first().locator('td.state').textContent()).toBe('active_acknowledged');

      // Approve the recommended action.
      await page.click('a[data-page=actions]');
      const rec = page.locator('#recommendations-table tr[data-action-id]');
      await rec.first().waitFor();
      await shot(page, '04-automatic-actions');
      await rec.first().locator('button.approve').click();
      await expect.poll(() => rec.count()).toBe(0);
      await expect.poll(async () => (await page.textContent('#actions-table')) ?? '').toMatch(/reduce_load[\s\S]*admin/);

      // Both in the event log: search by machine, open the history.
      await page.click('a[data-page=events]');
      await page.fill('#event-filters input[name=machineId]', event.machineId);
      await page.click('#event-filters button[type=submit]');
      const logRow = page.locator('#events-body tr[data-alert-id]');
      await expect.poll(() => logRow.count()).toBe(1);
      expect(await logRow.first().locator('td.comment').textContent()).toBe('checked the drive, load is high');
      await logRow.first().click();
      await page.waitForSelector('#history-body tr');
      const history = (await page.textContent('#history'))!;
      expect(history).toContain('acknowledge');
      expect(history).toContain('checked the drive, load is high');
      expect(history).toMatch(/recommended reduce_load: \w+ \(by admin\)/);
      await shot(page, '05-event-log');

      // The remaining pages, with data: live ticks for the machine, a registered model.
      const base = Date.now() - 300_000;
      for (let i = 0; i < 60; i++) {
        const anomalous = i > 50;
        const tick: ScoredTick = {
          machineId: event.machineId,
          tsMs: base + i * 5000,
          sensors: { current: { actual: 30 + Math.sin(i / 5) * 2 + (anomalous ? 8 : 0), predicted: 30 + Math.sin(i / 5) * 2, score: anomalous ? 1.4 : 0.2, threshold: 1 }, temperature: { actual: 60 + i * 0.1, predicted: 60 + i * 0.1 - 0.3, score: 0.1, threshold: 1 } },
          score: anomalous ? 1.4 : 0.2,
          anomalous,
          scoredAtMs: base + i * 5000 + 3,
        };
        h.app.liveFeed.pushTick(tick);
      }
      await h.store.modelRegistry().saveModel({
        machineType: 'assembly', preset: 'small', engine: 'native', dataFromMs: base - 86_400_000, dataToMs: base, artifact: '{}', path: null, createdAtMs: base,
        metrics: { f1: 0.81, auc: 0.9, baselines: { 'isolation-forest': { f1: 0.62 }, 'static-threshold': { f1: 0.41 } }, roc: { fpr: [0, 0.1, 0.3, 1], tpr: [0, 0.7, 0.9, 1] }, pr: { recall: [0, 0.5, 0.9, 1], precision: [1, 0.9, 0.7, 0.4] } },
      });
      await page.click('a[data-page=plant]');
      await page.waitForSelector('#machine-list .row');
      await shot(page, '06-plant');
      await page.goto(`${url}/#/machine/${event.machineId}`);
      await page.waitForSelector('#machine-charts canvas');
      expect(await page.locator('#machine-charts .uplot').count()).toBe(3);
      await shot(page, '07-machine-detail');
      await page.click('a[data-page=models]');
      await page.waitForSelector('#model-curves canvas');
      expect(await page.textContent('#model-comparison')).toContain('isolation-forest');
      await shot(page, '08-models');
      await page.click('a[data-page=figures]');
      await page.waitForSelector('#kpi-alerts canvas');
      expect(await page.textContent('#kpi-plant')).toMatch(/energyKwh[\s\S]*co2FromEnergyKg/);
      await shot(page, '09-figures');
      await page.click('a[data-page=account]');
      await shot(page, '10-account');
      expect(errors).toEqual([]);
    } finally {
      await page.close();
      await h.close();
    }
  }, 60_000);

  it('keeps the plant overview responsive with 10 000 machines', async () => {
    const { h, url } = await serve(10_000);
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    try {
      await h.auth.createUser({ username: 'vera', password: PASSWORD, role: 'viewer' }, 'test');
      // Some machines in alarm so the list has states to show.
      for (let i = 0; i < 20; i++) await h.responder.onAnomaly(highEnergy(h.plant, i * 400));
      await h.responder.idle();
      await page.goto(url);
      await page.fill('#login-form input[name=username]', 'vera');
      await page.fill('#login-form input[name=password]', PASSWORD);
      await page.click('#login-form button[type=submit]');
      await page.waitForSelector('#alerts-table');
      const started = Date.now();
      await page.click('a[data-page=plant]');
      await page.waitForSelector('#machine-list .row');
      const renderMs = Date.now() - started;
      // Only the visible rows are in the DOM, whatever the plant size.
      expect(await page.locator('#machine-list .row').count()).toBeLessThan(40);
      expect(await page.textContent('h1')).toContain('10000 machines');
      const scrollStarted = Date.now();
      await page.evaluate(() => {
        // Runs in the page (no DOM types in this Node project).
        const list = (globalThis as unknown as { document: { getElementById(id: string): { scrollTop: number; scrollHeight: number; dispatchEvent(e: Event): void } } }).document.getElementById('machine-list');
        list.scrollTop = list.scrollHeight / 2;
        list.dispatchEvent(new Event('scroll'));
      });
      await expect.poll(() => page.locator('#machine-list .row').first().textContent()).not.toContain('asm-001');
      const scrollMs = Date.now() - scrollStarted;
      await page.fill('#machine-filter', 'wld-00');
      await expect.poll(() => page.locator('#machine-list .row').count()).toBeLessThan(40);
      await shot(page, '11-plant-10000');
      console.log(`plant overview, 10 000 machines: first render ${renderMs} ms, scroll to middle ${scrollMs} ms`);
      // Generous bounds for a 2-core CI machine; a non-virtualised list of 10 000 rows takes seconds.
      expect(renderMs).toBeLessThan(5000);
      expect(scrollMs).toBeLessThan(2000);
    } finally {
      await page.close();
      await h.close();
    }
  }, 60_000);
});
