// The shipped mini-program components (pkg/dist/miniprogram/<name>/), rendered and tapped by
// miniprogram-simulate (j-component, the official template compiler) in a process shaped like
// the mini-program runtime: no WebAssembly, TextEncoder, TextDecoder or fetch; the module
// loaded through WXWebAssembly from the dist's .wasm.br; wx storage with WeChat's quotas.
// One app client (startApp) serves every component, and records use by itself.
const test = require('node:test');
const assert = require('node:assert/strict');
const { readFileSync } = require('node:fs');
const { join, normalize } = require('node:path');
const { brotliDecompressSync } = require('node:zlib');
const { JSDOM } = require('jsdom');
const { encodeRules, pkg, root } = require('./helpers.js');
const { makeWXWebAssembly, makeWx, wxStorageBackend } = require('./mp/wx-core.js');

const mpDir = join(pkg, 'dist', 'miniprogram');
const DAY = 86_400_000;
const NOV1 = Date.UTC(2026, 10, 1, 1, 0); // 09:00 in UTC+8
const clock = { t: NOV1 };

// The runtime: wx (storage, modal, show/hide), WXWebAssembly over the dist's files, and none of
// the web's globals. jsdom is what miniprogram-simulate renders into.
const HostWebAssembly = WebAssembly;
const hooks = makeWx({ storage: wxStorageBackend(), defer: (fn) => setImmediate(fn) });
global.wx = hooks.wx;
global.WXWebAssembly = makeWXWebAssembly(HostWebAssembly, (path, br) => {
  const bytes = readFileSync(join(mpDir, normalize(path).replace(/^\/miniprogram_npm\/zailai\//, '')));
  return br ? brotliDecompressSync(bytes) : bytes;
});
const dom = new JSDOM('<!doctype html><html><body></body></html>');
Object.assign(global, { window: dom.window, document: dom.window.document, Event: dom.window.Event, CustomEvent: dom.window.CustomEvent });
const hidden = { WebAssembly, TextEncoder, TextDecoder };
for (const name of Object.keys(hidden)) delete globalThis[name];
delete globalThis.fetch; // not read: reading it loads undici, which needs WebAssembly later
const simulate = require('miniprogram-simulate');
const zailai = require(join(mpDir, 'index.js')); // the module the components require

/** The seed rules, the Spring Festival campaign (cards, lottery) running from Nov 1 and the
 * daily query task claimed by hand. */
function rules() {
  const cfg = JSON.parse(readFileSync(join(root, 'presets', 'seed.json'), 'utf8'));
  cfg.campaigns[0].start = '2026-11-01';
  cfg.campaigns[0].days = 30;
  cfg.tasks.find((t) => t.id === 'daily_query').claim = 'manual';
  return encodeRules(cfg);
}

let started = null;
/** The app's client: checked in on Nov 1, today Nov 3 (Nov 2 may be made up). */
function app() {
  if (!started) {
    started = (async () => {
      const page = zailai.getClient(); // a page asking before the app started waits for it
      const client = await zailai.startApp({ user: 'ann', config: rules(), now: () => clock.t, deviceId: () => 'phone' }, hooks.wx);
      assert.equal(await page, client);
      assert.equal(await zailai.startApp({ user: 'other' }, hooks.wx), client, 'one client per app');
      client.checkIn();
      clock.t += 2 * DAY;
      return client;
    })();
  }
  return started;
}

const settle = () => new Promise((r) => setImmediate(r));

/** A component of the dist, rendered and attached, after the app's client reached it. */
async function mount(name, props = {}) {
  await app();
  const id = simulate.load(join(mpDir, name, 'index'), `zl-${name}`, { rootPath: mpDir });
  const comp = simulate.render(id, props);
  comp.attach(document.createElement('parent-wrapper'));
  await settle();
  return comp;
}

/** Events a component raises, by name. */
function record(comp, ...names) {
  const seen = {};
  for (const n of names) {
    comp.addEventListener(n, (e) => {
      seen[n] = [...(seen[n] || []), e.detail];
      DETAILS.push([n, e.detail]); // typechecked at the end against the package's types
    });
  }
  return seen;
}
const DETAILS = [];

const attr = (node, name) => node.dom.getAttribute(name);
const text = (node) => node.dom.textContent.replace(/\s+/g, ' ').trim();

test('startApp records use by itself: an open on launch and on each new business day, session minutes on hide', async () => {
  const client = await app();
  const ops = () => client.pendingOps().map((o) => o.op);
  assert.deepEqual(ops().filter((o) => o.type === 'track'), [{ type: 'track', action: 'open' }], 'at launch, Nov 1');
  hooks.show(); // Nov 3 now: the day's open
  assert.equal(ops().filter((o) => o.type === 'track').length, 2);
  hooks.show(); // the same business day: no other
  assert.equal(ops().filter((o) => o.type === 'track').length, 2);
  assert.equal(hooks.wx.getStorageSync('zailai:ann:opened'), '2026-11-03', 'the day is remembered for a relaunch');
  clock.t += 25 * 60_000;
  hooks.hide();
  assert.deepEqual(ops().filter((o) => o.type === 'session'), [{ type: 'session', minutes: 25 }]);
  hooks.show();
  clock.t += 20_000; // under a minute: nothing
  hooks.hide();
  assert.equal(ops().filter((o) => o.type === 'session').length, 1);
  assert.ok(client.tierProgress().dimensions.find((d) => d.dimension === 'minutes').current >= 25, 'minutes count for the tier');
});

test('no make-up modal the balance cannot pay: the day is no button, its label says why', async (t) => {
  const client = await app();
  const real = client.pointsSummary;
  client.pointsSummary = () => ({ ...real.call(client), balance: 0 });
  t.after(() => delete client.pointsSummary);
  const cal = await mount('checkin-calendar');
  const day = cal.data.weeks.flat().find((d) => d.date === '2026-11-02');
  assert.equal(day.status, 'makeup_available');
  assert.deepEqual([day.action, day.label], ['', '11月2日 可补签 积分不足，无法补签']);
  let modals = 0;
  const showModal = hooks.wx.showModal;
  hooks.wx.showModal = (o) => (modals++, showModal(o));
  t.after(() => (hooks.wx.showModal = showModal));
  const seen = record(cal, 'makeup', 'error');
  cal.querySelector('.zl-day--makeup_available').dispatchEvent('tap');
  await settle();
  assert.equal(modals, 0);
  assert.deepEqual(seen, {});
  delete client.pointsSummary; // with the points: a button again
  cal.instance.zlRefresh();
  assert.equal(cal.data.weeks.flat().find((d) => d.date === '2026-11-02').action, 'makeup');
});

test('the check-in calendar: states, accessible labels, tap to check in, tap to make up after a confirm', async () => {
  const client = await app();
  const cal = await mount('checkin-calendar');
  assert.equal(text(cal.querySelector('.zl-calendar__title')), '2026年11月');
  assert.equal(cal.querySelectorAll('.zl-calendar__weekday').length, 7);
  assert.equal(cal.querySelectorAll('.zl-day--checked').length, 1);
  const today = cal.querySelector('.zl-day--today_pending');
  // What the template binds to aria-role and aria-label (the simulator's DOM keeps no aria-*;
  // the template test below checks every tappable element binds them).
  const days = new Map(cal.data.weeks.flat().map((d) => [d.date, d]));
  assert.deepEqual([days.get('2026-11-02').action, days.get('2026-11-02').label], ['makeup', '11月2日 可补签']);
  assert.deepEqual([days.get('2026-11-03').action, days.get('2026-11-03').label], ['checkin', '11月3日 待签到']);
  assert.equal(days.get('2026-11-04').action, '', 'a future day is no button');

  const seen = record(cal, 'checkin', 'makeup', 'error');
  today.dispatchEvent('tap');
  await settle();
  assert.equal(seen.checkin[0].date, '2026-11-03');
  assert.equal(seen.checkin[0].events[0].type, 'checked_in');
  assert.equal(cal.querySelectorAll('.zl-day--today_done').length, 1, 're-rendered on the change');

  const before = client.pointsSummary().balance;
  hooks.modal.confirm = false;
  cal.querySelector('.zl-day--makeup_available').dispatchEvent('tap');
  await settle();
  assert.equal(seen.makeup, undefined, 'declined: nothing made up');
  hooks.modal.confirm = true;
  cal.querySelector('.zl-day--makeup_available').dispatchEvent('tap');
  await settle();
  assert.deepEqual({ date: seen.makeup[0].date, cost: seen.makeup[0].cost }, { date: '2026-11-02', cost: 10 });
  assert.equal(client.pointsSummary().balance, before - 10 + seen.makeup[0].events.filter((e) => e.type === 'points_credited').reduce((n, e) => n + e.granted, 0));
  assert.equal(cal.querySelectorAll('.zl-day--made_up').length, 1);
  assert.equal(seen.error, undefined);
  // A tap on a day that is not actionable does nothing.
  cal.querySelector('.zl-day--future').dispatchEvent('tap');
  await settle();
  assert.equal(seen.checkin.length, 1);
});

test('one locale for component and rule texts: en, and ja or fr_FR in the rules\' default (zh)', async (t) => {
  const client = await app();
  const cal = await mount('checkin-calendar');
  t.after(() => {
    client.locale = undefined;
  });
  const shown = () => [cal.querySelectorAll('.zl-calendar__weekday').map(text), text(cal.querySelector('.zl-calendar__title')), text(cal.querySelector('.zl-calendar__streak'))];
  client.locale = 'en';
  cal.instance.zlRefresh();
  const [weekdays, title, streak] = shown();
  assert.deepEqual(weekdays, ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'], 'weeks start on the rules\' first_weekday');
  assert.equal(title, '11/2026');
  assert.match(streak, /^[\x20-\x7e]+$/, `the rules' text in English too: ${streak}`);
  for (const locale of ['ja', 'fr_FR']) {
    client.locale = locale;
    cal.instance.zlRefresh();
    const [days, month, label] = shown();
    assert.equal(days[0], '一', locale);
    assert.equal(month, '2026年11月', locale);
    assert.match(label, /[\u4e00-\u9fff]/, `${locale}: the rules' text is Chinese as well: ${label}`);
  }
});

test('bind:error: the detail is a ZailaiError, its message in the texts\' language, with params', async (t) => {
  const client = await app();
  const { isZailaiError } = zailai;
  const cal = await mount('checkin-calendar');
  const seen = record(cal, 'error');
  const tapToday = () => cal.instance.onDayTap({ currentTarget: { dataset: { date: '2026-11-03', action: 'checkin', cost: 0 } } });
  tapToday(); // checked in already (or now: then again below)
  tapToday();
  const e = seen.error[seen.error.length - 1];
  assert.ok(isZailaiError(e) && e instanceof Error, 'a ZailaiError');
  assert.equal(e.code, 'ALREADY_CHECKED_IN');
  assert.equal(e.message, '今天已经签到过了');
  assert.deepEqual(e.params, { date: '2026-11-03' });
  assert.ok(isZailaiError(e.cause) && e.cause.code === 'ALREADY_CHECKED_IN', 'the original kept as cause');
  client.locale = 'en';
  t.after(() => (client.locale = undefined));
  tapToday();
  assert.equal(seen.error[seen.error.length - 1].message, e.cause.message, 'in English: the core\'s message');
});

test('progress bars: tier, streak milestone and a task, with a progressbar role', async () => {
  const client = await app();
  const tier = await mount('progress-bar', { kind: 'tier' });
  const tp = client.tierProgress();
  assert.equal(text(tier.querySelector('.zl-progress__label')), tp.label);
  assert.match(attr(tier.querySelector('.zl-progress__fill'), 'style'), new RegExp(`width: ?${tp.percentage}%`));
  const streak = await mount('progress-bar', { kind: 'streak' });
  assert.equal(text(streak.querySelector('.zl-progress__label')), client.progress().streak.label);
  const task = await mount('progress-bar', { kind: 'task', task: 'growth_use_10' });
  assert.equal(text(task.querySelector('.zl-progress__label')), client.progress().tasks.find((t) => t.id === 'growth_use_10').label);
});

test('the task list: progress, and a claim button only where a reward waits', async () => {
  const client = await app();
  const list = await mount('task-list', { kind: 'daily' });
  assert.equal(list.querySelectorAll('.zl-task').length, client.tasks().filter((t) => t.kind === 'daily').length);
  assert.equal(list.querySelectorAll('.zl-task__claim').length, 0);
  // 去完成 on each task in progress: an event the page routes, with the action to do.
  const inProgress = client.tasks().filter((t) => t.kind === 'daily' && t.status === 'in_progress');
  assert.ok(inProgress.some((t) => t.id === 'daily_query'));
  assert.equal(list.querySelectorAll('.zl-task__go').length, inProgress.length);
  const go = record(list, 'go');
  list.querySelector('#zl-task-daily_query .zl-task__go').dispatchEvent('tap');
  await settle();
  assert.deepEqual(go.go, [{ task: 'daily_query', action: 'query', kind: 'daily' }]);
  client.track('query'); // daily_query is done; its reward is claimed by hand
  await settle();
  const claim = list.querySelector('.zl-task__claim');
  assert.equal(text(claim), '领取');
  const seen = record(list, 'claim');
  claim.dispatchEvent('tap');
  await settle();
  assert.equal(seen.claim[0].task, 'daily_query');
  assert.ok(seen.claim[0].events.some((e) => e.type === 'task_claimed'));
  assert.equal(list.querySelectorAll('.zl-task__claim').length, 0);
  assert.equal(list.querySelectorAll('.zl-task--done').length, 1);
});

test('the points card: balance, soonest expiry, today against the cap', async () => {
  const client = await app();
  const card = await mount('points-card');
  const p = client.pointsSummary();
  assert.equal(text(card.querySelector('.zl-points__number')), String(p.balance));
  assert.equal(text(card.querySelector('.zl-points__today')), `今日已得 ${p.earnedToday}/${p.dailyCap}`);
  assert.deepEqual(p.expiring, [], 'points last a year');
  assert.equal(text(card.querySelector('.zl-points__expiring')), '暂无即将过期的积分');
  // One tap, one `tap` event: the native one (the component raises none of its own).
  const taps = [];
  card.addEventListener('tap', (e) => taps.push(e));
  card.querySelector('.zl-points__number').dispatchEvent('tap');
  await settle();
  assert.equal(taps.length, 1);
  const before = p.balance;
  client.track('share');
  await settle();
  assert.ok(Number(text(card.querySelector('.zl-points__number'))) > before, 'follows the member');
});

test('collect-cards: kinds held, cards left today, exchange only with a full set', async () => {
  const client = await app();
  const cards = await mount('collect-cards');
  const set = client.campaigns()[0].cards[0];
  assert.equal(text(cards.querySelector('.zl-cards__name')), set.name);
  assert.equal(cards.querySelectorAll('.zl-card').length, 5);
  assert.equal(cards.querySelectorAll('.zl-card--held').length, set.kinds.filter((k) => k.held).length);
  assert.ok(set.kinds.some((k) => k.held), 'the days of use gave cards');
  assert.equal(text(cards.querySelector('.zl-cards__progress')), set.progress.label);
  const exchange = cards.querySelector('.zl-cards__exchange');
  assert.equal(cards.data.complete, false);
  const seen = record(cards, 'exchange', 'error');
  exchange.dispatchEvent('tap');
  await settle();
  assert.deepEqual(seen, {}, 'an incomplete set is not exchanged');
});

test('the lottery: a draw is paid and pending; verifying without a server is an error event', async () => {
  const client = await app();
  const lot = await mount('lottery');
  const view = client.campaigns()[0].lotteries[0];
  assert.equal(text(lot.querySelector('.zl-lottery__name')), view.name);
  assert.equal(text(lot.querySelector('.zl-lottery__draw')), `抽奖 · ${view.costPoints} 积分`);
  const before = client.pointsSummary().balance;
  const seen = record(lot, 'draw', 'error');
  lot.querySelector('.zl-lottery__draw').dispatchEvent('tap');
  await settle();
  assert.equal(seen.draw[0].lottery, view.id);
  assert.ok(seen.draw[0].events.some((e) => e.type === 'draw_entered'));
  assert.equal(client.pointsSummary().balance, before - view.costPoints);
  assert.equal(text(lot.querySelector('.zl-lottery__result--pending')), '2026-11-03待开奖 · 同步后揭晓');
  // No server: verifying cannot succeed, so there is no such action (nor a note about it).
  assert.equal(client.hasServer, false);
  assert.equal(lot.querySelector('.zl-lottery__verify'), undefined);
  assert.equal(lot.querySelector('.zl-lottery__note'), undefined);
  await lot.instance.onVerify();
  assert.equal(seen.error, undefined);
});

test('the lottery with a server: a note while the campaign runs, the verify action once it is over', async (t) => {
  const client = await app();
  Object.defineProperty(client, 'hasServer', { value: true, configurable: true });
  t.after(() => delete client.hasServer);
  const lot = await mount('lottery');
  assert.ok(lot.data.draws.length >= 1, 'a draw made above');
  assert.equal(lot.querySelector('.zl-lottery__verify'), undefined, 'the seed is secret while the campaign runs');
  assert.equal(text(lot.querySelector('.zl-lottery__note')), '活动结束后公布种子，届时可验证');
  const saved = clock.t;
  t.after(() => (clock.t = saved));
  clock.t = Date.UTC(2026, 11, 5, 1); // the campaign (Nov 1, 30 days) is over
  lot.instance.zlRefresh();
  assert.equal(text(lot.querySelector('.zl-lottery__verify')), '验证开奖结果');
  assert.equal(lot.querySelector('.zl-lottery__note'), undefined);
});

test('external classes and slots, as Vant has them', async () => {
  await app();
  const card = simulate.load(join(mpDir, 'points-card', 'index'), 'zl-points-card', { rootPath: mpDir });
  const tasks = simulate.load(join(mpDir, 'task-list', 'index'), 'zl-task-list', { rootPath: mpDir });
  const cal = simulate.load(join(mpDir, 'checkin-calendar', 'index'), 'zl-checkin-calendar', { rootPath: mpDir });
  const host = simulate.load({
    template: `<zl-points-card id="card" custom-class="brand-card"><view class="extra">会员日</view></zl-points-card>
      <zl-task-list id="tasks" task-class="my-task" />
      <zl-checkin-calendar id="cal" day-class="my-day"><view slot="footer" class="cal-foot">规则</view><view slot="title" class="cal-title">★</view></zl-checkin-calendar>`,
    usingComponents: { 'zl-points-card': card, 'zl-task-list': tasks, 'zl-checkin-calendar': cal },
  });
  const page = simulate.render(host);
  page.attach(document.createElement('parent-wrapper'));
  await settle();
  assert.match(page.querySelector('#card').querySelector('.zl-points').dom.className, /brand-card/);
  assert.equal(page.querySelector('#card').dom.querySelector('.extra').textContent, '会员日', 'the default slot');
  assert.match(page.querySelector('#tasks').querySelector('.zl-task').dom.className, /my-task/);
  assert.match(page.querySelector('#cal').querySelector('.zl-day').dom.className, /my-day/);
  assert.ok(page.querySelector('#cal').dom.querySelector('.cal-foot') && page.querySelector('#cal').dom.querySelector('.cal-title'), 'the title and footer slots');
});

test('a picture of the components as they render (target/artifacts/miniprogram-components.png)', async () => {
  const shown = [
    await mount('points-card'),
    await mount('checkin-calendar'),
    await mount('progress-bar', { kind: 'tier' }),
    await mount('progress-bar', { kind: 'streak' }),
    await mount('task-list'),
  ];
  assert.ok(shown.every((c) => c.dom.textContent.trim().length > 0), 'each rendered something');
  // Rendered in the restricted process; Playwright, which draws the picture, needs the host's
  // globals back (the tests after this one read files only).
  Object.assign(globalThis, hidden);
  const { picture } = require('./mp/picture.js'); // loaded now: Playwright starts undici, which needs WebAssembly
  await picture(shown, 'miniprogram-components');
});

test('a picture of each component for its docs page (target/artifacts/component-NAME.png)', async () => {
  const { copyFileSync, existsSync } = require('node:fs');
  const { picture } = require('./mp/picture.js');
  const shots = {
    'checkin-calendar': [await mount('checkin-calendar')],
    'task-list': [await mount('task-list')],
    'points-card': [await mount('points-card')],
    'progress-bar': [await mount('progress-bar', { kind: 'tier' }), await mount('progress-bar', { kind: 'streak' })],
    'collect-cards': [await mount('collect-cards')],
    lottery: [await mount('lottery')],
  };
  for (const [name, nodes] of Object.entries(shots)) {
    assert.ok(nodes.every((n) => n.dom.textContent.trim()), name);
    await picture(nodes, `component-${name}`);
    const png = join(root, 'target', 'artifacts', `component-${name}.png`);
    assert.ok(existsSync(png), png);
    // ZAILAI_DOC_SHOTS=1 refreshes the docs' copies (docs/components/img/).
    if (process.env.ZAILAI_DOC_SHOTS) copyFileSync(png, join(root, 'docs', 'components', 'img', `${name}.png`));
  }
});

test('a green brand colours every coloured state, held cards and milestone badges too (Chromium)', async () => {
  const { picture } = require('./mp/picture.js');
  const shown = [await mount('points-card'), await mount('checkin-calendar'), await mount('collect-cards'), await mount('lottery'), await mount('task-list'), await mount('progress-bar', { kind: 'tier' })];
  // The computed colour of the first element whose class ends with each name (the simulator
  // prefixes classes with the component's name, as WeChat scopes them).
  const probe = `(() => {
    const colour = (cls, prop) => {
      const el = [...document.querySelectorAll('[class]')].find((e) => [...e.classList].some((c) => c.endsWith('--' + cls)) && (cls !== 'zl-day__top' || e.textContent.trim()));
      return el ? getComputedStyle(el)[prop] : 'missing ' + cls;
    };
    return {
      points: colour('zl-points', 'backgroundColor'),
      checked: colour('zl-day--checked', 'backgroundColor'),
      today: colour('zl-day--today_done', 'backgroundColor'),
      madeUp: colour('zl-day--made_up', 'backgroundColor'),
      milestone: colour('zl-day__top', 'color'),
      streak: colour('zl-calendar__streak', 'color'),
      held: colour('zl-card--held', 'backgroundColor'),
      progress: colour('zl-cards__progress', 'color'),
      draw: colour('zl-lottery__draw', 'backgroundColor'),
      reward: colour('zl-task__reward', 'color'),
      fill: colour('zl-progress__fill', 'backgroundColor'),
    };
  })()`;
  const green = await picture(shown, 'components-green-brand', { css: 'body { --zl-color-primary: #07c160; }', probe });
  for (const [what, value] of Object.entries(green)) assert.equal(value, 'rgb(7, 193, 96)', what);
  // And without a brand, the one default.
  const plain = await picture(shown, 'components-default-brand', { probe });
  for (const [what, value] of Object.entries(plain)) assert.equal(value, 'rgb(255, 96, 52)', what);
});

test('every tappable element of every template is a labelled button, every bar a labelled progressbar', () => {
  let bars = 0;
  for (const name of ['checkin-calendar', 'progress-bar', 'task-list', 'points-card', 'collect-cards', 'lottery']) {
    const wxml = readFileSync(join(mpDir, name, 'index.wxml'), 'utf8');
    const tags = [...wxml.matchAll(/<view\b[^>]*>/g)].map((m) => m[0]);
    const tappable = tags.filter((t) => /bindtap=/.test(t));
    // The points card is tapped whole (WeChat's own tap, bound by the page): a labelled button.
    if (name === 'points-card') assert.match(wxml, /class="zl-points[^"]*" aria-role="button" aria-label="[^"]+"/);
    assert.ok(tappable.length || name === 'progress-bar' || name === 'points-card', `${name} has something to tap`);
    for (const tag of tappable) assert.match(tag, /aria-role="[^"]+"[\s\S]*aria-label="[^"]+"/, `${name}: ${tag}`);
    for (const tag of tags.filter((t) => /class="(zl-progress|zl-task__track)( custom-class)?"/.test(t))) {
      assert.match(tag, /aria-role="progressbar"[\s\S]*aria-label=/, `${name}: ${tag}`);
      bars++;
    }
  }
  assert.equal(bars, 2, 'the progress bar and the task bar');
});

test('miniprogram_npm/zailai/ stays under 400 KB in all', () => {
  const { readdirSync, statSync } = require('node:fs');
  const files = readdirSync(mpDir, { recursive: true }).filter((f) => statSync(join(mpDir, f)).isFile());
  const total = files.reduce((n, f) => n + statSync(join(mpDir, f)).size, 0);
  for (const name of ['checkin-calendar', 'progress-bar', 'task-list', 'points-card', 'collect-cards', 'lottery']) {
    for (const ext of ['js', 'json', 'wxml', 'wxss']) assert.ok(files.includes(join(name, `index.${ext}`)), `${name}/index.${ext}`);
  }
  assert.ok(total < 400 * 1024, `${total} bytes`);
});

const COMPONENTS = ['checkin-calendar', 'progress-bar', 'task-list', 'points-card', 'collect-cards', 'lottery'];
const PRIMARY = 'var(--zl-color-primary, #ff6034)';

/** The CSS variables of a stylesheet with their defaults: [[name, default]]. */
function cssVariables(wxss) {
  const out = [];
  for (const m of wxss.matchAll(/var\((--zl-[\w-]+), /g)) {
    let depth = 1;
    let i = m.index + m[0].length;
    const start = i;
    for (; depth > 0; i++) depth += wxss[i] === '(' ? 1 : wxss[i] === ')' ? -1 : 0;
    out.push([m[1], wxss.slice(start, i - 1)]);
  }
  return out;
}

test('one brand colour drives every coloured state; every CSS variable is documented with its default', () => {
  const docs = readFileSync(join(root, 'docs', 'components', 'README.md'), 'utf8');
  const table = new Map([...docs.matchAll(/^\| `(--zl-[\w-]+)` \| `([^`]+)` \|/gm)].map((m) => [m[1], m[2]]));
  const used = new Map();
  for (const name of COMPONENTS) {
    const wxss = readFileSync(join(mpDir, name, 'index.wxss'), 'utf8');
    assert.doesNotMatch(wxss, /#ee0a24|#1989fa/, `${name}: no colour of another brand`);
    for (const [variable, fallback] of cssVariables(wxss)) {
      const documented = table.get(variable);
      assert.ok(documented, `${name}: ${variable} is not in docs/components/README.md`);
      // The docs write a fallback to the brand as var(--zl-color-primary).
      assert.equal(fallback.replace(PRIMARY, 'var(--zl-color-primary)'), documented, `${name}: ${variable}`);
      if (variable === '--zl-color-primary') assert.equal(fallback, '#ff6034', `${name}: one default primary`);
      used.set(variable, true);
    }
  }
  assert.deepEqual([...table.keys()].sort(), [...used.keys()].sort(), 'the table lists exactly the variables in use');
  assert.ok(used.size >= 21, `${used.size} variables`);
  // Held cards and milestone badges follow the brand unless themed themselves.
  const cards = readFileSync(join(mpDir, 'collect-cards', 'index.wxss'), 'utf8');
  assert.match(cards, new RegExp(`\\.zl-card--held \\{ background: var\\(--zl-color-card-held, ${PRIMARY.replace(/[()]/g, '\\$&')}\\)`));
  const cal = readFileSync(join(mpDir, 'checkin-calendar', 'index.wxss'), 'utf8');
  assert.match(cal, new RegExp(`\\.zl-day__top \\{[^}]*color: var\\(--zl-color-milestone, ${PRIMARY.replace(/[()]/g, '\\$&')}\\)`));
});

test('a docs page per component: every property, event, external class, slot and variable, and a picture', () => {
  const { existsSync } = require('node:fs');
  const kebab = (s) => s.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
  for (const name of COMPONENTS) {
    const page = readFileSync(join(root, 'docs', 'components', `${name}.md`), 'utf8');
    const js = readFileSync(join(mpDir, name, 'index.js'), 'utf8');
    const wxml = readFileSync(join(mpDir, name, 'index.wxml'), 'utf8');
    const props = /properties: \{([\s\S]*?)\n  \},/.exec(js);
    const names = props ? [...props[1].matchAll(/^ {4}(\w+): \{ type/gm)].map((m) => kebab(m[1])) : [];
    const events = [...new Set([...js.matchAll(/triggerEvent\('(\w+)'/g)].map((m) => m[1]))].concat('error');
    const classes = /externalClasses: \[([^\]]*)\]/.exec(js)[1].match(/[\w-]+/g);
    const slots = [...wxml.matchAll(/<slot(?: name="([\w-]+)")? \/>/g)].map((m) => (m[1] ? `slot \`${m[1]}\`` : 'default slot'));
    const variables = cssVariables(readFileSync(join(mpDir, name, 'index.wxss'), 'utf8')).map(([v]) => v);
    for (const p of names) assert.match(page, new RegExp(`\\| \`${p}\` \\|`), `${name}: property ${p}`);
    for (const e of events) assert.match(page, new RegExp(`\\| \`${e}\` \\| `), `${name}: event ${e}`);
    for (const c of classes) assert.ok(page.includes(`| \`${c}\` |`), `${name}: external class ${c}`);
    for (const s of slots) assert.ok(page.includes(`| ${s} |`), `${name}: ${s}`);
    for (const v of new Set(variables)) assert.ok(page.includes(`\`${v}\``), `${name}: variable ${v}`);
    assert.ok(page.includes(`](img/${name}.png)`) && existsSync(join(root, 'docs', 'components', 'img', `${name}.png`)), `${name}: picture`);
    assert.ok(classes.includes('custom-class'), `${name}: custom-class, as Vant's`);
  }
});

test('the details the components raised typecheck against the package\'s detail types (no field missing, extra or renamed)', () => {
  const { mkdtempSync, writeFileSync } = require('node:fs');
  const { spawnSync } = require('node:child_process');
  const { tmpdir } = require('node:os');
  const TYPES = { checkin: 'CheckinDetail', makeup: 'MakeupDetail', claim: 'ClaimDetail', go: 'GoDetail', draw: 'DrawDetail', exchange: 'ExchangeDetail', verify: 'VerifyDetail' };
  const typed = DETAILS.filter(([name]) => TYPES[name]);
  assert.deepEqual([...new Set(typed.map(([n]) => n))].sort(), ['checkin', 'claim', 'draw', 'go', 'makeup'], 'the events raised above');
  const lines = typed.map(([name, detail], i) => `const d${i}: Z.${TYPES[name]} = ${JSON.stringify(detail)};`);
  const check = (source) => {
    const dir = mkdtempSync(join(tmpdir(), 'zailai-details-'));
    writeFileSync(join(dir, 'check.ts'), source);
    const compilerOptions = { strict: true, noEmit: true, target: 'es2020', module: 'commonjs', moduleResolution: 'node', lib: ['es2020'], types: [], paths: { zailai: [join(pkg, 'types', 'miniprogram.d.ts')] } };
    writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify({ compilerOptions, files: ['check.ts'] }));
    return spawnSync(join(__dirname, '..', 'node_modules', 'typescript', 'bin', 'tsc'), ['-p', dir], { encoding: 'utf8' });
  };
  const ok = check(`import type * as Z from 'zailai';\n${lines.join('\n')}\nvoid [${lines.map((_, i) => `d${i}`).join(', ')}];\n`);
  assert.equal(ok.status, 0, ok.stdout + ok.stderr);
  // The check can fail: a renamed field is refused.
  const bad = check(`import type * as Z from 'zailai';\nconst d: Z.GoDetail = ${JSON.stringify({ task: 'x', actionName: 'share', kind: 'daily' })};\nvoid d;\n`);
  assert.notEqual(bad.status, 0);
});
