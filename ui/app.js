// ailab-queue dashboard: one page, hash routes (#queue, #job/ID, #cluster),
// the /v1 API through fetch with the session cookie, and the event stream
// through EventSource.  User text only ever goes through textContent.
'use strict';

const STATES = ['queued', 'held', 'admitted', 'running', 'succeeded',
	'failed', 'cancelled', 'timed_out'];
const ACTIVE = ['queued', 'held', 'admitted', 'running'];
// Which actions a state allows (the server decides; this only greys
// out buttons that would be refused).
const ACTIONS = {
	cancel: ['queued', 'held', 'admitted', 'running'],
	hold: ['queued'],
	release: ['held'],
	retry: ['failed', 'cancelled', 'timed_out', 'succeeded'],
};

const ROWS_PER_PAGE = 200;

const app = { csrf: null, user: null, jobs: new Map(), filters: {},
	events: null, timer: null, job: null, follow: null, page: 0,
	loadGen: 0 };

function $(id) { return document.getElementById(id); }

function el(tag, text, cls) {
	const e = document.createElement(tag);
	if (text !== undefined && text !== null)
		e.textContent = String(text);
	if (cls)
		e.className = cls;
	return e;
}

function status(msg, isError) {
	$('status').textContent = msg || '';
	$('status').className = isError ? 'error' : '';
}

// One API call: JSON in and out; a state change carries the CSRF value.
async function api(method, path, opts) {
	const o = opts || {};
	const headers = Object.assign({}, o.headers || {});
	if (method !== 'GET' && app.csrf)
		headers['X-CSRF-Token'] = app.csrf;
	const r = await fetch(path, { method, headers, body: o.body,
		credentials: 'same-origin', cache: 'no-store' });
	if (r.status === 401 && !o.noSignout) {
		signedOut('Your session has ended: sign in again.');
		throw new Error('signed out');
	}
	const type = r.headers.get('Content-Type') || '';
	const body = type.startsWith('application/json') ? await r.json() :
		await r.text();
	if (!r.ok) {
		const msg = body && body.error ? body.error.message :
			'HTTP ' + r.status;
		const e = new Error(msg);
		e.status = r.status;
		throw e;
	}
	return { body, headers: r.headers };
}

function show(view) {
	for (const v of ['signin', 'queue', 'job', 'cluster', 'usage', 'class'])
		$('view-' + v).hidden = v !== view;
	for (const v of ['queue', 'cluster', 'usage', 'class']) {
		if (v === view || (view === 'job' && v === 'queue'))
			$('nav-' + v).setAttribute('aria-current', 'page');
		else
			$('nav-' + v).removeAttribute('aria-current');
	}
}

function signedIn(s) {
	app.csrf = s.csrf_token;
	app.user = s;
	$('username').textContent = s.username;
	$('who').hidden = false;
	$('nav').hidden = false;
	$('f-owner-label').hidden = !s.admin &&
		!(s.ta_namespaces && s.ta_namespaces.length);
	route();
}

function signedOut(msg) {
	app.csrf = null;
	app.user = null;
	stopLive();
	clearJob();
	app.jobs = new Map();
	renderQueue();
	for (const id of ['gpu-types', 'jobs'])
		$(id).tBodies[0].replaceChildren();
	$('node-map').replaceChildren();
	for (const id of ['usage-users', 'usage-groups', 'usage-types',
		'usage-fair', 'usage-total', 'class-totals'])
		$(id).replaceChildren();
	$('class-report').tHead.rows[0].replaceChildren();
	$('class-report').tBodies[0].replaceChildren();
	$('class-csv').hidden = true;
	$('who').hidden = true;
	$('nav').hidden = true;
	show('signin');
	status(msg || '');
	$('token').focus();
}

function stopLive() {
	if (app.events) {
		app.events.close();
		app.events = null;
	}
	if (app.follow) {
		clearInterval(app.follow);
		app.follow = null;
	}
	$('log-follow').checked = false;
}

// ---- Queue ----

function wantedStates() {
	const s = app.filters.state || '';
	return s === '' ? ACTIVE : s === 'all' ? STATES : [s];
}

function globMatch(glob, s) {
	const re = '^' + glob.replace(/[.+^${}()|[\]\\]/g, '\\$&')
		.replace(/\*/g, '.*').replace(/\?/g, '.') + '$';
	return new RegExp(re).test(s);
}

// Does a job (from the stream) belong to the list as filtered?
function matches(j) {
	const f = app.filters;
	return wantedStates().includes(j.state) &&
		(!f.name || globMatch(f.name, j.name)) &&
		(!f.group || j.group === f.group) &&
		(!f.owner || j.owner === f.owner);
}

function listQuery(limit) {
	const f = app.filters, q = new URLSearchParams();
	if (f.state === 'all')
		q.set('all', 'true');
	else if (f.state)
		q.set('state', f.state);
	for (const k of ['name', 'group', 'owner'])
		if (f[k])
			q.set(k, f[k]);
	q.set('limit', String(limit));
	return q;
}

// Loads the list page by page, drawing after each: a small first page
// puts rows on the screen at once, the rest follows in bigger pages.  A
// newer load (other filters) makes an older one stop.
async function loadQueue() {
	const gen = ++app.loadGen;
	let cont = null, first = true;
	app.jobs = new Map();
	app.page = 0;
	do {
		const q = listQuery(first ? ROWS_PER_PAGE : 5000);
		if (cont)
			q.set('continue', cont);
		const r = await api('GET', '/v1/jobs?' + q.toString());
		if (gen !== app.loadGen)
			return;
		for (const j of r.body.items)
			app.jobs.set(j.id, j);
		cont = r.body.continue;
		renderQueue();
		// For bench/ui-load: the first rows are on the page, and the
		// browser is free again after drawing them.
		if (first && !performance.getEntriesByName('queue-rendered')
			.length) {
			performance.mark('queue-rendered');
			requestAnimationFrame(() => setTimeout(() =>
				performance.mark('queue-idle'), 0));
		}
		first = false;
	} while (cont);
	if (!performance.getEntriesByName('queue-complete').length)
		performance.mark('queue-complete');
}

// "2× RTX4090", or "" for a CPU job.
function gpus(j) {
	return j.gpu && j.gpu.count ? j.gpu.count + '× ' + j.gpu.type : '';
}

// A waiting job's estimated start from now, as `ls` prints it ("~3h" for
// 2h59m, "~now" once due), or null when the scheduler expects none.  The time is
// on the cluster's clock; the distance is from this browser's.
function startIn(j) {
	const at = j.state === 'queued' && j.estimated_start ?
		Date.parse(j.estimated_start) : NaN;
	if (isNaN(at))
		return null;
	const secs = Math.ceil((at - Date.now()) / 1000);
	if (secs <= 0)
		return '~now';
	// As `ls` prints it: the units of ages, rounded to the nearest.
	if (secs < 120)
		return '~' + secs + 's';
	if (Math.round(secs / 60) < 120)
		return '~' + Math.round(secs / 60) + 'm';
	if (Math.round(secs / 3600) < 48)
		return '~' + Math.round(secs / 3600) + 'h';
	return '~' + Math.round(secs / 86400) + 'd';
}

// The estimated start cell: relative, the absolute time as its tooltip.
function startCell(j) {
	const rel = startIn(j);
	const td = el('td', rel || '—', 'start');
	if (rel) {
		td.title = j.estimated_start;
		td.dataset.at = j.estimated_start;
	}
	return td;
}

function jobRow(j) {
	const tr = el('tr', null, 'state-' + j.state);
	tr.dataset.id = j.id;
	const id = el('td');
	const a = el('a', j.id);
	a.href = '#job/' + j.id;
	id.appendChild(a);
	tr.appendChild(id);
	tr.appendChild(el('td', j.name, 'name'));
	tr.appendChild(el('td', j.state.replace('_', ' '), 'state'));
	tr.appendChild(el('td', j.owner, 'owner'));
	tr.appendChild(el('td', j.group || '', 'group'));
	tr.appendChild(el('td', gpus(j), 'gpus'));
	tr.appendChild(el('td', j.reason || '', 'reason'));
	tr.appendChild(startCell(j));
	return tr;
}

// The list, ordered by state (as listed above) then id, one page of
// rows at a time (a table of 10,000 rows takes the browser seconds to
// lay out), with the counts of all.
function renderQueue() {
	const rows = [...app.jobs.values()].sort((a, b) =>
		STATES.indexOf(a.state) - STATES.indexOf(b.state) || a.id - b.id);
	const pages = Math.max(1, Math.ceil(rows.length / ROWS_PER_PAGE));
	app.page = Math.min(app.page, pages - 1);
	const from = app.page * ROWS_PER_PAGE;
	const tbody = el('tbody');
	const counts = {};
	for (const j of rows)
		counts[j.state] = (counts[j.state] || 0) + 1;
	for (const j of rows.slice(from, from + ROWS_PER_PAGE))
		tbody.appendChild(jobRow(j));
	$('jobs').replaceChild(tbody, $('jobs').tBodies[0]);
	$('pager').hidden = pages === 1;
	$('page-info').textContent = 'Jobs ' + (from + 1) + '–' +
		Math.min(rows.length, from + ROWS_PER_PAGE) + ' of ' + rows.length;
	$('prev').disabled = app.page === 0;
	$('next').disabled = app.page >= pages - 1;
	const parts = STATES.filter(s => counts[s]).map(s =>
		counts[s] + ' ' + s.replace('_', ' '));
	$('queue-counts').textContent = rows.length === 0 ? 'No jobs.' :
		parts.join(', ');
}

// A state change arrived: the job is updated in place, added or dropped.
function onEvent(ev) {
	let item;
	try {
		item = JSON.parse(ev.data);
	} catch (e) {
		return;
	}
	if (item.type !== 'EVENT' || !item.job)
		return;
	if (matches(item.job))
		app.jobs.set(item.job.id, item.job);
	else
		app.jobs.delete(item.job.id);
	if (app.timer === null)
		app.timer = setTimeout(() => {
			app.timer = null;
			if (!$('view-queue').hidden)
				renderQueue();
		}, 100);
	if (app.job && app.job.id === item.job.id && !$('view-job').hidden)
		loadJob(app.job.id);
}

function startLive() {
	if (app.events)
		return;
	app.events = new EventSource('/v1/events?watch=true');
	app.events.onmessage = onEvent;
}

async function showQueue() {
	show('queue');
	try {
		await loadQueue();
		startLive();
		status('');
	} catch (e) {
		if (e.message !== 'signed out')
			status(e.message, true);
	}
}

// ---- Job ----

function addField(dl, name, value) {
	if (value === undefined || value === null || value === '')
		return;
	dl.appendChild(el('dt', name));
	dl.appendChild(el('dd', value));
}

async function loadJob(id) {
	const r = await api('GET', '/v1/jobs/' + id);
	const j = r.body;
	app.job = j;
	$('job-title').textContent = 'Job ' + j.id + ': ' + j.name;
	const dl = document.createDocumentFragment();
	addField(dl, 'State', j.state.replace('_', ' '));
	addField(dl, 'Reason', j.reason);
	addField(dl, 'Owner', j.owner);
	addField(dl, 'Namespace', j.namespace);
	addField(dl, 'Group', j.group);
	addField(dl, 'GPUs', gpus(j) || 'none');
	addField(dl, 'Replicas', j.replicas);
	addField(dl, 'Priority', j.priority);
	addField(dl, 'Attempts', j.attempts);
	addField(dl, 'Exit code', j.exit_code);
	addField(dl, 'Submitted', j.submitted_at);
	addField(dl, 'Started', j.started_at);
	addField(dl, 'Finished', j.finished_at);
	if (startIn(j))
		addField(dl, 'Estimated start', startIn(j) + ' (' +
			j.estimated_start + ')');
	else if (j.state === 'queued')
		addField(dl, 'Estimated start', 'none expected yet (see the reason)');
	$('job-fields').replaceChildren(dl);
	const tb = el('tbody');
	for (const a of j.archived_replicas || []) {
		const tr = el('tr');
		for (const v of [a.attempt, a.rank, a.node, a.exit_code, a.reason])
			tr.appendChild(el('td', v === undefined ? '' : v));
		tb.appendChild(tr);
	}
	$('job-attempts').replaceChild(tb, $('job-attempts').tBodies[0]);
	const ol = document.createDocumentFragment();
	for (const e of j.events || [])
		ol.appendChild(el('li', e.time + ': ' + (e.from || 'new') + ' → ' +
			e.to + (e.reason ? ' (' + e.reason + ')' : '')));
	$('job-history').replaceChildren(ol);
	for (const b of $('job-actions').querySelectorAll('button'))
		b.disabled = !ACTIONS[b.dataset.action].includes(j.state);
	await loadLog(id);
}

async function loadLog(id) {
	try {
		const r = await api('GET', '/v1/jobs/' + id + '/logs?tail=1000');
		const src = r.headers.get('X-Ailab-Log-Source');
		$('job-log').textContent = r.body || '(empty ' + (src || '') +
			' log)';
		const pre = $('job-log');
		pre.scrollTop = pre.scrollHeight;
	} catch (e) {
		if (e.message !== 'signed out')
			$('job-log').textContent = '(' + e.message + ')';
	}
}

// Empties the job page, so that nothing of a job shown before (perhaps
// to the user who signed out) stays while the next one loads.
function clearJob() {
	app.job = null;
	$('job-title').textContent = 'Job';
	$('job-fields').replaceChildren();
	$('job-attempts').tBodies[0].replaceChildren();
	$('job-history').replaceChildren();
	$('job-log').textContent = '';
}

async function showJob(id) {
	show('job');
	clearJob();
	try {
		await loadJob(id);
		startLive();
		status('');
	} catch (e) {
		if (e.message === 'signed out')
			return;
		$('job-title').textContent = 'Job ' + id;
		status(e.status === 404 ? 'Job ' + id + ' not found.' : e.message,
			true);
		for (const b of $('job-actions').querySelectorAll('button'))
			b.disabled = true;
	}
}

async function act(action) {
	if (!app.job)
		return;
	try {
		const r = await api('POST', '/v1/jobs/' + app.job.id + '/' + action,
			{ body: '{}', headers: { 'Content-Type': 'application/json' } });
		status(r.body.items.map(i => i.message).join('; '));
		await loadJob(app.job.id);
	} catch (e) {
		if (e.message !== 'signed out')
			status(e.message, true);
	}
}

// ---- Cluster ----

async function showCluster() {
	show('cluster');
	try {
		const c = (await api('GET', '/v1/cluster')).body;
		const tb = el('tbody');
		for (const t of c.types) {
			const tr = el('tr');
			tr.dataset.type = t.type;
			tr.appendChild(el('th', t.type)).scope = 'row';
			for (const k of ['nodes', 'allocatable', 'used', 'free',
				'waiting'])
				tr.appendChild(el('td', t[k], 'num ' + k));
			tb.appendChild(tr);
		}
		$('gpu-types').replaceChild(tb, $('gpu-types').tBodies[0]);
		const ul = el('ul', null, 'node-map');
		ul.id = 'node-map';
		for (const n of c.nodes) {
			const frac = n.allocatable ? n.used / n.allocatable : 0;
			const level = n.used === 0 ? 0 : Math.min(4, 1 +
				Math.floor(frac * 3.999));
			const li = el('li', n.name + ' ' + n.used + '/' +
				n.allocatable, 'u' + level + (n.ready ? '' : ' down'));
			li.title = n.type + ': ' + n.used + ' of ' + n.allocatable +
				' GPUs in use' + (n.ready ? '' : ', not ready');
			li.setAttribute('aria-label', n.name + ', ' + li.title);
			li.dataset.node = n.name;
			ul.appendChild(li);
		}
		$('node-map').replaceWith(ul);
		status('');
	} catch (e) {
		if (e.message !== 'signed out')
			status(e.message, true);
	}
}

// ---- Usage ----

const SVG = 'http://www.w3.org/2000/svg';

function svgEl(tag, attrs, text) {
	const e = document.createElementNS(SVG, tag);
	for (const [k, v] of Object.entries(attrs || {}))
		e.setAttribute(k, String(v));
	if (text !== undefined)
		e.textContent = String(text);
	return e;
}

function hours(h) {
	return h >= 100 ? h.toFixed(0) : h >= 10 ? h.toFixed(1) : h.toFixed(2);
}

// A horizontal bar chart of rows [{label, value}], drawn as SVG: one bar
// a row, the longest the full width, each labelled with its value.
function barChart(box, rows, title) {
	box.replaceChildren();
	if (rows.length === 0) {
		box.appendChild(el('p', 'No GPU time in this window.'));
		return;
	}
	const rowH = 24, labelW = 160, valueW = 70, width = 600;
	const max = Math.max(...rows.map(r => r.value), 1e-9);
	const svg = svgEl('svg', { viewBox: '0 0 ' + width + ' ' +
		rows.length * rowH, role: 'img' });
	svg.appendChild(svgEl('title', {}, title + ': ' + rows.map(r =>
		r.label + ' ' + hours(r.value) + ' GPU-hours').join(', ')));
	rows.forEach((r, i) => {
		const y = i * rowH;
		const g = svgEl('g', { 'data-label': r.label });
		g.appendChild(svgEl('text', { x: 0, y: y + 16 },
			r.label.length > 22 ? r.label.slice(0, 21) + '…' : r.label));
		const w = Math.max(1, (width - labelW - valueW) * r.value / max);
		g.appendChild(svgEl('rect', { x: labelW, y: y + 4, height: 16,
			width: w.toFixed(1), class: 'bar' }));
		g.appendChild(svgEl('text', { x: labelW + w + 6, y: y + 16,
			class: 'value' }, hours(r.value)));
		svg.appendChild(g);
	});
	box.appendChild(svg);
}

async function showUsage() {
	show('usage');
	const w = document.querySelector('input[name="window"]:checked').value;
	try {
		const u = (await api('GET', '/v1/usage?window=' + w)).body;
		$('usage-total').textContent = hours(u.total_gpu_hours) +
			' GPU-hours from ' + u.since + ' to ' + u.until + '.';
		barChart($('usage-users'), u.users.map(x => ({ label: x.user,
			value: x.gpu_hours })), 'GPU-hours per user');
		barChart($('usage-groups'), u.groups.map(x => ({
			label: x.group + ' (' + x.owner + ')', value: x.gpu_hours })),
			'GPU-hours per group');
		barChart($('usage-types'), u.types.map(x => ({ label: x.type,
			value: x.gpu_hours })), 'GPU-hours per GPU type');
		barChart($('usage-fair'), u.fair_share.map(x => ({ label: x.user,
			value: x.gpu_hours })), 'Fair-share usage');
		status('');
	} catch (e) {
		if (e.message !== 'signed out')
			status(e.message, true);
	}
}

// ---- Class ----

// One CSV field as `report -o csv` writes it: RFC 4180 quoting, and a
// leading quote on a cell a spreadsheet would run as a formula.
function csvField(s) {
	s = s === undefined || s === null ? '' : String(s);
	const quote = /[,"\r\n]/.test(s);
	let out = '';
	if (s !== '' && '=+-@\t\r'.includes(s[0]) && s !== '-' &&
		!/^[+-]?\d+(\.\d+)?$/.test(s))
		out = "'";
	out += s.replace(/"/g, '""');
	return quote ? '"' + out + '"' : out;
}

// Seconds as `report` prints a run time: 45s, 12m, 3h, 5d.
function compactDuration(secs) {
	secs = Math.max(0, Math.floor(secs));
	if (secs < 120)
		return secs + 's';
	if (secs < 7200)
		return Math.floor(secs / 60) + 'm';
	if (secs < 172800)
		return Math.floor(secs / 3600) + 'h';
	return Math.floor(secs / 86400) + 'd';
}

// The node rank 0 of the latest attempt ran on (as `report` shows it).
function reportNode(detail) {
	let best = null;
	for (const r of (detail && detail.archived_replicas) || [])
		if (r.rank === 0 && (best === null || r.attempt > best.attempt))
			best = r;
	return best ? best.node || '' : '';
}

// Fetches the details of jobs a few at a time (the API's rate limit is
// per user).
async function details(ids) {
	const out = new Map();
	const queue = ids.slice();
	async function worker() {
		while (queue.length) {
			const id = queue.shift();
			try {
				out.set(id, (await api('GET', '/v1/jobs/' + id)).body);
			} catch (e) {
				out.set(id, null);
			}
		}
	}
	await Promise.all([worker(), worker(), worker(), worker()]);
	return out;
}

async function loadClass(group) {
	const jobs = [];
	let cont = null;
	do {
		const q = new URLSearchParams({ group, all: 'true', limit: '5000' });
		if (cont)
			q.set('continue', cont);
		const r = await api('GET', '/v1/jobs?' + q.toString());
		jobs.push(...r.body.items);
		cont = r.body.continue;
	} while (cont);
	if (jobs.length === 0)
		throw new Error("group '" + group + "' not found");
	// The node is only in a job's detail: one request a job, so only for
	// groups of a class's size.
	const det = jobs.length <= 500 ? await details(jobs.map(j => j.id)) :
		new Map();
	const keys = [];
	for (const j of jobs)
		for (const k of Object.keys((j.spec && j.spec.params) || {}))
			if (!keys.includes(k))
				keys.push(k);
	const header = ['ID', 'NAME', ...keys, 'STATE', 'EXIT', 'ATTEMPTS',
		'RUNTIME', 'GPU', 'NODE', 'REASON'];
	const now = Date.now();
	const counts = {};
	let total = 0;
	const rows = jobs.map(j => {
		const p = (j.spec && j.spec.params) || {};
		const start = j.started_at ? Date.parse(j.started_at) : 0;
		const end = j.finished_at ? Date.parse(j.finished_at) : now;
		const run = start && end > start ? end - start : 0;
		counts[j.state] = (counts[j.state] || 0) + 1;
		total += run;
		return [String(j.id), j.name, ...keys.map(k =>
			typeof p[k] === 'string' ? p[k] : ''), j.state,
			j.exit_code === undefined || j.exit_code === null ? '' :
				String(j.exit_code), String(j.attempts),
			run > 0 ? compactDuration(run / 1000) : '',
			j.run_gpu_type || '', reportNode(det.get(j.id)),
			j.reason || ''];
	});
	return { header, rows, counts, total, n: jobs.length };
}

async function showClass(group) {
	show('class');
	$('class-csv').hidden = true;
	$('class-totals').textContent = '';
	$('class-report').tHead.rows[0].replaceChildren();
	$('class-report').tBodies[0].replaceChildren();
	if (!group)
		return;
	$('class-group').value = group;
	try {
		const r = await loadClass(group);
		const hr = $('class-report').tHead.rows[0];
		for (const h of r.header)
			hr.appendChild(el('th', h)).scope = 'col';
		const tb = el('tbody');
		for (const row of r.rows) {
			const tr = el('tr');
			for (const c of row)
				tr.appendChild(el('td', c));
			tb.appendChild(tr);
		}
		$('class-report').replaceChild(tb, $('class-report').tBodies[0]);
		const c = s => r.counts[s] || 0;
		$('class-totals').textContent = r.n + ' jobs: ' + c('succeeded') +
			' succeeded, ' + c('failed') + ' failed, ' + c('timed_out') +
			' timed out, ' + c('cancelled') + ' cancelled, ' +
			(c('running') + c('admitted')) + ' running, ' +
			(c('queued') + c('held')) + ' waiting; run time ' +
			compactDuration(r.total / 1000);
		const csv = [r.header, ...r.rows].map(row =>
			row.map(csvField).join(',') + '\n').join('');
		const a = $('class-csv');
		if (a.href)
			URL.revokeObjectURL(a.href);
		a.href = URL.createObjectURL(new Blob([csv], { type: 'text/csv' }));
		a.download = group.replace(/[^A-Za-z0-9._-]/g, '_') + '.csv';
		a.hidden = false;
		status('');
	} catch (e) {
		if (e.message !== 'signed out')
			status(e.message, true);
	}
}

// ---- Routing and start ----

function route() {
	if (!app.csrf)
		return signedOut();
	const h = location.hash.replace(/^#/, '');
	const m = /^job\/(\d+)$/.exec(h);
	if (app.follow && !m)
		stopLive();
	if (m)
		return showJob(m[1]);
	if (h === 'cluster')
		return showCluster();
	if (h === 'usage')
		return showUsage();
	if (h === 'class' || h.startsWith('class/'))
		return showClass(decodeURIComponent(h.slice(6)));
	return showQueue();
}

async function signIn(ev) {
	ev.preventDefault();
	const tok = $('token').value.trim();
	$('token').value = '';
	try {
		const r = await api('POST', '/v1/session', { noSignout: true,
			headers: { Authorization: 'Bearer ' + tok } });
		status('');
		signedIn(r.body);
	} catch (e) {
		status('Sign-in refused: ' + e.message, true);
	}
}

async function signOut() {
	try {
		await api('DELETE', '/v1/session', { noSignout: true });
	} catch (e) {
		// The session is gone either way.
	}
	signedOut('Signed out.');
}

function init() {
	$('signin-form').addEventListener('submit', signIn);
	$('signout').addEventListener('click', signOut);
	$('filters').addEventListener('submit', ev => {
		ev.preventDefault();
		app.filters = { state: $('f-state').value,
			name: $('f-name').value.trim(),
			group: $('f-group').value.trim(),
			owner: $('f-owner').value.trim() };
		showQueue();
	});
	for (const b of $('job-actions').querySelectorAll('button'))
		b.addEventListener('click', () => act(b.dataset.action));
	$('log-follow').addEventListener('change', () => {
		if (app.follow) {
			clearInterval(app.follow);
			app.follow = null;
		}
		if ($('log-follow').checked && app.job)
			app.follow = setInterval(() => loadLog(app.job.id), 2000);
	});
	for (const r of document.querySelectorAll('input[name="window"]'))
		r.addEventListener('change', showUsage);
	$('prev').addEventListener('click', () => {
		app.page--;
		renderQueue();
	});
	$('next').addEventListener('click', () => {
		app.page++;
		renderQueue();
	});
	$('class-form').addEventListener('submit', ev => {
		ev.preventDefault();
		location.hash = '#class/' + encodeURIComponent(
			$('class-group').value.trim());
	});
	window.addEventListener('hashchange', route);
	api('GET', '/v1/session', { noSignout: true })
		.then(r => signedIn(r.body))
		.catch(() => signedOut());
}

document.addEventListener('DOMContentLoaded', init);
