// The floor page's Calibration tab in Debian's chromium (playwright-core),
// started by calibration_view_test.cpp with a calibrated store: its staff see
// every zone's samples, the confusion table and the pair too similar to tell
// apart; staff of another store get nothing. SCREENSHOTS_DIR=<dir> also saves
// calibration.png there.
import { chromium } from 'playwright-core';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import path from 'node:path';

const env = process.env;
const base = env.FLOOR_URL;
const chromiumPath = env.CHROMIUM || '/usr/bin/chromium';
const step = (what) => console.log(`calibration_view: ${what}`);

step('the report route is for the store\'s staff only');
const route = `/v1/stores/${env.STORE}/calibration`;
assert.equal((await fetch(base + route, { headers: { Authorization: 'Bearer ' + env.OTHER_STAFF_TOKEN } })).status, 403);
assert.equal((await fetch(base + route)).status, 401);

const browser = await chromium.launch({ executablePath: chromiumPath, args: ['--no-sandbox'] });
try {
  const context = await browser.newContext({ ignoreHTTPSErrors: true, viewport: { width: 390, height: 844 }, deviceScaleFactor: 2 });
  const page = await context.newPage();
  page.on('pageerror', (error) => console.log('calibration_view: page error:', error.message));
  await page.goto(`${base}/floor/#token=${env.STAFF_TOKEN}`);
  await page.waitForSelector('#live-status.live');

  step('the owner opens the Calibration tab');
  await page.click('[data-tab="calibration"]');
  await page.waitForSelector('#calibration-figures:not([hidden])');
  assert.equal(await page.isHidden('#floor-view'), true);
  assert.match(await page.textContent('#calibration-summary'), /^24 samples;/);
  const samples = await page.$$eval('#calibration-zones tbody tr', (rows) =>
    Object.fromEntries(rows.map((r) => [r.dataset.zoneId, r.children[1].textContent])));
  assert.deepEqual(samples, { entrance: '0', 'table-1': '8', 'table-2': '8', 'table-3': '8' });
  assert.equal(await page.textContent('#calibration-zones tr[data-zone-id="table-1"] td:nth-child(3)'), '100 %');

  step('tables 2 and 3 are named as too similar, and the confusion table shows why');
  assert.equal(await page.locator('#calibration-confusable li[data-pair="table-2/table-3"]').count(), 1);
  assert.match(await page.textContent('#calibration-confusable'), /Table 2 and Table 3/);
  assert.equal(await page.locator('#calibration-confusion tbody tr').count(), 3, 'a row per calibrated zone');
  assert.equal(await page.locator('#calibration-confusion thead th').count(), 5, 'a column per zone');
  if (env.SCREENSHOTS_DIR) {
    mkdirSync(env.SCREENSHOTS_DIR, { recursive: true });
    await page.screenshot({ path: path.join(env.SCREENSHOTS_DIR, 'calibration.png'), fullPage: true });
  }

  step('back to the floor');
  await page.click('[data-tab="floor"]');
  assert.equal(await page.isHidden('#calibration-view'), true);
  assert.equal(await page.isVisible('#floor-view'), true);
} finally {
  await browser.close();
}
step('ok');
