// Every message the core's rule checker can write has a Chinese rendering
// (js/src/rules-messages.mjs): the Rust sources that write them are read here, so a new
// message without a translation, or a translation of a message that is gone, fails the test
// command. Then the built package renders real problems in both languages.
const test = require('node:test');
const assert = require('node:assert/strict');
const { readdirSync, readFileSync } = require('node:fs');
const { join } = require('node:path');
const { root, pkg } = require('./helpers.js');

const table = () => import(join(root, 'js', 'src', 'rules-messages.mjs'));

/** Where the rule reader, the validator and the binary reader write their messages. */
const SOURCES = ['src/config', 'src/json', 'src/binary', 'rules-node/src'];
/** Files there that write no problem. */
const NOT_PROBLEMS = { 'src/config/messages.rs': 'the texts of views (tier progress, streaks), in both locales already' };
/** Literals with a space there that are no message: how problems are printed, and prefixes a
 * message is recognised by. */
const NOT_MESSAGES = {
  '(document): {}': 'ConfigIssue Display',
  '{}: {}': 'ConfigIssue Display',
  '\n  {issue}': 'ConfigError Display',
  ', ': 'a separator of listed values',
  'missing field `': 'shape.rs recognises the message by it',
  'unknown field': 'shape.rs recognises the message by it',
  'presets/seed.json is invalid: {e}': 'a panic on a build defect (a test reads the preset)',
};

/** The string literals of Rust source before its tests, with whether each is a format string
 * (`{` and `}` doubled), as the table writes them. */
function literals(src) {
  const cut = src.indexOf('#[cfg(test)]');
  if (cut >= 0) src = src.slice(0, cut);
  const out = [];
  for (let i = 0; i < src.length;) {
    const c = src[i];
    if (c === '/' && src[i + 1] === '/') {
      i = src.indexOf('\n', i) + 1 || src.length;
    } else if (c === '/' && src[i + 1] === '*') {
      i = src.indexOf('*/', i) + 2;
    } else if (c === "'") {
      // A char literal ('"', '\n') or a lifetime ('a).
      if (src[i + 1] === '\\') i = src.indexOf("'", i + 2) + 1;
      else i += src[i + 2] === "'" ? 3 : 1;
    } else if (c === '"' || (c === 'r' && /^r#*"/.test(src.slice(i, i + 8)) && !/\w/.test(src[i - 1]))) {
      const raw = c === 'r' ? /^r(#*)"/.exec(src.slice(i))[0] : '';
      let j = i + (raw ? raw.length : 1);
      let text = '';
      const close = raw ? `"${raw.slice(1, -1)}` : '"';
      while (!src.startsWith(close, j)) {
        if (!raw && src[j] === '\\') {
          const n = src[j + 1];
          j += 2;
          if (n === '\n') while (/\s/.test(src[j])) j++; // a line continuation
          else text += { n: '\n', t: '\t', r: '\r', 0: '\0' }[n] ?? n;
        } else {
          text += src[j++];
        }
      }
      const before = src.slice(Math.max(0, i - 200), i);
      const format = /(format!\(|panic!\(|write!\([^,]*,|concat!\()\s*$/.test(before);
      // concat!("prefix: ", stringify!(T)): the prefix and one value.
      const concat = /concat!\(\s*$/.test(before);
      const pattern = (format && !concat ? text : text.replace(/[{}]/g, '$&$&')) + (concat ? '{}' : '');
      out.push(pattern);
      i = j + close.length;
    } else {
      i++;
    }
  }
  return out;
}

function messagesInSources() {
  const found = new Map();
  for (const dir of SOURCES) {
    for (const f of readdirSync(join(root, dir)).filter((f) => f.endsWith('.rs'))) {
      const file = `${dir}/${f}`;
      if (NOT_PROBLEMS[file]) continue;
      for (const l of literals(readFileSync(join(root, file), 'utf8'))) {
        if (l.includes(' ') && !NOT_MESSAGES[l]) found.set(l, file);
      }
    }
  }
  return found;
}

test('the source reader finds the messages as the table writes them', () => {
  assert.deepEqual(literals('let a = format!("got {v}"); // "not this"\nErr(e("expected `,` or `}`")); r#"raw {x}"#; \'"\';'),
    ['got {v}', 'expected `,` or `}}`', 'raw {{x}}']);
  assert.deepEqual(literals('format!(\n    "a \\\n     b {c}"\n)'), ['a b {c}']);
  assert.deepEqual(literals('Error(concat!("not in: ", stringify!($name)))'), ['not in: {}']);
  const found = messagesInSources();
  // The reader sees the validator, the JSON reader and parser, and the binary reader.
  for (const m of ['must be between {lo} and {hi}, got {v}', 'missing field `{key}`', 'trailing characters', 'varint at byte {start} exceeds {bits} bits']) {
    assert.ok(found.has(m), m);
  }
  assert.ok(found.size > 80, `${found.size} messages`);
});

test('every message of the rule checker has a Chinese rendering, and every rendering a message', async () => {
  const { ZH, templateParts } = await table();
  const found = messagesInSources();
  const missing = [...found].filter(([m]) => !(m in ZH)).map(([m, file]) => `${file}: ${JSON.stringify(m)}`);
  assert.deepEqual(missing, [], 'add these to js/src/rules-messages.mjs');
  const stale = Object.keys(ZH).filter((k) => !found.has(k));
  assert.deepEqual(stale, [], 'no longer in the sources: remove from js/src/rules-messages.mjs');
  // A rendering uses only the values its message has, and has Chinese in it.
  for (const [key, zh] of Object.entries(ZH)) {
    const names = templateParts(key).filter((p) => typeof p === 'object').map((p) => p.name);
    for (const p of templateParts(zh).filter((p) => typeof p === 'object')) {
      const ok = /^\d+$/.test(p.name) ? Number(p.name) < names.length : p.name !== '' && names.includes(p.name);
      assert.ok(ok, `${JSON.stringify(zh)}: {${p.name}} is not a value of ${JSON.stringify(key)}`);
    }
    assert.match(zh, /[\u4e00-\u9fff]/, key);
  }
});

test('messages with values inside values render whole', async () => {
  const { translateMessage } = await table();
  const cases = {
    'must be between 1 and 120, got 0': '必须在 1 到 120 之间，当前为 0',
    'invalid type: a string, expected a whole number': '类型错误：是字符串，应为整数',
    // The outer message first, its value (a parser message with a position) inside.
    'not valid JSON: expected `,` or `}` at line 3 column 5': '不是有效的 JSON：第 3 行第 5 列：此处应为 `,` 或 `}`',
    'binary rules unreadable: length 9 at byte 4 runs past the end': '二进制规则无法读取：第 4 字节处的长度 9 超出末尾',
    // A specific message before the general one it also fits (`{i} is not a {}`).
    '`swim` is not a tracked action or a built-in counter': '`swim` 既不是记录的行为，也不是内置计数',
    'unknown placeholder {x}; allowed: n, tier': '未知占位符 {x}；可用：n, tier',
    '3 campaigns overlap in the week from 2027-02-01 (a, b, c): more than campaign_overlap_limit 2':
      '从 2027-02-01 起的一周内有 3 个活动重叠（a, b, c）：超过 campaign_overlap_limit 2',
  };
  for (const [en, zh] of Object.entries(cases)) {
    assert.equal(translateMessage(en, 'zh'), zh);
    assert.equal(translateMessage(en, 'en'), en);
  }
  assert.equal(translateMessage('no such message here', 'zh'), 'no such message here', 'unknown text stays as it is');
});

test('real problems from the built package come in both languages, none untranslated', async () => {
  const { matchMessage } = await table();
  const zailai = require(pkg);
  const seed = JSON.parse(readFileSync(join(pkg, 'seed.json'), 'utf8'));
  const broken = structuredClone(seed);
  // Rule problems of many kinds at once.
  broken.points.expiry_months = 0;
  broken.points.monthly_cap = 1;
  broken.tiers.levels[1].id = 'bad id!';
  broken.tiers.levels[0].upgrade = { mode: 'all', conditions: { active_days: 3 } };
  broken.tasks[0].action = 'swim';
  broken.catalog[0].reward = { points: 5, tier_steps: 1 };
  broken.messages = { en: { nope: 'x', streak_label: '{bogus}' } };
  broken.checkin.streak_bonuses[1].day = 2;
  const shapes = structuredClone(seed);
  shapes.points.daily_cap = 'lots';
  shapes.checkin.makeup.window = { kind: 'sometimes' };
  shapes.surprise = true;
  delete shapes.newbie_days;
  const texts = [JSON.stringify(broken), JSON.stringify(shapes), '{"schema_version": "1.0", "checkin": [}', '{"schema_version": "9.0"}', '{"schema_version": "x"}'];
  let seen = 0;
  for (const text of texts) {
    const zh = zailai.checkRules(text, { lang: 'zh' });
    const en = zailai.checkRules(text, { lang: 'en' });
    assert.equal(zh.ok, false);
    assert.deepEqual(zh.problems.map((p) => p.path), en.problems.map((p) => p.path));
    for (const [i, p] of zh.problems.entries()) {
      assert.equal(en.problems[i].message, p.reason, 'English is the core’s text');
      assert.ok(matchMessage(p.reason), `untranslated: ${p.reason}`);
      assert.notEqual(p.message, p.reason);
      assert.match(p.message, /[\u4e00-\u9fff]/, p.message);
      seen++;
    }
  }
  assert.ok(seen >= 15, `${seen} problems`);
  for (const text of ['%%%', Buffer.from([9]).toString('base64'), Buffer.from([3, 1]).toString('base64')]) {
    assert.throws(() => zailai.decodeRules(text, { lang: 'zh' }), (e) => {
      assert.ok(e.issues.length > 0);
      for (const p of e.issues) assert.ok(matchMessage(p.reason), `untranslated: ${p.reason}`);
      return true;
    });
  }
});
