// The floor page's Calibration tab, for the owner: how many calibration
// samples each zone has and how well they tell the zones apart (the
// cross-validated report of GET /v1/stores/{store_id}/calibration). Its own
// file so the floor and analytics parts of app.js stay as they are; it uses
// app.js's page state (`state`, `api`, `$`) and shows itself when its tab is
// chosen.
'use strict';

function calibrationCell(tag, text, className) {
  const cell = document.createElement(tag);
  cell.textContent = text;
  if (className) cell.className = className;
  return cell;
}

function drawCalibration(report) {
  const zones = report.zones || [];
  const pct = (n, d) => (d ? Math.round((100 * n) / d) + ' %' : '—');
  $('calibration-summary').textContent = report.samples
    ? `${report.samples} samples; ${Math.round(report.placedRight * 100)} % of them, each left out with the scans recorded around it, placed back in their zone.`
    : 'No calibration yet: every zone is placed by its distance to the beacons.';

  // Samples per zone, and where the misplaced ones went.
  $('calibration-zones').tBodies[0].replaceChildren(...zones.map((z) => {
    const row = document.createElement('tr');
    row.dataset.zoneId = z.zoneId;
    const heldOut = (z.placed || []).reduce((a, b) => a + b, 0);
    row.append(calibrationCell('td', z.label || z.zoneId), calibrationCell('td', String(z.samples)),
      calibrationCell('td', pct(z.placedRight, heldOut)),
      calibrationCell('td', z.mostConfusedWith ? (zones.find((o) => o.zoneId === z.mostConfusedWith) || {}).label || z.mostConfusedWith : '—'));
    return row;
  }));

  // The confusion table: a row per zone with samples, a column per zone.
  const table = $('calibration-confusion');
  const head = document.createElement('tr');
  head.append(calibrationCell('th', 'recorded at ↓ placed in →'), ...zones.map((z) => calibrationCell('th', z.label || z.zoneId)));
  table.tHead.replaceChildren(head);
  table.tBodies[0].replaceChildren(...zones.filter((z) => z.samples > 0).map((z) => {
    const row = document.createElement('tr');
    row.dataset.zoneId = z.zoneId;
    row.append(calibrationCell('th', z.label || z.zoneId));
    (z.placed || []).forEach((n, i) => {
      row.append(calibrationCell('td', String(n), zones[i].zoneId === z.zoneId ? 'right' : n ? 'wrong' : ''));
    });
    return row;
  }));

  const pairs = report.confusable || [];
  const label = (id) => (zones.find((z) => z.zoneId === id) || {}).label || id;
  $('calibration-confusable').replaceChildren(...(pairs.length ? pairs.map((p) => {
    const li = document.createElement('li');
    li.dataset.pair = `${p.zoneA}/${p.zoneB}`;
    li.append(calibrationCell('span', `${label(p.zoneA)} and ${label(p.zoneB)}`),
      calibrationCell('span', `${Math.round(p.share * 100)} % mixed up`, 'meta'));
    return li;
  }) : [calibrationCell('li', report.samples ? 'None: every zone can be told apart.' : 'Nothing to compare yet.')]));
}

async function loadCalibration() {
  $('calibration-error').textContent = '';
  try {
    const report = await (await api(`/v1/stores/${encodeURIComponent(state.storeId)}/calibration`)).json();
    drawCalibration(report);
    $('calibration-figures').hidden = false;
  } catch (error) {
    $('calibration-error').textContent = error.message;
  }
}

document.addEventListener('DOMContentLoaded', () => {
  for (const button of document.querySelectorAll('[data-tab]')) {
    button.addEventListener('click', () => {
      const shown = button.dataset.tab === 'calibration';
      $('calibration-view').hidden = !shown;
      if (shown) loadCalibration();
    });
  }
  $('calibration-reload').addEventListener('click', loadCalibration);
});
