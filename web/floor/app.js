// The staff floor page: who is where now (server-sent events from the
// server's own commits) and the ledger's analytics. No data is kept beyond
// the tab: the token lives in sessionStorage and is sent as a Bearer header.
'use strict';

const SVG = 'http://www.w3.org/2000/svg';
const state = { token: '', storeId: '', zones: [], customers: new Map(), timeline: [] };
// For the browser test: when each change was drawn (Date.now()).
window.__floor = { drawn: [] };

const $ = (id) => document.getElementById(id);

function claims(token) {
  try {
    const part = token.split('.')[1].replace(/-/g, '+').replace(/_/g, '/');
    return JSON.parse(atob(part + '='.repeat((4 - (part.length % 4)) % 4)));
  } catch (e) {
    return null;
  }
}

async function api(path) {
  const response = await fetch(path, { headers: { Authorization: 'Bearer ' + state.token } });
  if (!response.ok) {
    let message = response.status + ' ' + response.statusText;
    try {
      const body = await response.json();
      message = body.message || message;
    } catch (e) { /* not JSON */ }
    const error = new Error(message);
    error.status = response.status;
    throw error;
  }
  return response;
}

// ---- sign-in: a token from the platform's redirect (#token=...) or pasted

function signIn(token, storeId) {
  const claim = claims(token);
  if (!claim) return 'That is not a token.';
  if (claim.role !== 'staff' && claim.role !== 'admin') return 'This page needs a staff token.';
  // The server decides who sees what: staff asking for another store than
  // their token's are refused there.
  const store = storeId || claim.store_id;
  if (!store) return 'An admin token needs a store.';
  state.token = token;
  state.storeId = store;
  sessionStorage.setItem('floor.token', token);
  sessionStorage.setItem('floor.store', store);
  $('sign-in').hidden = true;
  $('tabs').hidden = false;
  showTab('floor');
  connect();
  return '';
}

function signOut(message) {
  sessionStorage.clear();
  location.hash = '';
  location.reload();
  if (message) alert(message);
}

// ---- the floor

function autoLayout(zones) {
  // Zones without a place on the plan: tables in rows of four, the entrance
  // below them, each 1.4 m square, 0.6 m apart.
  const tables = zones.filter((z) => !z.layout && z.kind === 'TABLE');
  const placed = zones.filter((z) => z.layout);
  const top = placed.reduce((m, z) => Math.max(m, z.layout.y + z.layout.height), 0) + (placed.length ? 0.6 : 0.5);
  tables.forEach((z, i) => {
    z.layout = { x: 0.5 + (i % 4) * 2, y: top + Math.floor(i / 4) * 2, width: 1.4, height: 1.4 };
  });
  const bottom = zones.reduce((m, z) => (z.layout ? Math.max(m, z.layout.y + z.layout.height) : m), 0);
  zones.filter((z) => !z.layout).forEach((z, i) => {
    z.layout = { x: 0.5 + i * 2.6, y: bottom + 0.8, width: 2, height: 0.8 };
  });
}

function el(name, attrs, text) {
  const node = document.createElementNS(SVG, name);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
  if (text !== undefined) node.textContent = text;
  return node;
}

function since(iso) {
  const seconds = Math.max(0, Math.floor((Date.now() - Date.parse(iso)) / 1000));
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = seconds % 60;
  return h ? `${h} h ${String(m).padStart(2, '0')} min` : `${m}:${String(s).padStart(2, '0')}`;
}

function nameOf(customer) {
  return customer.displayName || 'Guest';
}

function confidenceOf(customer) {
  return customer.confidence === undefined ? '—' : Math.round(customer.confidence * 100) + ' %';
}

function drawMap() {
  const map = $('floor-map');
  map.replaceChildren();
  let width = 0;
  let height = 0;
  for (const z of state.zones) {
    width = Math.max(width, z.layout.x + z.layout.width);
    height = Math.max(height, z.layout.y + z.layout.height);
  }
  map.setAttribute('viewBox', `0 0 ${width + 0.5} ${height + 0.5}`);
  for (const z of state.zones) {
    const g = el('g', { class: 'zone ' + z.kind.toLowerCase(), 'data-zone-id': z.zoneId });
    g.append(el('rect', { x: z.layout.x, y: z.layout.y, width: z.layout.width, height: z.layout.height, rx: 0.1 }));
    g.append(el('text', { class: 'label', x: z.layout.x + 0.08, y: z.layout.y + 0.3 }, z.label || z.zoneId));
    const here = [...state.customers.values()].filter((c) => c.zoneId === z.zoneId);
    here.forEach((c, i) => {
      const row = Math.floor(i / 2);
      const x = z.layout.x + 0.2 + (i % 2) * (z.layout.width / 2);
      const y = z.layout.y + 0.55 + row * 0.32;
      const guest = el('g', { class: 'guest', 'data-customer-id': c.customerId });
      guest.append(el('circle', { cx: x, cy: y - 0.07, r: 0.08 }));
      guest.append(el('text', { x: x + 0.12, y }, nameOf(c)));
      g.append(guest);
    });
    map.append(g);
  }
}

function drawList() {
  const list = $('present');
  const zoneLabel = new Map(state.zones.map((z) => [z.zoneId, z.label || z.zoneId]));
  const rows = [...state.customers.values()].sort((a, b) => (a.zoneId + a.customerId).localeCompare(b.zoneId + b.customerId));
  list.replaceChildren(...rows.map((c) => {
    const li = document.createElement('li');
    li.dataset.customerId = c.customerId;
    li.dataset.zoneId = c.zoneId;
    const who = document.createElement('span');
    who.textContent = `${nameOf(c)} · ${zoneLabel.get(c.zoneId) || c.zoneId}`;
    const meta = document.createElement('span');
    meta.className = 'meta';
    meta.dataset.since = c.since;
    meta.textContent = `${since(c.since)} · ${confidenceOf(c)}`;
    li.append(who, meta);
    return li;
  }));
  if (!rows.length) {
    const li = document.createElement('li');
    li.textContent = 'Nobody yet.';
    list.append(li);
  }
}

function drawTimeline() {
  const zoneLabel = new Map(state.zones.map((z) => [z.zoneId, z.label || z.zoneId]));
  const words = { arrived: 'arrived at', seated: 'sat at', moved: 'moved to', left: 'left from' };
  $('timeline').replaceChildren(...state.timeline.map((t) => {
    const li = document.createElement('li');
    li.dataset.kind = t.kind;
    const what = document.createElement('span');
    what.textContent = `${nameOf(t.customer)} ${words[t.kind] || t.kind} ${zoneLabel.get(t.customer.zoneId) || t.customer.zoneId}`;
    const when = document.createElement('span');
    when.className = 'meta';
    when.textContent = new Date(t.customer.since).toLocaleTimeString();
    li.append(what, when);
    return li;
  }));
}

function draw() {
  drawMap();
  drawList();
  drawTimeline();
}

function applyChange(change) {
  const c = change.customer;
  if (change.kind === 'left') {
    state.customers.delete(c.customerId);
  } else {
    state.customers.set(c.customerId, c);
  }
  state.timeline.unshift(change);
  state.timeline.length = Math.min(state.timeline.length, 20);
  draw();
  window.__floor.drawn.push({ customerId: c.customerId, zoneId: change.kind === 'left' ? '' : c.zoneId, at: Date.now() });
}

async function loadFloor() {
  const floor = await (await api(`/v1/stores/${encodeURIComponent(state.storeId)}/floor`)).json();
  $('store-name').textContent = floor.storeName || floor.storeId;
  state.zones = floor.zones || [];
  autoLayout(state.zones);
  state.customers = new Map((floor.customers || []).map((c) => [c.customerId, c]));
  draw();
}

// The change feed: fetch (so the token travels as a header, never in a URL)
// read as server-sent events. On `ready` the floor is (re)loaded, so nothing
// that happened while disconnected is missed; the server sends `ready` again
// when its own feed had a gap (its database connection was lost a while).
let retryDelay = 500;
async function connect() {
  const status = $('live-status');
  try {
    const response = await api(`/v1/stores/${encodeURIComponent(state.storeId)}/floor/events`);
    const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
    let buffer = '';
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      buffer += value;
      let end;
      while ((end = buffer.indexOf('\n\n')) >= 0) {
        const message = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        let event = 'message';
        let data = '';
        for (const line of message.split('\n')) {
          if (line.startsWith('event: ')) event = line.slice(7);
          if (line.startsWith('data: ')) data += line.slice(6);
        }
        if (event === 'ready') {
          await loadFloor();
          status.textContent = 'live';
          status.className = 'status live';
          retryDelay = 500;
        } else if (event === 'change') {
          applyChange(JSON.parse(data));
        }
      }
    }
  } catch (error) {
    if (error.status === 401 || error.status === 403 || error.status === 404) {
      status.textContent = '';
      $('sign-in').hidden = false;
      $('tabs').hidden = true;
      $('floor-view').hidden = true;
      $('sign-in-error').textContent = error.message;
      sessionStorage.clear();
      return;
    }
  }
  status.textContent = 'reconnecting…';
  status.className = 'status';
  setTimeout(connect, retryDelay);
  retryDelay = Math.min(retryDelay * 2, 10000);
}

// Times on the page move on by themselves; a full reload every 30 s catches
// what sends no event (a customer walking back to the entrance).
setInterval(() => {
  for (const meta of document.querySelectorAll('#present .meta')) {
    const c = state.customers.get(meta.parentElement.dataset.customerId);
    if (c) meta.textContent = `${since(c.since)} · ${confidenceOf(c)}`;
  }
}, 1000);
setInterval(() => { if (state.token && !$('floor-view').hidden) loadFloor().catch(() => {}); }, 30000);

// ---- analytics

function today() {
  const now = new Date();
  return new Date(now.getTime() - now.getTimezoneOffset() * 60000).toISOString().slice(0, 10);
}

function analyticsQuery() {
  const zone = Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
  return `fromDate=${$('from-date').value}&toDate=${$('to-date').value}&timeZone=${encodeURIComponent(zone)}`;
}

function minutes(summary, key) {
  if (!summary.count) return '—';
  const seconds = summary[key];
  return seconds < 60 ? `${Math.round(seconds)} s` : `${Math.round(seconds / 60)} min`;
}

function drawPerHour(counts) {
  const chart = $('per-hour');
  chart.replaceChildren();
  chart.setAttribute('viewBox', '0 0 120 44');
  const top = Math.max(1, ...counts);
  counts.forEach((n, hour) => {
    const h = (n / top) * 34;
    const bar = el('rect', { x: 2 + hour * 4.9, y: 38 - h, width: 3.6, height: h });
    bar.append(el('title', {}, `${hour}:00 — ${n} visits`));
    chart.append(bar);
    if (hour % 3 === 0) chart.append(el('text', { x: 2 + hour * 4.9, y: 43 }, String(hour)));
    if (n) chart.append(el('text', { x: 2 + hour * 4.9, y: 37 - h }, String(n)));
  });
}

async function loadAnalytics() {
  $('analytics-error').textContent = '';
  try {
    const a = await (await api(`/v1/stores/${encodeURIComponent(state.storeId)}/analytics?${analyticsQuery()}`)).json();
    $('a-visits').textContent = a.visits;
    $('a-median').textContent = minutes(a.visitLength, 'medianSeconds');
    $('a-p90').textContent = minutes(a.visitLength, 'p90Seconds');
    $('a-seat').textContent = minutes(a.timeToSeat, 'medianSeconds');
    $('a-new').textContent = a.newCustomers;
    $('a-returning').textContent = a.returningCustomers;
    $('a-open').textContent = a.openHours.toFixed(1);
    drawPerHour(a.visitsPerHour);
    $('tables').tBodies[0].replaceChildren(...a.tables.map((t) => {
      const tr = document.createElement('tr');
      tr.dataset.zoneId = t.zoneId;
      for (const text of [t.label, Math.round(t.occupancy * 100) + ' %', t.sittings, t.turnoverPerDay.toFixed(1)]) {
        const td = document.createElement('td');
        td.textContent = text;
        tr.append(td);
      }
      return tr;
    }));
    $('analytics-figures').hidden = false;
  } catch (error) {
    $('analytics-error').textContent = error.message;
  }
}

async function downloadCsv() {
  try {
    const blob = await (await api(`/v1/stores/${encodeURIComponent(state.storeId)}/analytics.csv?${analyticsQuery()}`)).blob();
    const link = document.createElement('a');
    link.href = URL.createObjectURL(blob);
    link.download = `${state.storeId}-${$('from-date').value}-${$('to-date').value}.csv`;
    link.click();
    URL.revokeObjectURL(link.href);
  } catch (error) {
    $('analytics-error').textContent = error.message;
  }
}

function showTab(tab) {
  for (const button of document.querySelectorAll('[data-tab]')) {
    button.setAttribute('aria-pressed', String(button.dataset.tab === tab));
  }
  $('floor-view').hidden = tab !== 'floor';
  $('analytics-view').hidden = tab !== 'analytics';
  if (tab === 'analytics' && $('analytics-figures').hidden) loadAnalytics();
}

document.addEventListener('DOMContentLoaded', () => {
  $('from-date').value = today();
  $('to-date').value = today();
  for (const button of document.querySelectorAll('[data-tab]')) {
    button.addEventListener('click', () => showTab(button.dataset.tab));
  }
  $('sign-out').addEventListener('click', () => signOut());
  $('analytics-form').addEventListener('submit', (e) => { e.preventDefault(); loadAnalytics(); });
  $('csv').addEventListener('click', downloadCsv);
  $('sign-in-form').addEventListener('submit', (e) => {
    e.preventDefault();
    $('sign-in-error').textContent = signIn($('token-input').value.trim(), $('store-input').value.trim());
  });
  // The platform's sign-in redirects here with #token=...&store=...; the
  // fragment never reaches a server and is wiped from the address bar.
  const fragment = new URLSearchParams(location.hash.slice(1));
  if (fragment.get('token')) {
    history.replaceState(null, '', location.pathname);
    $('sign-in-error').textContent = signIn(fragment.get('token'), fragment.get('store') || '');
  } else if (sessionStorage.getItem('floor.token')) {
    signIn(sessionStorage.getItem('floor.token'), sessionStorage.getItem('floor.store'));
  }
});
