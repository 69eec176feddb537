// The components' texts, in the language the rules' texts are shown in: the client resolves
// its locale against the rules (`rules.locale`: zh_CN → zh-CN, en_US → en, an unknown one such
// as ja or fr_FR → the rules' default_locale), and the components take that language, so a
// page never mixes English component texts with Chinese rule texts. Errors of a tap get a
// message in the same language (the core's English one stays as the error's `cause`).

const TEXTS = {
  zh: {
    weekdays: ['日', '一', '二', '三', '四', '五', '六'],
    month: '{y}年{m}月',
    day: '{m}月{d}日',
    makeupsLeft: '本月还可补签 {n} 次',
    makeupConfirm: '补签 {day} 需要 {cost} 积分',
    makeupTitle: '补签',
    makeupNoPoints: '积分不足，无法补签',
    points: '积分',
    expiring: '{n} 积分将于 {date} 过期',
    noneExpiring: '暂无即将过期的积分',
    today: '今日已得 {n}/{cap}',
    claim: '领取',
    go: '去完成',
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
    makeupNoPoints: 'Not enough points to make up',
    points: 'points',
    expiring: '{n} points expire on {date}',
    noneExpiring: 'No points expiring soon',
    today: 'Today {n}/{cap}',
    claim: 'Claim',
    go: 'Go',
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

/** What a tap can fail with, in each language; any other code: `fallback`. */
const ERRORS = {
  zh: {
    ALREADY_CHECKED_IN: '今天已经签到过了',
    INSUFFICIENT_POINTS: '积分不足',
    MAKEUP_NOT_PAST: '只能补签过去的日期',
    MAKEUP_BEFORE_JOIN: '加入之前的日期不能补签',
    MAKEUP_NOT_MISSED: '这一天不需要补签',
    MAKEUP_WINDOW_EXCEEDED: '这一天已超出可补签的范围',
    MAKEUP_LIMIT_REACHED: '本月补签次数已用完',
    TASK_NOT_COMPLETED: '任务尚未完成',
    TASK_ALREADY_CLAIMED: '奖励已经领取过了',
    UNKNOWN_TASK: '没有这个任务',
    CARDS_INCOMPLETE: '还没有集齐全部卡片',
    UNKNOWN_CARD_SET: '没有这套卡片',
    UNKNOWN_LOTTERY: '没有这个抽奖',
    LOTTERY_CLOSED: '抽奖已结束',
    DRAW_LIMIT_REACHED: '今天的抽奖次数已用完',
    LOTTERY_NOT_REVEALED: '活动结束后公布种子，届时可验证',
    LOTTERY_MISMATCH: '开奖结果与公布的种子不符',
    NOT_ALLOWED: '这个操作只能由服务器记录',
    DEVICE_NOT_REGISTERED: '设备尚未登记，请联网后重试',
    DEVICE_OTHER_MEMBER: '这台设备已归属另一位会员',
    SESSION_USER_MISMATCH: '当前登录的不是这台设备的会员',
    NETWORK: '网络不可用，请稍后重试',
    CLIENT_CLOSED: '客户端已关闭',
    BAD_ARGUMENT: '参数有误：{message}',
    fallback: '操作未完成（{code}）',
  },
  en: {
    fallback: '{message}',
  },
};

function fill(template, args) {
  return template.replace(/\{(\w+)\}/g, (all, k) => (k in args ? String(args[k]) : all));
}

const languageOf = (locale) => String(locale || '').split(/[-_]/)[0].toLowerCase();

/**
 * The components' language for `client`: the language of the locale its rules show texts in
 * (`client.rules.locale(client.locale)`); when the components have no texts in that language,
 * the rules' default locale's, then zh.
 */
function componentLanguage(client) {
  if (!client) return 'zh';
  const shown = languageOf(client.rules.locale(client.locale === undefined || client.locale === null ? '' : String(client.locale)));
  if (TEXTS[shown]) return shown;
  const fallback = languageOf(client.rules.locale(''));
  return TEXTS[fallback] ? fallback : 'zh';
}

/** An error's message in `language`: the table's, else the fallback (the English message). */
function errorMessage(language, code, message, params = {}) {
  const table = ERRORS[language] || ERRORS.en;
  return fill(table[code] || table.fallback, { ...params, code, message });
}

module.exports = { TEXTS, ERRORS, componentLanguage, errorMessage, fill };
