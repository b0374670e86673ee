// The dashboard's script: reads snapshots from the service's event stream and draws them.
// No framework, no build step; every chart is an inline SVG drawn here.

const SVG = 'http://www.w3.org/2000/svg';
const SERIES = ['p50', 'p90', 'p99'];

/** The last snapshot, and the difference between the service's clock and ours. */
let last = null;
let skewMs = 0;

function byId(id) {
  return document.getElementById(id);
}

function setText(id, text) {
  const element = byId(id);
  if (element.textContent !== text) element.textContent = text;
}

function percent(value) {
  return value === null ? '–' : `${(value * 100).toFixed(1)} %`;
}

function millis(value) {
  if (value === null) return '–';
  return value >= 1000
    ? `${(value / 1000).toFixed(2)} s`
    : `${value.toFixed(value < 10 ? 1 : 0)} ms`;
}

function duration(ms) {
  const s = Math.max(0, Math.floor(ms / 1000));
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${s % 60} s`;
  return `${Math.floor(s / 3600)} h ${Math.floor((s % 3600) / 60)} min`;
}

function svgElement(name, attributes) {
  const element = document.createElementNS(SVG, name);
  for (const [key, value] of Object.entries(attributes)) element.setAttribute(key, String(value));
  return element;
}

function newChart(width, height, label) {
  const svg = svgElement('svg', {
    viewBox: `0 0 ${width} ${height}`,
    role: 'img',
    'aria-label': label,
  });
  return svg;
}

/** Lines of p50, p90 and p99 per interval, on a common scale. */
function drawLatency(latency) {
  const width = 600;
  const height = 140;
  const pad = 4;
  const points = latency.series;
  const svg = newChart(width, height, 'Latency percentiles per interval');
  let max = 0;
  for (const point of points) for (const key of SERIES) max = Math.max(max, point[key] ?? 0);
  const top = max > 0 ? max * 1.1 : 1;
  // The newest interval on the right; the window fills from the right after a start.
  const step = (width - 2 * pad) / Math.max(latency.intervals - 1, 1);
  const offset = latency.intervals - points.length;
  for (let i = 1; i <= 3; i++) {
    const y = pad + ((height - 2 * pad) * i) / 4;
    svg.append(svgElement('line', { x1: 0, x2: width, y1: y, y2: y, class: 'grid' }));
  }
  for (const key of SERIES) {
    let d = '';
    let pen = 'M';
    points.forEach((point, i) => {
      const value = point[key];
      if (value === null) {
        pen = 'M';
        return;
      }
      const x = pad + (offset + i) * step;
      const y = height - pad - ((height - 2 * pad) * value) / top;
      d += `${pen}${x.toFixed(1)},${y.toFixed(1)} `;
      pen = 'L';
      svg.append(svgElement('circle', { cx: x, cy: y, r: 2.5, class: `dot ${key}` }));
    });
    if (d !== '') svg.append(svgElement('path', { d, class: `line ${key}` }));
  }
  const scale = svgElement('text', { x: width - pad, y: 14, class: 'axis', 'text-anchor': 'end' });
  scale.textContent = max > 0 ? millis(top) : 'no answers yet';
  svg.append(scale);
  byId('latency-chart').replaceChildren(svg);
  const seconds = (latency.intervals * latency.intervalMs) / 1000;
  setText('latency-window', `last ${seconds} s`);
}

/** One horizontal bar split in parts, each with its class and a title. */
function drawBar(id, parts, label) {
  const width = 600;
  const height = 22;
  const total = parts.reduce((sum, part) => sum + part.value, 0);
  const svg = newChart(width, height, label);
  if (total === 0) {
    svg.append(svgElement('rect', { x: 0, y: 0, width, height, class: 'empty' }));
  }
  let x = 0;
  for (const part of parts) {
    if (part.value === 0) continue;
    const w = (width * part.value) / total;
    const rect = svgElement('rect', { x, y: 0, width: w, height, class: part.kind });
    const title = svgElement('title', {});
    title.textContent = `${part.name}: ${part.value}`;
    rect.append(title);
    svg.append(rect);
    x += w;
  }
  byId(id).replaceChildren(svg);
}

function renderBreakers(snapshot) {
  const body = byId('breakers');
  byId('no-breakers').hidden = snapshot.breakers.length > 0;
  const rows = snapshot.breakers.map((breaker) => {
    const row = document.createElement('tr');
    row.dataset.expert = breaker.expert;
    row.dataset.state = breaker.state;
    row.dataset.since = String(breaker.since);
    const name = document.createElement('td');
    name.textContent = breaker.expert;
    const state = document.createElement('td');
    const badge = document.createElement('span');
    badge.className = `state ${breaker.state}`;
    badge.textContent = breaker.state;
    state.append(badge);
    const since = document.createElement('td');
    since.className = 'since';
    const changes = document.createElement('td');
    changes.textContent = String(breaker.changes);
    row.append(name, state, since, changes);
    return row;
  });
  body.replaceChildren(...rows);
  updateAges();
}

/** Times in state and since the last consensus, at our clock corrected by the service's. */
function updateAges() {
  const now = Date.now() + skewMs;
  for (const row of byId('breakers').rows) {
    row.cells[2].textContent = duration(now - Number(row.dataset.since));
  }
  if (last?.consensus) setText('consensus-age', `${duration(now - last.consensus.at)} ago`);
}

function renderConsensus(consensus) {
  byId('no-consensus').hidden = consensus !== null;
  byId('consensus').hidden = consensus === null;
  if (consensus === null) return;
  setText('consensus-share', percent(consensus.share));
  setText('consensus-reached', consensus.reached ? 'yes' : 'no');
  byId('consensus-reached').dataset.reached = String(consensus.reached);
  setText('consensus-responses', String(consensus.responses));
  drawBar(
    'clusters-chart',
    consensus.clusterSizes.map((size, i) => ({
      name: i === 0 ? `consensus cluster` : `cluster ${i + 1}`,
      value: size,
      kind: i === 0 ? 'agree' : 'other',
    })),
    'Cluster sizes',
  );
  const items = consensus.recommendations.map((r) => {
    const item = document.createElement('li');
    item.textContent = `${r.text} `;
    const support = document.createElement('span');
    support.className = 'muted';
    support.textContent = `(${r.support}, ${percent(r.share)})`;
    item.append(support);
    return item;
  });
  byId('recommendations').replaceChildren(...items);
}

function render(snapshot) {
  last = snapshot;
  skewMs = snapshot.at - Date.now();
  setText('instance', snapshot.instance);
  setText('mode', snapshot.mode);
  document.title = `${snapshot.instance} · Circle of Experts`;
  setText('updated', `updated ${new Date(snapshot.at).toLocaleTimeString()}`);
  renderBreakers(snapshot);

  const latency = snapshot.latency;
  for (const key of SERIES) setText(key, millis(latency[key]));
  setText('answers-rate', latency.perSecond.toFixed(1));
  drawLatency(latency);

  const limiter = snapshot.limiter;
  setText('allowed', String(limiter.allowed));
  setText('limited', String(limiter.limited));
  setText('limited-share', percent(limiter.limitedShare));
  setText('decisions-rate', limiter.perSecond.toFixed(1));

  const cache = snapshot.cache;
  setText('hit-ratio', percent(cache.hitRatio));
  setText('coalesced-share', percent(cache.coalescedShare));
  setText(
    'sources',
    `hit ${cache.hit} · stale ${cache.stale} · coalesced ${cache.coalesced} · miss ${cache.miss}`,
  );
  drawBar(
    'sources-chart',
    [
      { name: 'hit', value: cache.hit, kind: 'hit' },
      { name: 'stale', value: cache.stale, kind: 'stale' },
      { name: 'coalesced', value: cache.coalesced, kind: 'coalesced' },
      { name: 'miss', value: cache.miss, kind: 'miss' },
    ],
    'Answer sources',
  );
  renderConsensus(snapshot.consensus);
}

function setConnection(status) {
  const element = byId('connection');
  element.dataset.status = status;
  element.textContent = status;
}

function connect() {
  const events = new EventSource('/v1/events');
  events.addEventListener('open', () => setConnection('live'));
  events.addEventListener('error', () => setConnection('reconnecting'));
  events.addEventListener('snapshot', (event) => {
    setConnection('live');
    render(JSON.parse(event.data));
  });
}

connect();
setInterval(updateAges, 1000);
