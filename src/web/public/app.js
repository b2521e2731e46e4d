// plantwatch console: hand-written ES modules, no build step. Data is rendered with textContent
// only (never innerHTML), so alert text cannot inject markup.
import uPlot from '/vendor/uplot/uPlot.esm.js';

const state = { me: null, csrf: null, openAlerts: new Map(), feed: null, page: null, machineTicks: [] };
const main = () => document.getElementById('main');

/** Element builder: h('td', {className: 'x'}, 'text', child). */
function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
    else if (k === 'dataset') Object.assign(el.dataset, v);
    else if (v !== undefined && v !== null && v !== false) el[k] = v;
  }
  for (const c of children.flat()) if (c !== null && c !== undefined && c !== false) el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  return el;
}

function toast(text) {
  const t = document.getElementById('toast');
  t.textContent = text;
  t.classList.add('show');
  clearTimeout(toast.timer);
  toast.timer = setTimeout(() => t.classList.remove('show'), 3000);
}

class ApiError extends Error {
  constructor(status, body) {
    super(body.message || `HTTP ${status}`);
    this.status = status;
    this.code = body.code;
  }
}

async function api(method, url, body) {
  const headers = {};
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (method !== 'GET' && state.csrf) headers['x-csrf-token'] = state.csrf;
  const res = await fetch(url, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), credentials: 'same-origin' });
  const text = await res.text();
  const data = text ? JSON.parse(text) : {};
  if (!res.ok) {
    if (res.status === 401 && state.me) { state.me = null; location.hash = '#/login'; }
    throw new ApiError(res.status, data);
  }
  return data;
}

const fmtTime = (ms) => (ms ? new Date(ms).toLocaleString() : '');
const pill = (cls, text) => h('span', { className: `pill ${cls}` }, text ?? cls);

// ---------------------------------------------------------------- sign-in and setup
function renderSetup() {
  const err = h('p', { className: 'error' });
  const form = h('form', { className: 'card login', id: 'setup-form' },
    h('h1', {}, 'First-run setup'),
    h('p', { className: 'muted' }, 'Create the administrator. There is no default password.'),
    h('label', {}, 'Username', h('input', { name: 'username', required: true, autocomplete: 'username' })),
    h('label', {}, 'Password (10+ characters)', h('input', { name: 'password', type: 'password', required: true, autocomplete: 'new-password' })),
    h('button', { type: 'submit' }, 'Create administrator'), err);
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const username = form.username.value, password = form.password.value;
    try {
      const out = await api('POST', '/api/v1/setup', { username, password });
      renderSetupTotp(username, password, out.totp);
    } catch (x) { err.textContent = x.message; }
  });
  main().replaceChildren(form);
}

function renderSetupTotp(username, password, totp) {
  const err = h('p', { className: 'error' });
  const form = h('form', { className: 'card login', id: 'setup-totp-form' },
    h('h1', {}, 'Two-factor sign-in'),
    h('p', {}, 'Add this secret to an authenticator app (TOTP, 6 digits, 30 s), then enter the code it shows.'),
    h('p', {}, h('code', { className: 'secret', id: 'totp-secret' }, totp.secret)),
    h('p', { className: 'muted' }, totp.otpauthUri),
    h('label', {}, 'Code', h('input', { name: 'code', inputMode: 'numeric', pattern: '[0-9]{6}', required: true, autocomplete: 'one-time-code' })),
    h('button', { type: 'submit' }, 'Confirm'), err);
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    try {
      const out = await api('POST', '/api/v1/setup/totp', { username, password, code: form.code.value });
      main().replaceChildren(h('div', { className: 'card login', id: 'recovery' },
        h('h1', {}, 'Recovery codes'),
        h('p', {}, 'Keep these somewhere safe; each signs you in once if the authenticator is lost. They are not shown again.'),
        h('pre', { id: 'recovery-codes' }, out.recoveryCodes.join('\n')),
        h('a', { href: '#/login', id: 'to-login' }, 'Continue to sign in')));
    } catch (x) { err.textContent = x.message; }
  });
  main().replaceChildren(form);
}

function renderLogin() {
  const err = h('p', { className: 'error', id: 'login-error' });
  const form = h('form', { className: 'card login', id: 'login-form' },
    h('h1', {}, 'Sign in'),
    h('label', {}, 'Username', h('input', { name: 'username', required: true, autocomplete: 'username' })),
    h('label', {}, 'Password', h('input', { name: 'password', type: 'password', required: true, autocomplete: 'current-password' })),
    h('button', { type: 'submit' }, 'Sign in'), err);
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    try {
      const out = await api('POST', '/api/v1/auth/login', { username: form.username.value, password: form.password.value });
      if (out.status === 'totp_required') return renderTotpStep(out.challenge);
      await signedIn(out);
    } catch (x) { err.textContent = x.message; }
  });
  main().replaceChildren(form);
}

function renderTotpStep(challenge) {
  const err = h('p', { className: 'error' });
  const form = h('form', { className: 'card login', id: 'totp-form' },
    h('h1', {}, 'Two-factor code'),
    h('label', {}, 'Code from the authenticator app, or a recovery code', h('input', { name: 'code', required: true, autocomplete: 'one-time-code' })),
    h('button', { type: 'submit' }, 'Verify'), err);
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    try { await signedIn(await api('POST', '/api/v1/auth/totp', { challenge, code: form.code.value.trim() })); } catch (x) { err.textContent = x.message; }
  });
  main().replaceChildren(form);
}

async function signedIn(out) {
  state.csrf = out.csrfToken;
  state.me = await api('GET', '/api/v1/auth/me');
  state.csrf = state.me.csrfToken;
  startShell();
  location.hash = '#/alerts';
  route();
}

function startShell() {
  document.getElementById('top').hidden = false;
  document.getElementById('whoami').textContent = `${state.me.name} (${state.me.role})`;
  connectFeed();
  refreshOpenAlerts();
  refreshRecCount();
}

// ---------------------------------------------------------------- live feed (SSE)
function connectFeed() {
  if (state.feed) state.feed.close();
  const es = new EventSource('/api/v1/events?types=alert,action,tick');
  state.feed = es;
  const live = document.getElementById('live');
  es.onopen = () => live.className = 'live on';
  es.onerror = () => live.className = 'live off';
  es.addEventListener('alert', (e) => {
    const { alert } = JSON.parse(e.data);
    if (alert.state === 'closed') state.openAlerts.delete(alert.id); else state.openAlerts.set(alert.id, alert);
    updateAlertCount();
    if (state.page === 'alerts') renderAlertRows();
  });
  es.addEventListener('action', () => {
    refreshRecCount();
    if (state.page === 'actions') renderActions();
  });
  es.addEventListener('tick', (e) => {
    if (state.page !== 'machine') return;
    const tick = JSON.parse(e.data);
    if (tick.machineId === state.machineId) { state.machineTicks.push(tick); drawMachineCharts(); }
  });
}

function updateAlertCount() {
  const active = [...state.openAlerts.values()].filter((a) => a.state === 'active_unacknowledged').length;
  document.getElementById('alert-count').textContent = String(active);
}

async function refreshOpenAlerts() {
  const { alerts } = await api('GET', '/api/v1/alerts?state=open&limit=2000');
  state.openAlerts = new Map(alerts.map((a) => [a.id, a]));
  updateAlertCount();
}

async function refreshRecCount() {
  const { recommendations } = await api('GET', '/api/v1/recommendations');
  document.getElementById('rec-count').textContent = String(recommendations.length);
  return recommendations;
}

// ---------------------------------------------------------------- Instant Alerts
const URGENCY_ORDER = { critical: 0, high: 1, medium: 2, low: 3 };

async function renderAlerts() {
  await refreshOpenAlerts();
  main().replaceChildren(h('h1', {}, 'Instant Alerts'), h('p', { className: 'muted' }, 'Open alerts, most urgent first; new ones arrive live.'),
    h('table', { id: 'alerts-table' }, h('thead', {}, h('tr', {}, ...['Urgency', 'Machine', 'Area', 'Type', 'State', 'Raised', 'Score', 'Recommendation', ''].map((t) => h('th', {}, t)))), h('tbody', { id: 'alerts-body' })));
  renderAlertRows();
}

function renderAlertRows() {
  const body = document.getElementById('alerts-body');
  if (!body) return;
  const list = [...state.openAlerts.values()].sort((a, b) => URGENCY_ORDER[a.urgency] - URGENCY_ORDER[b.urgency] || b.raisedAtMs - a.raisedAtMs);
  body.replaceChildren(...list.map((a) => {
    const comment = h('input', { placeholder: 'comment', className: 'ack-comment', maxLength: 2000 });
    const canRespond = ['operator', 'engineer', 'admin'].includes(state.me.role);
    return h('tr', { className: `urgency-${a.urgency}`, dataset: { alertId: a.id } },
      h('td', {}, pill(a.urgency)), h('td', {}, h('a', { href: `#/machine/${a.machineId}` }, a.machineId)), h('td', {}, a.areaId), h('td', {}, a.type),
      h('td', { className: 'state' }, a.state), h('td', {}, fmtTime(a.raisedAtMs)), h('td', {}, a.score.toFixed(2)), h('td', {}, a.recommendation),
      h('td', {}, canRespond && (a.state === 'active_unacknowledged' || a.state === 'cleared_unacknowledged') ? [comment, h('button', { className: 'ack', onclick: () => act(`/api/v1/alerts/${a.id}/acknowledge`, { comment: comment.value }, 'Acknowledged') }, 'Acknowledge')] : null,
        canRespond && a.state !== 'shelved' ? h('button', { className: 'shelve', onclick: () => act(`/api/v1/alerts/${a.id}/shelve`, { durationMs: 3_600_000, comment: comment.value }, 'Shelved for 1 h') }, 'Shelve 1 h') : null));
  }));
  if (list.length === 0) body.append(h('tr', {}, h('td', { colSpan: 9, className: 'muted' }, 'No open alerts.')));
}

async function act(url, body, done) {
  try {
    const out = await api('POST', url, body);
    if (out.alert) { if (out.alert.state === 'closed') state.openAlerts.delete(out.alert.id); else state.openAlerts.set(out.alert.id, out.alert); updateAlertCount(); renderAlertRows(); }
    toast(done);
    return out;
  } catch (x) { toast(`${x.code ?? 'error'}: ${x.message}`); }
}

// ---------------------------------------------------------------- Event Log
async function renderEvents() {
  const form = h('form', { className: 'filters', id: 'event-filters' },
    h('input', { name: 'q', placeholder: 'search text' }), h('input', { name: 'machineId', placeholder: 'machine' }), h('input', { name: 'areaId', placeholder: 'area' }),
    h('input', { name: 'type', placeholder: 'type (e.g. overheating)' }),
    h('select', { name: 'urgency' }, ...['', 'low', 'medium', 'high', 'critical'].map((u) => h('option', { value: u }, u || 'any urgency'))),
    h('select', { name: 'state' }, ...['', 'open', 'active_unacknowledged', 'active_acknowledged', 'cleared_unacknowledged', 'closed', 'shelved', 'suppressed'].map((u) => h('option', { value: u }, u || 'any state'))),
    h('label', {}, 'from ', h('input', { name: 'from', type: 'datetime-local' })), h('label', {}, 'to ', h('input', { name: 'to', type: 'datetime-local' })),
    h('button', { type: 'submit' }, 'Search'));
  const table = h('table', { id: 'events-table' }, h('thead', {}, h('tr', {}, ...['Urgency', 'Raised', 'Machine', 'Area', 'Type', 'State', 'Acknowledged by', 'Comment'].map((t) => h('th', {}, t)))), h('tbody', { id: 'events-body' }));
  const history = h('div', { id: 'history', className: 'card', hidden: true });
  main().replaceChildren(h('h1', {}, 'Event Log'), form, table, history);
  const search = async () => {
    const p = new URLSearchParams();
    for (const k of ['q', 'machineId', 'areaId', 'type', 'urgency', 'state']) if (form[k].value) p.set(k, form[k].value);
    if (form.from.value) p.set('fromMs', String(new Date(form.from.value).getTime()));
    if (form.to.value) p.set('toMs', String(new Date(form.to.value).getTime()));
    try {
      const { alerts } = await api('GET', `/api/v1/alerts?${p}`);
      document.getElementById('events-body').replaceChildren(...alerts.map((a) => h('tr', { className: `urgency-${a.urgency}`, dataset: { alertId: a.id }, style: 'cursor:pointer', onclick: () => showHistory(a.id) },
        h('td', {}, pill(a.urgency)), h('td', {}, fmtTime(a.raisedAtMs)), h('td', {}, a.machineId), h('td', {}, a.areaId), h('td', {}, a.type), h('td', {}, a.state), h('td', {}, a.acknowledgedBy ?? ''), h('td', { className: 'comment' }, a.ackComment ?? ''))));
    } catch (x) { toast(x.message); }
  };
  form.addEventListener('submit', (e) => { e.preventDefault(); search(); });
  await search();
}

async function showHistory(id) {
  const box = document.getElementById('history');
  const { alert, history, actions } = await api('GET', `/api/v1/alerts/${encodeURIComponent(id)}`);
  box.hidden = false;
  box.replaceChildren(h('h2', {}, `History of ${alert.type} on ${alert.machineId}`),
    h('table', {}, h('thead', {}, h('tr', {}, ...['Time', 'From', 'To', 'By', 'Why', 'Comment'].map((t) => h('th', {}, t)))),
      h('tbody', { id: 'history-body' }, ...history.map((t) => h('tr', {}, h('td', {}, fmtTime(t.tsMs)), h('td', {}, t.from ?? ''), h('td', {}, t.to), h('td', {}, t.actor), h('td', {}, t.reason), h('td', {}, t.comment ?? ''))))),
    h('h3', {}, 'Actions'),
    h('ul', {}, ...actions.map((r) => h('li', {}, `${r.kind} ${r.command ?? r.team ?? ''}: ${r.status}${r.decidedBy ? ` (by ${r.decidedBy})` : ''}`))));
}

// ---------------------------------------------------------------- Automatic Actions
async function renderActions() {
  const [recommendations, { actions }] = await Promise.all([refreshRecCount(), api('GET', '/api/v1/actions?limit=300')]);
  const canApprove = ['operator', 'engineer', 'admin'].includes(state.me.role);
  main().replaceChildren(h('h1', {}, 'Automatic Actions'),
    h('div', { className: 'card' }, h('h2', {}, 'Waiting for approval'),
      h('table', { id: 'recommendations-table' }, h('thead', {}, h('tr', {}, ...['Machine', 'Proposed', 'Rule', 'Since', ''].map((t) => h('th', {}, t)))),
        h('tbody', {}, ...recommendations.map((r) => h('tr', { dataset: { actionId: r.id } }, h('td', {}, r.machineId), h('td', {}, `${r.command} ${r.commandArgs ? JSON.stringify(r.commandArgs) : ''}`), h('td', {}, r.ruleId), h('td', {}, fmtTime(r.decidedAtMs)),
          h('td', {}, canApprove ? [h('button', { className: 'approve', onclick: async () => { await act(`/api/v1/recommendations/${r.id}/approve`, undefined, 'Approved'); renderActions(); } }, 'Approve'),
            h('button', { className: 'reject', onclick: async () => { await act(`/api/v1/recommendations/${r.id}/reject`, { comment: 'rejected in console' }, 'Rejected'); renderActions(); } }, 'Reject')] : null))),
          recommendations.length === 0 ? h('tr', {}, h('td', { colSpan: 5, className: 'muted' }, 'Nothing waiting.')) : null))),
    h('div', { className: 'card' }, h('h2', {}, 'What ran and its outcome'),
      h('table', { id: 'actions-table' }, h('thead', {}, h('tr', {}, ...['Decided', 'Machine', 'Kind', 'Action', 'Status', 'By', 'Effect', 'Detail'].map((t) => h('th', {}, t)))),
        h('tbody', {}, ...actions.map((r) => h('tr', {}, h('td', {}, fmtTime(r.decidedAtMs)), h('td', {}, r.machineId), h('td', {}, r.kind), h('td', {}, r.command ?? `${r.team ?? ''} ${r.channels.join(',')}`),
          h('td', {}, r.status), h('td', {}, r.decidedBy ?? 'system'), h('td', {}, r.effect ? (r.effect.cleared ? `cleared after ${Math.round(r.effect.clearedAfterMs / 1000)} s` : 'not cleared') : ''), h('td', {}, r.detail ?? '')))))));
}

// ---------------------------------------------------------------- Plant overview (10 000 machines: aggregate + virtual list)
async function renderPlant() {
  const plant = await api('GET', '/api/v1/plant');
  const rows = [];
  const areas = h('div', { className: 'areas', id: 'areas' });
  for (const area of plant.areas) {
    const m = area.machines;
    const counts = { normal: 0, alarm: 0, stopped: 0 };
    m.state.forEach((s) => counts[s]++);
    for (let i = 0; i < m.id.length; i++) rows.push({ id: m.id[i], area: area.id, type: m.type[i], state: m.state[i], urgency: m.urgency[i], score: m.score[i] });
    areas.append(h('div', { className: 'card area', dataset: { areaId: area.id } }, h('h2', {}, area.name),
      h('p', {}, `${m.id.length} machines`), h('p', {}, pill('normal', `${counts.normal} normal`), ' ', pill('alarm', `${counts.alarm} in alarm`), ' ', pill('stopped', `${counts.stopped} stopped`))));
  }
  // Machines in alarm first, then by id.
  rows.sort((a, b) => (a.state === 'normal') - (b.state === 'normal') || a.id.localeCompare(b.id));
  const filter = h('input', { placeholder: `filter ${rows.length} machines`, id: 'machine-filter' });
  const list = h('div', { className: 'vlist', id: 'machine-list' });
  main().replaceChildren(h('h1', {}, `Plant ${plant.name} (${plant.machineCount} machines)`), areas, h('h2', {}, 'Machines'), filter, list);
  let shown = rows;
  const ROW = 28;
  const spacer = h('div', { style: 'position:relative' });
  list.append(spacer);
  const draw = () => {
    spacer.style.height = `${shown.length * ROW}px`;
    const first = Math.floor(list.scrollTop / ROW);
    const count = Math.ceil(list.clientHeight / ROW) + 2;
    spacer.replaceChildren(...shown.slice(first, first + count).map((r, i) => h('div', { className: 'row', style: `top:${(first + i) * ROW}px` },
      h('a', { href: `#/machine/${r.id}` }, r.id), h('span', {}, r.area), h('span', {}, r.type), pill(r.state), r.urgency ? pill(r.urgency) : '', h('span', { className: 'muted' }, r.score === null ? '' : `score ${r.score}`))));
  };
  list.addEventListener('scroll', () => requestAnimationFrame(draw));
  filter.addEventListener('input', () => { const q = filter.value.toLowerCase(); shown = q ? rows.filter((r) => r.id.includes(q) || r.area.includes(q) || r.state.includes(q)) : rows; list.scrollTop = 0; draw(); });
  draw();
}

// ---------------------------------------------------------------- Machine detail (uPlot)
const charts = [];
function clearCharts() { while (charts.length) charts.pop().destroy(); }

async function renderMachine(id) {
  state.machineId = id;
  const [detail, { ticks }] = await Promise.all([api('GET', `/api/v1/machines/${encodeURIComponent(id)}`), api('GET', `/api/v1/machines/${encodeURIComponent(id)}/scored?limit=720`)]);
  state.machineTicks = ticks;
  const m = detail.machine;
  main().replaceChildren(h('h1', {}, `${m.id} (${m.type}, ${m.areaId})`),
    h('p', {}, pill(detail.state), ' ', detail.urgency ? pill(detail.urgency) : '', ` criticality ${m.criticality}; ${detail.openAlerts.length} open alert(s)`),
    h('div', { className: 'charts', id: 'machine-charts' }), h('div', { className: 'card', id: 'machine-series' }));
  drawMachineCharts();
  // Stored history from the store: 1-minute roll-ups of the last day.
  try {
    const series = await api('GET', `/api/v1/machines/${encodeURIComponent(id)}/series?sensor=${m.sensors[0]}&resolution=1m`);
    const box = document.getElementById('machine-series');
    if (!box) return;
    box.replaceChildren(h('h2', {}, `${m.sensors[0]}: last 24 h (1 min roll-ups, ${series.points.length} points)`));
    if (series.points.length > 1) {
      const d = [series.points.map((p) => p.tsMs / 1000), series.points.map((p) => p.mean), series.points.map((p) => p.min), series.points.map((p) => p.max)];
      charts.push(new uPlot({ width: Math.min(1100, box.clientWidth - 20), height: 220, series: [{}, { label: 'mean', stroke: '#1d3557' }, { label: 'min', stroke: '#a8dadc' }, { label: 'max', stroke: '#e63946' }] }, d, box));
    }
  } catch (x) { toast(x.message); }
}

function drawMachineCharts() {
  const box = document.getElementById('machine-charts');
  if (!box) return;
  clearCharts();
  box.replaceChildren();
  const ticks = state.machineTicks.slice(-720);
  if (ticks.length === 0) { box.append(h('p', { className: 'muted', id: 'no-ticks' }, 'No scored ticks yet (the detector scores each reading as it arrives).')); return; }
  const sensors = Object.keys(ticks[ticks.length - 1].sensors);
  const x = ticks.map((t) => t.tsMs / 1000);
  for (const s of sensors) {
    const div = h('div', { className: 'card' }, h('h2', {}, s));
    box.append(div);
    const actual = ticks.map((t) => t.sensors[s]?.actual ?? null);
    const predicted = ticks.map((t) => t.sensors[s]?.predicted ?? null);
    // Anomaly marks: the actual value at anomalous ticks, drawn as points only.
    const marks = ticks.map((t, i) => (t.anomalous ? actual[i] : null));
    charts.push(new uPlot({ width: Math.min(1100, box.clientWidth - 20), height: 200, series: [{}, { label: 'actual', stroke: '#1d3557' }, { label: 'predicted', stroke: '#2a9d8f', dash: [5, 5] }, { label: 'anomaly', stroke: '#e63946', width: 0, points: { show: true, size: 8, fill: '#e63946' } }] }, [x, actual, predicted, marks], div));
  }
  const div = h('div', { className: 'card' }, h('h2', {}, 'score / threshold'));
  box.append(div);
  charts.push(new uPlot({ width: Math.min(1100, box.clientWidth - 20), height: 160, series: [{}, { label: 'score', stroke: '#e76f51' }, { label: 'threshold', stroke: '#264653', dash: [8, 4] }] }, [x, ticks.map((t) => t.score), ticks.map(() => 1)], div));
}

// ---------------------------------------------------------------- Models
async function renderModels() {
  const { models } = await api('GET', '/api/v1/models');
  const canManage = ['engineer', 'admin'].includes(state.me.role);
  const content = [h('h1', {}, 'Models')];
  if (models.length === 0) content.push(h('p', { className: 'muted', id: 'no-models' }, 'No models registered yet (plantwatch train registers one per machine type).'));
  content.push(h('table', { id: 'models-table' }, h('thead', {}, h('tr', {}, ...['Type', 'Version', 'Engine', 'Preset', 'Created', 'Active', 'Metrics', ''].map((t) => h('th', {}, t)))),
    h('tbody', {}, ...models.map((m) => h('tr', {}, h('td', {}, m.machineType), h('td', {}, m.version), h('td', {}, m.engine), h('td', {}, m.preset), h('td', {}, fmtTime(m.createdAtMs)), h('td', {}, m.active ? 'active' : ''),
      h('td', {}, h('pre', {}, JSON.stringify(flatMetrics(m.metrics), null, 1))),
      h('td', {}, canManage && !m.active ? h('button', { onclick: async () => { await act(`/api/v1/models/${m.id}/activate`, undefined, 'Activated'); renderModels(); } }, 'Activate') : null))))));
  // Comparison with the baselines, and ROC / PR curves when the metrics carry them.
  const cmp = h('div', { className: 'card', id: 'model-comparison' }, h('h2', {}, 'Comparison with baselines'));
  const rows = [];
  for (const m of models) for (const [name, v] of Object.entries(m.metrics?.baselines ?? {})) rows.push([`${m.machineType} v${m.version}`, name, v]);
  cmp.append(rows.length ? h('table', {}, h('tbody', {}, ...rows.map((r) => h('tr', {}, h('td', {}, r[0]), h('td', {}, r[1]), h('td', {}, JSON.stringify(r[2])))))) : h('p', { className: 'muted' }, 'The registered models carry no baseline comparison.'));
  content.push(cmp);
  const curves = h('div', { className: 'card', id: 'model-curves' }, h('h2', {}, 'ROC and PR curves'));
  content.push(curves);
  main().replaceChildren(...content);
  clearCharts();
  let drawn = 0;
  for (const m of models) {
    for (const [kind, xs, ys] of [['ROC', 'fpr', 'tpr'], ['PR', 'recall', 'precision']]) {
      const c = m.metrics?.[kind.toLowerCase()];
      if (!c || !Array.isArray(c[xs])) continue;
      const order = c[xs].map((_, i) => i).sort((a, b) => c[xs][a] - c[xs][b]);
      const div = h('div', {}, h('h3', {}, `${m.machineType} v${m.version}: ${kind}`));
      curves.append(div);
      charts.push(new uPlot({ width: 420, height: 300, scales: { x: { time: false } }, series: [{ label: xs }, { label: ys, stroke: '#1d3557' }] }, [order.map((i) => c[xs][i]), order.map((i) => c[ys][i])], div));
      drawn++;
    }
  }
  if (!drawn) curves.append(h('p', { className: 'muted' }, 'No curves in the registered metrics.'));
}

function flatMetrics(metrics) {
  const out = {};
  for (const [k, v] of Object.entries(metrics ?? {})) if (typeof v !== 'object' || v === null) out[k] = v;
  return out;
}

// ---------------------------------------------------------------- Figures (KPIs)
/** Environmental, production and system figures of the last 7 days against the 7 before (paper Tables 2, 5, 9). */
function plantFiguresCard(f) {
  const card = h('div', { className: 'card', id: 'kpi-plant' }, h('h2', {}, 'Plant figures: last 7 days against the 7 before'));
  if (!f || f.error) { card.append(h('p', { className: 'muted' }, f?.error ?? 'No stored readings yet.')); return card; }
  const fmt = (v) => (v === null || v === undefined ? '-' : typeof v === 'number' ? (Math.abs(v) >= 100 ? v.toFixed(0) : v.toFixed(2)) : String(v));
  const rows = [];
  for (const group of ['environmental', 'production', 'system']) {
    for (const [key, v] of Object.entries(f.period[group] ?? {})) {
      if (key === 'note') continue;
      const change = f.change[`${group}.${key}`];
      rows.push(h('tr', {}, h('td', {}, group), h('td', {}, key), h('td', {}, fmt(v)), h('td', {}, fmt(f.baseline[group]?.[key])), h('td', {}, change === null || change === undefined ? '-' : `${(change * 100).toFixed(1)} %`)));
    }
  }
  card.append(h('table', {}, h('thead', {}, h('tr', {}, h('th', {}, 'area'), h('th', {}, 'figure'), h('th', {}, 'last 7 days'), h('th', {}, 'baseline'), h('th', {}, 'change'))), h('tbody', {}, ...rows)));
  if (f.period.environmental?.note) card.append(h('p', { className: 'muted' }, f.period.environmental.note));
  return card;
}

async function renderFigures() {
  const k = await api('GET', '/api/v1/kpis?days=30');
  main().replaceChildren(h('h1', {}, 'Figures'), h('p', { className: 'muted' }, 'Production and maintenance KPIs per day from alerts and actions (paper Tables 2, 9); system figures live.'),
    h('div', { className: 'card', id: 'kpi-alerts' }, h('h2', {}, 'Failures and incidents per day')), h('div', { className: 'card', id: 'kpi-response' }, h('h2', {}, 'Mean time to acknowledge (minutes)')),
    h('div', { className: 'card', id: 'kpi-actions' }, h('h2', {}, 'Actions per day')), plantFiguresCard(k.plant), h('div', { className: 'card', id: 'kpi-system' }, h('h2', {}, 'System'), h('pre', {}, JSON.stringify(k.system, null, 1))));
  clearCharts();
  const x = k.daily.map((d) => d.dayMs / 1000);
  if (x.length === 0) { document.getElementById('kpi-alerts').append(h('p', { className: 'muted' }, 'No alerts in the last 30 days.')); return; }
  const bars = uPlot.paths.bars ? uPlot.paths.bars({ size: [0.6, 40] }) : undefined;
  charts.push(new uPlot({ width: 900, height: 220, series: [{}, { label: 'process faults', stroke: '#e63946', fill: '#e6394655', paths: bars }, { label: 'data quality', stroke: '#457b9d', paths: bars }, { label: 'critical', stroke: '#6a040f' }] }, [x, k.daily.map((d) => d.processFaults), k.daily.map((d) => d.dataQuality), k.daily.map((d) => d.critical)], document.getElementById('kpi-alerts')));
  charts.push(new uPlot({ width: 900, height: 200, series: [{}, { label: 'minutes', stroke: '#2a9d8f' }] }, [x, k.daily.map((d) => (d.meanAckMs === null ? null : d.meanAckMs / 60000))], document.getElementById('kpi-response')));
  charts.push(new uPlot({ width: 900, height: 200, series: [{}, { label: 'actions', stroke: '#264653', paths: bars }, { label: 'succeeded', stroke: '#2a9d57' }] }, [x, k.daily.map((d) => d.actions), k.daily.map((d) => d.actionsOk)], document.getElementById('kpi-actions')));
}

// ---------------------------------------------------------------- Account (two-factor enrolment)
async function renderAccount() {
  const out = h('div', { id: 'account-totp' });
  main().replaceChildren(h('h1', {}, 'Account'), h('div', { className: 'card' }, h('p', {}, `${state.me.name}, role ${state.me.role}`),
    h('button', { onclick: async () => {
      const e = await api('POST', '/api/v1/auth/totp/enroll');
      const code = h('input', { placeholder: '6-digit code' });
      out.replaceChildren(h('p', {}, 'Secret: ', h('code', { className: 'secret' }, e.secret)), code, h('button', { onclick: async () => {
        try { const r = await api('POST', '/api/v1/auth/totp/confirm', { code: code.value }); out.replaceChildren(h('p', {}, 'Recovery codes (shown once):'), h('pre', {}, r.recoveryCodes.join('\n'))); } catch (x) { toast(x.message); }
      } }, 'Confirm'));
    } }, 'Set up two-factor sign-in'), out));
}

// ---------------------------------------------------------------- routing
const PAGES = { alerts: renderAlerts, events: renderEvents, actions: renderActions, plant: renderPlant, models: renderModels, figures: renderFigures, account: renderAccount };

async function route() {
  const [, page, arg] = location.hash.split('/');
  if (page === 'login' || !state.me) { state.page = 'login'; return renderLogin(); }
  state.page = page === 'machine' ? 'machine' : PAGES[page] ? page : 'alerts';
  for (const a of document.querySelectorAll('header nav a')) a.classList.toggle('active', a.dataset.page === state.page);
  clearCharts();
  try {
    if (state.page === 'machine') await renderMachine(decodeURIComponent(arg ?? ''));
    else await PAGES[state.page]();
    document.body.dataset.page = state.page;
  } catch (x) { main().replaceChildren(h('p', { className: 'error' }, `${x.code ?? 'error'}: ${x.message}`)); }
}

async function boot() {
  document.getElementById('logout').addEventListener('click', async () => {
    await api('POST', '/api/v1/auth/logout').catch(() => undefined);
    state.me = null; state.feed?.close(); document.getElementById('top').hidden = true; location.hash = '#/login'; renderLogin();
  });
  window.addEventListener('hashchange', () => { if (state.me || location.hash === '#/login') route(); });
  const setup = await api('GET', '/api/v1/setup').catch(() => ({ needed: false }));
  if (setup.needed) return renderSetup();
  try {
    state.me = await api('GET', '/api/v1/auth/me');
    state.csrf = state.me.csrfToken;
    startShell();
  } catch { state.me = null; }
  route();
}

boot();
