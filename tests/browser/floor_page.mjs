// Drives the staff floor page in Debian's chromium (playwright-core) against
// a running server; started by floor_page_test.cpp, which passes the server's
// address, tokens and table QR payloads in the environment. Exits non-zero on
// the first failed check. SCREENSHOTS_DIR=<dir> also saves floor.png and
// analytics.png there (the README's pictures).
import { chromium } from 'playwright-core';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import path from 'node:path';

const env = process.env;
const base = env.FLOOR_URL;
const chromiumPath = env.CHROMIUM || '/usr/bin/chromium';
let requestNo = 0;

async function call(method, route, token, body, server = base) {
  const response = await fetch(server + route, {
    method,
    headers: { Authorization: 'Bearer ' + token, 'Content-Type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, text, json: () => JSON.parse(text) };
}

async function seat(customerToken, table, server = base) {
  const answer = await call('POST', '/v1/identify', customerToken, {
    requestId: `floor-page-${process.pid}-${++requestNo}`,
    tableQr: env[`QR_TABLE_${table}`],
  }, server);
  assert.equal(answer.status, 200, answer.text);
  assert.equal(answer.json().location.zoneId, `table-${table}`);
}

function percentile(sorted, p) {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

const step = (what) => console.log(`floor_page: ${what}`);

const browser = await chromium.launch({ executablePath: chromiumPath, args: ['--no-sandbox'] });
try {
  // A phone's screen: staff carry phones.
  const context = await browser.newContext({
    ignoreHTTPSErrors: true, // the dev CA; node's own calls check it (NODE_EXTRA_CA_CERTS)
    viewport: { width: 390, height: 844 },
    deviceScaleFactor: 2,
    timezoneId: 'UTC',
  });
  const rivalPage = await context.newPage();

  step('staff of another store are refused, by the page and by every data route');
  await rivalPage.goto(`${base}/floor/#token=${env.OTHER_STAFF_TOKEN}&store=demo-bistro`);
  await rivalPage.waitForFunction(() => document.getElementById('sign-in-error').textContent.length > 0);
  assert.match(await rivalPage.textContent('#sign-in-error'), /staff may read only their own store/);
  await rivalPage.close();
  for (const route of ['/v1/stores/demo-bistro/floor', '/v1/stores/demo-bistro/floor/events',
    '/v1/stores/demo-bistro/analytics?fromDate=2026-01-01', '/v1/stores/demo-bistro/analytics.csv?fromDate=2026-01-01']) {
    assert.equal((await call('GET', route, env.OTHER_STAFF_TOKEN)).status, 403, route);
    assert.equal((await call('GET', route, env.ALICE_TOKEN)).status, 403, route + ' (customer)');
    assert.equal((await fetch(base + route)).status, 401, route + ' (no token)');
  }

  step('staff of the demo store sign in through the redirect and see the floor');
  const page = await context.newPage();
  page.on('pageerror', (error) => console.log('floor_page: page error:', error.message));
  await page.goto(`${base}/floor/#token=${env.STAFF_TOKEN}`);
  await page.waitForSelector('#live-status.live');
  assert.equal(new URL(page.url()).hash, '', 'the token is wiped from the address bar');
  assert.equal(await page.locator('#floor-map [data-zone-id]').count(), 5);

  step('a customer appears at their table within 1 s of the Identify');
  const inZone = (customerId, zoneId, since) =>
    page.waitForFunction(
      ([c, z, t]) => window.__floor.drawn.some((d) => d.customerId === c && d.zoneId === z && d.at >= t),
      [customerId, zoneId, since], { timeout: 1000 });
  let started = Date.now();
  await seat(env.ALICE_TOKEN, 3);
  await inZone(env.ALICE, 'table-3', started);
  await page.waitForSelector(`#floor-map [data-zone-id="table-3"] [data-customer-id="${env.ALICE}"]`);
  assert.match(await page.textContent(`#present [data-customer-id="${env.ALICE}"]`), /Alice Martin · Table 3/);
  started = Date.now();
  await seat(env.BOB_TOKEN, 1);
  await inZone(env.BOB, 'table-1', started);

  step('a guest heard by the entrance beacon appears at the entrance');
  started = Date.now();
  const entered = await call('POST', '/v1/identify', env.CARA_TOKEN, {
    requestId: `floor-page-${process.pid}-${++requestNo}`,
    beacons: { sightings: [{ uuid: 'f7826da6-4fa2-4e98-8024-bc5b71e0893e', major: 100, minor: 0, rssi: -50 }] },
  });
  assert.equal(entered.status, 200, entered.text);
  await inZone(env.CARA, 'entrance', started);
  assert.match(await page.textContent(`#present [data-customer-id="${env.CARA}"]`), /Guest · Entrance/);

  // The page is on the first instance; the moves are identified by it, then
  // by another instance on the same ledger (as behind a load balancer).
  for (const [where, server] of [['the same instance', base], ['another instance', env.OTHER_INSTANCE_URL || base]]) {
    step(`50 moves identified by ${where}, each on the page within 1 s`);
    const delays = [];
    for (let move = 0; move < 50; move++) {
      const table = [1, 2, 4, 3][move % 4];
      started = Date.now();
      await seat(env.ALICE_TOKEN, table, server);
      await inZone(env.ALICE, `table-${table}`, started);
      const drawn = await page.evaluate(([c, z, t]) => window.__floor.drawn.find((d) => d.customerId === c && d.zoneId === z && d.at >= t).at,
        [env.ALICE, `table-${table}`, started]);
      delays.push(drawn - started);
    }
    delays.sort((a, b) => a - b);
    console.log(`floor_page: Identify (${where}) -> page over ${delays.length} moves: p50 ${percentile(delays, 50)} ms, p99 ${percentile(delays, 99)} ms, max ${delays.at(-1)} ms`);
  }
  assert.ok(await page.locator(`#timeline li[data-kind="moved"]`).count() > 0, 'moves are on the timeline');

  step('no phone or e-mail anywhere on the page or in its data');
  const floorData = (await call('GET', '/v1/stores/demo-bistro/floor', env.STAFF_TOKEN)).text;
  for (const secret of [env.PHONE, env.EMAIL]) {
    assert.ok(!(await page.content()).includes(secret), 'page shows ' + secret);
    assert.ok(!floorData.includes(secret), 'floor data carries ' + secret);
  }
  if (env.SCREENSHOTS_DIR) {
    mkdirSync(env.SCREENSHOTS_DIR, { recursive: true });
    await page.screenshot({ path: path.join(env.SCREENSHOTS_DIR, 'floor.png') });
  }

  step("the analytics page's numbers are the ledger's");
  await page.click('[data-tab="analytics"]');
  await page.waitForSelector('#analytics-figures:not([hidden])');
  const today = new Date().toISOString().slice(0, 10);
  const visits = [];
  for (const customer of [env.ALICE, env.BOB, env.CARA]) {
    const listed = await call('GET', `/v1/customers/${customer}/visits`, env.ADMIN_TOKEN);
    assert.equal(listed.status, 200, listed.text);
    visits.push(...(listed.json().visits || []).filter((v) => v.enteredAt.startsWith(today)));
  }
  assert.equal(await page.textContent('#a-visits'), String(visits.length));
  assert.equal(await page.textContent('#a-new'), '3');
  assert.equal(await page.textContent('#a-returning'), '0');
  const figures = (await call('GET', `/v1/stores/demo-bistro/analytics?fromDate=${today}`, env.STAFF_TOKEN)).json();
  assert.equal(figures.visits, visits.length);
  assert.equal(figures.visitsPerHour.reduce((a, b) => a + b, 0), visits.length);
  // Every table a ledger visit sat at has a sitting, and only those.
  const satAt = new Set(visits.flatMap((v) => v.zones.map((z) => z.zoneId)).filter((z) => z.startsWith('table-')));
  for (const table of figures.tables) {
    assert.equal(table.sittings > 0, satAt.has(table.zoneId), `sittings of ${table.zoneId}`);
    // Sittings are fixed once made; occupancy grows while customers sit
    // (the open time with it), so only its range is compared.
    const cells = page.locator(`#tables tr[data-zone-id="${table.zoneId}"] td`);
    assert.equal(await cells.nth(2).textContent(), String(table.sittings), `sittings of ${table.zoneId} on the page`);
    const shown = Number((await cells.nth(1).textContent()).split(' ')[0]);
    assert.ok(shown >= 0 && shown <= 100 && (shown > 0) === satAt.has(table.zoneId), `occupancy of ${table.zoneId}: ${shown}`);
    assert.ok(table.sittings === 0 || table.occupancy > 0, `occupancy of ${table.zoneId}`);
  }
  const csv = await call('GET', `/v1/stores/demo-bistro/analytics.csv?fromDate=${today}`, env.STAFF_TOKEN);
  assert.equal(csv.status, 200);
  assert.ok(csv.text.includes(`visits,total,${visits.length}\n`), csv.text);
  const badDate = await call('GET', '/v1/stores/demo-bistro/analytics?fromDate=yesterday', env.STAFF_TOKEN);
  assert.equal(badDate.status, 400);
  assert.match(badDate.text, /from_date/);
  for (const secret of [env.PHONE, env.EMAIL]) assert.ok(!(await page.content()).includes(secret));
  if (env.SCREENSHOTS_DIR) {
    await page.screenshot({ path: path.join(env.SCREENSHOTS_DIR, 'analytics.png'), fullPage: true });
  }
  console.log('floor_page: all checks passed');
} finally {
  await browser.close();
}
