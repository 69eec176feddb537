// What every zailai component shares: the app's client (startApp's, from getClient), a render on
// every change of the member (actions, syncs) and when the page shows again (the business day
// may have turned), component texts in zh-CN and en, and errors as an `error` event.
// Pages may use it too (Component-built pages); a page made with Page() calls getClient().
const zailai = require('./index.js');

const TEXTS = {
  zh: {
    weekdays: ['日', '一', '二', '三', '四', '五', '六'],
    month: '{y}年{m}月',
    day: '{m}月{d}日',
    makeupsLeft: '本月还可补签 {n} 次',
    makeupConfirm: '补签 {day} 需要 {cost} 积分',
    makeupTitle: '补签',
    points: '积分',
    expiring: '{n} 积分将于 {date} 过期',
    noneExpiring: '暂无即将过期的积分',
    today: '今日已得 {n}/{cap}',
    claim: '领取',
    claimed: '已领取',
    expired: '已过期',
    reward: '+{n} 积分',
    exchange: '兑换',
    exchanged: '已兑换 {n} 次',
    cardsToday: '今日还可获得 {n} 张',
    draw: '抽奖 · {cost} 积分',
    drawsLeft: '今日还可抽 {n} 次',
    pending: '待开奖 · 同步后揭晓',
    won: '抽中 {prize}',
    lost: '未中奖',
    verify: '验证开奖结果',
    verified: '已验证 {n} 次抽奖，全部与公布的种子相符',
    notRevealed: '活动结束后公布种子，届时可验证',
    noCampaign: '暂无进行中的活动',
  },
  en: {
    weekdays: ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'],
    month: '{m}/{y}',
    day: '{m}/{d}',
    makeupsLeft: '{n} make-ups left this month',
    makeupConfirm: 'Make up {day} for {cost} points?',
    makeupTitle: 'Make up',
    points: 'points',
    expiring: '{n} points expire on {date}',
    noneExpiring: 'No points expiring soon',
    today: 'Today {n}/{cap}',
    claim: 'Claim',
    claimed: 'Claimed',
    expired: 'Expired',
    reward: '+{n} points',
    exchange: 'Exchange',
    exchanged: 'Exchanged {n}×',
    cardsToday: '{n} more cards today',
    draw: 'Draw · {cost} points',
    drawsLeft: '{n} draws left today',
    pending: 'Pending · decided at sync',
    won: 'Won {prize}',
    lost: 'No prize',
    verify: 'Verify the results',
    verified: 'All {n} draws match the published seed',
    notRevealed: 'The seed is published after the campaign: verify then',
    noCampaign: 'No campaign running',
  },
};

/** zh for any Chinese locale (WeChat's zh_CN, zh_TW too), en otherwise. */
function language(locale) {
  return /^zh/i.test(locale || 'zh-CN') ? 'zh' : 'en';
}

function fill(template, args) {
  return template.replace(/\{(\w+)\}/g, (all, k) => (k in args ? String(args[k]) : all));
}

module.exports = Behavior({
  properties: {
    /** Component texts: zh-CN (default: the client's locale) or en. */
    locale: { type: String, value: '' },
  },
  lifetimes: {
    attached() {
      zailai.getClient().then((client) => {
        if (this.zlDetached) return;
        this.zlClient = client;
        this.zlOff = client.on('change', () => this.zlRefresh());
        this.zlRefresh();
      });
    },
    detached() {
      this.zlDetached = true;
      if (this.zlOff) this.zlOff();
    },
  },
  pageLifetimes: {
    show() {
      this.zlRefresh();
    },
  },
  observers: {
    locale() {
      this.zlRefresh();
    },
  },
  methods: {
    zlRefresh() {
      if (!this.zlClient) return;
      try {
        this.zlRender(this.zlClient);
      } catch (e) {
        this.zlFail(e);
      }
    },
    /** A component text in the component's language. */
    zlText(key, args = {}) {
      const text = TEXTS[this.zlLanguage()][key];
      return typeof text === 'string' ? fill(text, args) : text;
    },
    zlLanguage() {
      return language(this.data.locale || (this.zlClient && this.zlClient.locale));
    },
    /** Runs an action of the client; its events, or null after an `error` event. */
    zlAct(fn) {
      try {
        return fn(this.zlClient);
      } catch (e) {
        this.zlFail(e);
        return null;
      }
    },
    zlFail(e) {
      this.triggerEvent('error', { code: (e && e.code) || 'INTERNAL', message: (e && e.message) || String(e), path: e && e.path });
    },
  },
});
