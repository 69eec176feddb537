// The web preview: the demo mini-program's four screens as a plain page, on the browser build
// of the package, keeping state in localStorage and syncing with the server that serves it.
// ?user=NAME picks the member (dev login), ?lang=en the locale.
import { createClient, localStorageAdapter, fetchTransport, drawOnCanvas } from './zailai/index.js';

const params = new URLSearchParams(location.search);
const user = params.get('user') || 'demo';
const locale = params.get('lang') === 'en' ? 'en' : 'zh-CN';
const $ = (id) => document.getElementById(id);
function el(tag, props = {}, ...children) {
  const node = Object.assign(document.createElement(tag), props);
  node.append(...children);
  return node;
}

function toast(text) {
  const t = $('toast');
  t.textContent = text;
  t.hidden = false;
  clearTimeout(toast.timer);
  toast.timer = setTimeout(() => (t.hidden = true), 2500);
}

const client = await createClient({
  storage: localStorageAdapter(),
  user,
  locale,
  server: { url: location.origin, transport: fetchTransport(), credentials: () => ({ dev_user: user }), retry: { retries: 2, baseMs: 300 } },
});
client.on('error', (e) => console.warn(e.code, e.message));
client.on('reward', ({ events }) => {
  const points = events.filter((e) => e.type === 'points_credited').reduce((n, e) => n + e.granted, 0);
  if (points) toast(`+${points} 积分`);
});
$('who').textContent = `member ${user}`;

/** Runs an action; a refusal shows its code instead of breaking the page. */
function act(fn) {
  try {
    fn();
  } catch (e) {
    toast(e.code ? `${e.code}` : String(e));
  }
  render();
}

function renderCheckin() {
  $('calendar').innerHTML = client.calendarSVG(); // the core escapes every text it draws
  const cells = client.calendarCells();
  const done = client.calendar().todayStatus === 'done';
  $('check-in').disabled = Boolean(done);
  $('check-in').textContent = done ? '今日已签到' : '签到';
  $('streak-bar').innerHTML = client.progressSVG(client.progress().streak);
  $('makeups').replaceChildren(
    ...cells
      .filter((c) => c.className.includes('zl-makeup-available'))
      .map((c) => el('button', { type: 'button', textContent: `补签 ${c.date.slice(5)}`, onclick: () => act(() => client.makeUp(c.date)) })),
  );
}

function renderTasks() {
  const bars = new Map(client.progress().tasks.map((t) => [t.id, t]));
  $('task-list').replaceChildren(
    ...client.tasks().map((task) => {
      const bar = bars.get(task.id);
      const info = el('div', { className: 'grow' }, el('div', { textContent: task.title }));
      info.insertAdjacentHTML('beforeend', client.progressSVG({ percentage: bar.percentage, label: bar.label }));
      const side =
        task.status === 'claimable'
          ? el('button', { type: 'button', textContent: '领取', onclick: () => act(() => client.claimTask(task.id)) })
          : el('span', { className: 'muted', textContent: { in_progress: '进行中', done: '已完成', expired: '已过期' }[task.status] || task.status });
      const li = el('li', {}, info, side);
      li.dataset.task = task.id;
      return li;
    }),
  );
}

function renderMember() {
  const tp = client.tierProgress();
  $('tier-name').textContent = tp.tier.name;
  $('tier-bar').innerHTML = client.progressSVG({ percentage: tp.percentage, label: tp.label });
  const b = tp.tier.benefits;
  $('benefits').replaceChildren(
    el('li', { textContent: `签到积分 ${b.checkinPoints}` }),
    el('li', { textContent: b.discountPercent < 100 ? `会员折扣 ${b.discountPercent / 10} 折` : '无折扣' }),
    el('li', { textContent: `每月免费服务 ${b.freeServicesPerMonth} 次` }),
  );
}

function renderPoints() {
  const p = client.pointsSummary();
  $('balance').textContent = p.balance;
  $('points-detail').textContent = `今日已得 ${p.earnedToday}/${p.dailyCap} · 本月 ${p.earnedMonth}/${p.monthlyCap} · ${p.ratePoints} 积分抵 ${p.rateCents / 100} 元`;
  $('expiring').replaceChildren(...p.expiring.map((x) => el('li', { textContent: `${x.date} 过期 ${x.points} 积分` })));
  $('catalog').replaceChildren(
    ...client.catalog().map((item) =>
      el('li', {}, el('span', { className: 'grow', textContent: `${item.name} · ${item.costPoints} 积分` }),
        el('button', { type: 'button', textContent: '兑换', disabled: !item.affordable, onclick: () => act(() => client.redeem(item.id)) }))),
  );
}

// 活动: collect-cards and the lottery of a running campaign, as the mini-program components
// (zailai/collect-cards, zailai/lottery) show them.
function renderCampaign() {
  const running = client.campaigns().filter((c) => c.status === 'active');
  const set = running.flatMap((c) => c.cards || [])[0];
  const lottery = running.flatMap((c) => c.lotteries || [])[0];
  if (!set) $('cards').replaceChildren(el('p', { className: 'muted', textContent: '暂无进行中的活动' }));
  else {
    $('cards').replaceChildren(
      el('div', { className: 'row' }, el('strong', { textContent: set.name }), el('span', { className: 'accent', textContent: set.progress.label })),
      el('div', { className: 'fu-grid' }, ...set.kinds.map((k) => el('div', { className: `fu${k.held ? ' held' : ''}`, textContent: `${k.name} ×${k.held}` }))),
      el('div', { className: 'row' },
        el('span', { className: 'muted', textContent: `今日还可获得 ${set.todayLeft} 张${set.exchanged ? ` · 已兑换 ${set.exchanged} 次` : ''}` }),
        el('button', { type: 'button', id: 'exchange', textContent: '兑换', disabled: !set.complete, onclick: () => act(() => client.exchangeCards(set.id)) })),
    );
  }
  if (!lottery) $('lottery').replaceChildren();
  else {
    const balance = client.pointsSummary().balance;
    $('lottery').replaceChildren(
      el('div', { className: 'row' }, el('strong', { textContent: lottery.name }), el('span', { className: 'muted', textContent: `今日还可抽 ${lottery.drawsLeft} 次` })),
      el('button', { type: 'button', id: 'draw', className: 'primary', textContent: `抽奖 · ${lottery.costPoints} 积分`, disabled: lottery.drawsLeft === 0 || balance < lottery.costPoints,
        onclick: () => act(() => client.draw(lottery.id)) }),
      el('ul', { className: 'list draws' }, ...lottery.draws.map((d) =>
        el('li', { className: d.pending ? 'pending' : '' }, el('span', { textContent: d.date }), el('span', { textContent: d.pending ? '待开奖 · 同步后揭晓' : d.prize ? `抽中 ${d.prize}` : '未中奖' })))),
      el('button', { type: 'button', id: 'verify', textContent: '验证开奖结果', onclick: () => verify(lottery.id) }),
      el('p', { id: 'verify-note', className: 'muted' }),
    );
  }
}

async function verify(id) {
  try {
    const r = await client.verifyLottery(id);
    $('verify-note').textContent = `已验证 ${r.draws} 次抽奖，全部与公布的种子相符`;
  } catch (e) {
    $('verify-note').textContent = e.code === 'LOTTERY_NOT_REVEALED' ? '活动结束后公布种子，届时可验证' : `${e.code}: ${e.message}`;
  }
}

function render() {
  renderCheckin();
  renderTasks();
  renderMember();
  renderPoints();
  renderCampaign();
  const pending = client.pendingOps().length;
  $('sync-status').textContent = `v${client.serverVersion} · ${pending} pending`;
  document.body.dataset.pending = String(pending);
}

$('check-in').onclick = () => act(() => client.checkIn());
$('sync').onclick = async () => {
  $('sync').disabled = true;
  try {
    const r = await client.sync();
    toast(r.rejected.length ? `同步完成,${r.rejected.length} 项被拒: ${r.rejected.map((x) => x.code).join(', ')}` : '同步完成');
  } catch (e) {
    toast(`同步失败 ${e.code || e}`);
  } finally {
    $('sync').disabled = false;
    render();
  }
};
$('poster-button').onclick = () => {
  const canvas = $('poster');
  canvas.hidden = false;
  drawOnCanvas(canvas, client.posterCommands(), { pixelRatio: window.devicePixelRatio || 1 });
};
for (const tab of document.querySelectorAll('.tabs button')) {
  tab.onclick = () => {
    for (const t of document.querySelectorAll('.tabs button')) t.classList.toggle('active', t === tab);
    for (const page of document.querySelectorAll('.page')) page.classList.toggle('active', page.id === tab.dataset.tab);
  };
}
window.addEventListener('online', () => $('sync').click());
render();
document.body.dataset.ready = 'true';
