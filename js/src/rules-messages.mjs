// The rule checker's messages in Chinese. The core (Rust) writes every problem in English;
// this table gives each of its messages a Chinese rendering, keyed by the message's format
// string as it stands in the Rust source. `{name}` and `{}` stand for values; `{{` and `}}`
// are literal braces. In a Chinese text `{name}` is the value of that name and `{N}` the Nth
// value of the key (from 0, named or not). Values are translated too when they are messages
// themselves ("invalid type: a string, expected a whole number").
// (.mjs: the test imports this file itself; esbuild bundles it into the Node entry.)
// js/test/rules-messages.test.js reads the Rust sources and fails when a message there has no
// entry here, or an entry here matches no message there.

export const ZH = {
  // src/config/parse.rs
  'not valid JSON: {e}': '不是有效的 JSON：{e}',
  'major version {major} is newer than this build reads ({SCHEMA_MAJOR}.x)': '主版本 {major} 比本版本能读取的（{SCHEMA_MAJOR}.x）更新',
  '`{v}` is not a supported version: expected "{SCHEMA_MAJOR}.MINOR"': '`{v}` 不是支持的版本：应为 "{SCHEMA_MAJOR}.MINOR"',
  // src/config/read.rs
  '`{start}` is not a YYYY-MM-DD date': '`{start}` 不是 YYYY-MM-DD 格式的日期',
  // src/config/validate.rs
  'must be between {lo} and {hi}, got {v}': '必须在 {lo} 到 {hi} 之间，当前为 {v}',
  'must be 1–64 characters of letters, digits, `_` or `-`': '必须是 1–64 个字母、数字、`_` 或 `-`',
  'duplicate id `{id}`': 'id `{id}` 重复',
  'must name at least one locale (zh-CN, en)': '至少要写一种语言（zh-CN、en）',
  'must not be empty': '不能为空',
  'must grant something (points, coupons, freezes, tier_steps or accelerators)': '必须给出奖励（points、coupons、freezes、tier_steps 或 accelerators）',
  'must be a coupon id of 1–64 characters': '必须是 1–64 个字符的券 id',
  'must be less than the number of tiers ({tiers})': '必须小于等级数（{tiers}）',
  'must be at most 1000000': '不能超过 1000000',
  'freezes and accelerators must be at most 100 each': 'freezes 和 accelerators 各自不能超过 100',
  'must be zh-CN, en, or a locale defined in `messages`': '必须是 zh-CN、en，或 `messages` 中定义的语言',
  'must be greater than the previous milestone': '必须大于上一个里程碑',
  'must be between 1 and streak_cycle ({})': '必须在 1 到 streak_cycle（{0}）之间',
  'action names are letters, digits and `_`': '行为名只能由字母、数字和 `_` 组成',
  'must be at least 1 (omit it for no limit)': '至少为 1（不限次数请省略此项）',
  'must be >= points.daily_cap ({})': '必须 >= points.daily_cap（{0}）',
  'must be smaller than the previous reminder': '必须小于上一个提醒天数',
  'must have 3 to 5 tiers, got {}': '必须有 3 到 5 个等级，当前为 {0} 个',
  'the entry tier has no upgrade condition: every member starts there': '入门等级不设升级条件：每个会员都从这里开始',
  'required on every tier above the entry tier': '入门等级以上的每个等级都必须设置',
  'must set at least one dimension': '至少要设置一个维度',
  'must be at least 1': '至少为 1',
  'must be >= tiers.levels[{}].upgrade.conditions.{} ({pv})': '必须 >= tiers.levels[{0}].upgrade.conditions.{1}（{pv}）',
  'no tier with id `{}`': '没有 id 为 `{0}` 的等级',
  '{want} strictly ascending numbers': '必须是 {want} 个严格递增的数',
  'one or more strictly ascending day counts, the first ≥ 1': '必须是一个或多个严格递增的天数，第一个 ≥ 1',
  'a coupon id': '必须是券 id',
  'no tier `{tier}`': '没有等级 `{tier}`',
  'no campaign `{id}`': '没有活动 `{id}`',
  'at least one action must give cards': '至少要有一个行为发卡',
  '`{}` is not a tracked action or a built-in counter': '`{0}` 既不是记录的行为，也不是内置计数',
  "must be at least {slots}: the prizes' weights times the largest lottery_weight ({most})": '至少为 {slots}：奖品权重之和乘以最大的 lottery_weight（{most}）',
  '{} campaigns overlap in the week from {} ({}): more than campaign_overlap_limit {}': '从 {1} 起的一周内有 {0} 个活动重叠（{2}）：超过 campaign_overlap_limit {3}',
  'no pity count: a member who uses every chance of its {cards} cards may still miss a kind': '没有保底（pity）：会员用完全部 {cards} 张卡的机会仍可能缺一种',
  'a member may need {needed} cards to complete it ((kinds − 1) × pity + 1), its campaign gives at most {cards} ({} days × daily_limit {}): lower pity to {} or less':
    '集齐最多可能需要 {needed} 张卡（(种类数 − 1) × pity + 1），而活动最多只发 {cards} 张（{2} 天 × daily_limit {3}）：请把 pity 降到 {4} 或以下',
  "`{}` is neither an earning rule's action, a declared task action nor a built-in counter (check_in, use_day, order, session_minutes)":
    '`{0}` 既不是积分规则的行为、已声明的任务行为，也不是内置计数（check_in、use_day、order、session_minutes）',
  'a tier step needs an action only the server records: `{}` can be sent by any device (list it in witnessed_actions, or count `order`)':
    '升级步数只能来自服务器记录的行为：`{0}` 任何设备都能发送（把它列入 witnessed_actions，或改为统计 `order`）',
  '`{action}` is not a declared action (`actions` or an earning rule; not open or share)': '`{action}` 不是已声明的行为（须在 `actions` 或积分规则中；不能是 open 或 share）',
  'a catalog item cannot grant points': '兑换商品不能发放积分',
  'tiers are earned, not redeemed': '等级只能靠成长获得，不能兑换',
  'unknown message key': '未知的文案键',
  'unknown placeholder {{{name}}}; allowed: {}': '未知占位符 {{{name}}}；可用：{1}',
  'cannot exceed tiers.evaluation.active_days_window ({})': '不能超过 tiers.evaluation.active_days_window（{0}）',
  // src/config/binary.rs
  '{i} is not a makeup window': '{i} 不是补签窗口类型',
  'day {day} is outside the supported years': '第 {day} 天超出支持的年份范围',
  'rules in binary format {f}, from an older zailai; this build reads {RULES_FORMAT}: encode them again (`zailai rules encode`)':
    '规则是二进制格式 {f}，来自旧版 zailai；本版本读取格式 {RULES_FORMAT}：请重新编码（`zailai rules encode`）',
  'rules in binary format {f}; this build reads {RULES_FORMAT}': '规则是二进制格式 {f}；本版本读取格式 {RULES_FORMAT}',
  'no bytes': '没有内容',
  'binary rules unreadable: {e}': '二进制规则无法读取：{e}',
  // src/config/compat.rs: what a new version would strand (publishing, docs/rules-lifecycle.md)
  "removed, and members may hold it: keep it, or list it in the mapping's `retire` (its holdings become inert)": '已删除，而会员可能持有它：请保留，或在映射的 `retire` 中列出（会员持有的部分将不再生效）',
  '`{path}` is not removed by this version': '`{path}` 在此版本中并未删除',
  "changed: instants after it fall in other business days and day numbers in the state do not move; set the mapping's `business_day_moves: true` to accept it": '已更改：此后的时刻会落在不同的营业日，而状态中的日序号不会随之移动；确认更改请在映射中设置 `business_day_moves: true`',
  'business_day does not change': 'business_day 并未更改',
  'tier `{}` removed: the state holds a tier by its place, so members at it would hold none; tiers cannot be removed (rename it in place instead)': '等级 `{0}` 已删除：状态按位置记录等级，处于该等级的会员将没有等级；等级不能删除（请在原位置改名）',
  "tier `{}` is now `{}`: members at this place keep it under the new id; say so in the mapping's `tier_renames` ({{\"{}\": \"{}\"}})": '等级 `{0}` 现在是 `{1}`：处于该位置的会员以新 id 保留此等级；请在映射的 `tier_renames` 中写明（{{"{2}": "{3}"}}）',
  'no tier `{from}` becomes `{to}` in place in this version': '此版本中没有等级 `{from}` 在原位置改为 `{to}`',
  // src/json/mod.rs: the path-aware readers (the kinds are values of other messages)
  'a boolean': '布尔值',
  'a number': '数字',
  'a string': '字符串',
  'an array': '数组',
  'an object': '对象',
  'a whole number': '整数',
  'invalid type: {}, expected {expected}': '类型错误：是{0}，应为{expected}',
  'invalid value: {n}, expected a whole number from {min} to {max}': '取值错误：{n}，应为 {min} 到 {max} 的整数',
  'invalid value: {n}, expected a whole number from 0 to {max}': '取值错误：{n}，应为 0 到 {max} 的整数',
  'unknown variant `{s}`, expected one of {}': '未知的取值 `{s}`，应为其中之一：{1}',
  'missing field `{key}`': '缺少字段 `{key}`',
  'unknown field `{key}`': '未知字段 `{key}`',
  'unknown field, ignored': '未知字段，已忽略',
  // src/json/value.rs: the JSON parser
  'trailing characters': '末尾有多余字符',
  '{what} at line {line} column {column}': '第 {line} 行第 {column} 列：{what}',
  'nested too deeply': '嵌套太深',
  'EOF while parsing a value': '读取值时文本意外结束',
  'expected value': '此处应为一个值',
  'expected a key string': '此处应为字符串键',
  'expected `:`': '此处应为 `:`',
  'duplicate key': '键重复',
  'expected `,` or `}}`': '此处应为 `,` 或 `}}`',
  'expected `,` or `]`': '此处应为 `,` 或 `]`',
  'invalid number': '数字无效',
  'invalid \\u escape': '\\u 转义无效',
  'EOF while parsing a string': '读取字符串时文本意外结束',
  'lone leading surrogate': '孤立的前导代理项',
  'invalid surrogate pair': '代理对无效',
  'lone surrogate': '孤立的代理项',
  'invalid escape': '转义无效',
  'control character in a string': '字符串中有控制字符',
  'invalid UTF-8': '不是有效的 UTF-8',
  // src/binary: the binary reader (rules in the binary form)
  'ends at byte {}': '在第 {0} 字节处意外结束',
  'varint at byte {start} exceeds {bits} bits': '第 {start} 字节处的变长整数超过 {bits} 位',
  'length {n} at byte {} runs past the end': '第 {1} 字节处的长度 {n} 超出末尾',
  'text at byte {} is not UTF-8': '第 {0} 字节处的文本不是 UTF-8',
  '{v} out of range': '{v} 超出范围',
  '{b} is not a bool': '{b} 不是布尔值',
  '{b} is not an option tag': '{b} 不是可选值标记',
  '{n} bytes after the end': '末尾之后还有 {n} 字节',
  'map keys out of order': '映射的键顺序错误',
  '{i} is not a {}': '{i} 不是 {1}',
  // rules-node/src/lib.rs
  'not base64: binary rules are what `zailai rules encode` prints': '不是 base64：二进制规则是 `zailai rules encode` 打印的内容',
};

/** A template's parts: literal text and placeholders (`{name}`, `{}`, `{0}`). */
export function templateParts(template) {
  const parts = [];
  let text = '';
  for (let i = 0; i < template.length; i++) {
    const c = template[i];
    if ((c === '{' || c === '}') && template[i + 1] === c) {
      text += c;
      i++;
    } else if (c === '{') {
      const end = template.indexOf('}', i);
      parts.push(text, { name: template.slice(i + 1, end) });
      text = '';
      i = end;
    } else {
      text += c;
    }
  }
  parts.push(text);
  return parts;
}

const escapeRe = (s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** Each key as a regular expression, the most specific first: the longest literal start, then
 * the most literal text ("not valid JSON: {e}" before "{what} at line {line} column {column}",
 * which is its value). */
let compiled = null;
function patterns() {
  if (!compiled) {
    compiled = Object.entries(ZH).map(([key, zh]) => {
      const parts = templateParts(key);
      const names = parts.filter((p) => typeof p === 'object').map((p) => p.name);
      const literal = parts.filter((p) => typeof p === 'string').join('');
      const re = new RegExp(`^${parts.map((p) => (typeof p === 'string' ? escapeRe(p) : '([\\s\\S]*?)')).join('')}$`);
      return { key, zh: templateParts(zh), names, lead: parts[0].length, literal: literal.length, re };
    });
    compiled.sort((a, b) => b.lead - a.lead || b.literal - a.literal || a.key.localeCompare(b.key));
  }
  return compiled;
}

/** The entry of the table `message` is an instance of (`{key, values}`), or null. */
export function matchMessage(message) {
  for (const p of patterns()) {
    const m = p.re.exec(message);
    if (m) return { key: p.key, zh: p.zh, names: p.names, values: m.slice(1) };
  }
  return null;
}

/** `message` (the core's English) in `lang` ('zh' or 'en'). A message the table lacks stays
 * English (the test command makes sure there is none). */
export function translateMessage(message, lang) {
  if (lang !== 'zh') return message;
  const found = matchMessage(message);
  if (!found) return message;
  const value = (ref) => {
    const i = /^\d+$/.test(ref) ? Number(ref) : found.names.indexOf(ref);
    const v = found.values[i];
    return v === undefined ? `{${ref}}` : translateMessage(v, lang);
  };
  return found.zh.map((p) => (typeof p === 'string' ? p : value(p.name))).join('');
}
