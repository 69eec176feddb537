// Rules written from JS (Node only): check, encode, decode and compare rule files with the
// core's own reader and validator, compiled into a wasm module of its own
// (`zailai-rules.wasm`, crate rules-node/) so the mini-program module does not grow. Loaded on
// first use: an app that only syncs never reads it.
import * as glue from 'zailai-rules-glue';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { zailaiError } from './errors.js';
import { translateMessage } from './rules-messages.mjs';

export const RULE_LANGS = ['zh', 'en'];

let bindings = null;
function rulesModule() {
  if (!bindings) {
    const bytes = readFileSync(join(__dirname, 'zailai-rules.wasm'));
    const instance = new WebAssembly.Instance(new WebAssembly.Module(bytes), { './zailai_rules_bg.js': glue });
    glue.__wbg_set_wasm(instance.exports);
    if (instance.exports.__wbindgen_start) instance.exports.__wbindgen_start();
    bindings = glue;
  }
  return bindings;
}

function langOf(options = {}) {
  const lang = options.lang === undefined ? 'zh' : options.lang;
  if (!RULE_LANGS.includes(lang)) throw zailaiError('BAD_ARGUMENT', `lang: 'zh' or 'en', not ${JSON.stringify(lang)}`);
  return lang;
}

/** A rule file as JSON text: text as it is, an object serialized. */
function ruleFileText(rules, what) {
  if (typeof rules === 'string') return rules;
  if (rules && typeof rules === 'object' && !Array.isArray(rules)) return JSON.stringify(rules);
  throw zailaiError('BAD_ARGUMENT', `${what}: a rule file, as JSON text or an object`);
}

const problem = (lang) => (i) => ({ path: i.path, reason: i.reason, message: translateMessage(i.reason, lang) });

/** The core's answer with every message in `lang`. */
function result(raw, lang) {
  const out = JSON.parse(raw);
  const p = problem(lang);
  return out.ok
    ? { ok: true, hash: out.hash, config: out.config, warnings: out.warnings.map(p), ...(out.rules ? { rules: out.rules } : {}) }
    : { ok: false, code: out.code, problems: out.problems.map(p), warnings: [] };
}

/** One line of a problem: `path: message`, the whole document's as `(document)`. */
export function problemLine(p, lang = 'zh') {
  return `${p.path || (lang === 'zh' ? '（整个文件）' : '(document)')}: ${p.message}`;
}

/** The error a refused rule file throws: its code, every problem in `issues` and the message. */
function refusal(checked, lang) {
  const n = checked.problems.length;
  const head = lang === 'zh' ? `规则有 ${n} 个问题：` : `${n} problem${n === 1 ? '' : 's'} in the rules:`;
  return zailaiError(checked.code, [head, ...checked.problems.map((p) => `  ${problemLine(p, lang)}`)].join('\n'), {
    path: checked.problems[0] ? checked.problems[0].path : '',
    issues: checked.problems,
  });
}

/** Checks a rule file as `zailai check` does; never throws for bad rules. */
export function checkRules(rules, options) {
  const lang = langOf(options);
  return result(rulesModule().check(ruleFileText(rules, 'checkRules')), lang);
}

/** A rule file in the binary form `createClient({config})` takes (base64), with its hash. */
export function encodeRules(rules, options) {
  const lang = langOf(options);
  const out = result(rulesModule().encode(ruleFileText(rules, 'encodeRules')), lang);
  if (!out.ok) throw refusal(out, lang);
  return { rules: out.rules, hash: out.hash, warnings: out.warnings };
}

/** Rules in the binary form (base64) back as a rule file, checked as a client checks them. */
export function decodeRules(text, options) {
  const lang = langOf(options);
  if (typeof text !== 'string') throw zailaiError('BAD_ARGUMENT', 'decodeRules: the binary rules as base64 text');
  const out = result(rulesModule().decode(text), lang);
  if (!out.ok) throw refusal(out, lang);
  return { config: out.config, hash: out.hash };
}

/** A rule file or binary rules, read and checked: base64 text is binary, anything else a file.
 * Throws CONFIG_INVALID / CONFIG_TOO_NEW with every problem. */
export function readAny(rules, lang, what) {
  if (typeof rules === 'string' && /^[A-Za-z0-9+/=\s]+$/.test(rules) && rules.trim()) {
    return decodeRules(rules, { lang });
  }
  const out = result(rulesModule().check(ruleFileText(rules, what)), lang);
  if (!out.ok) throw refusal(out, lang);
  return out;
}

const isRecord = (v) => v !== null && typeof v === 'object' && !Array.isArray(v);
const isListOfRecords = (v) => Array.isArray(v) && v.some((x) => x !== null && typeof x === 'object');

/** What differs between two rule sets, by rule path, once both are read as the core reads them
 * (so defaults and key order do not count): `{path, before, after}`, `before` absent for what
 * `b` adds and `after` for what it removes. A list of records is compared element by element
 * (`tasks[2].target`); a list of values (`points.reminder_days`) as one value. */
export function diffRules(a, b, options) {
  const lang = langOf(options);
  const before = readAny(a, lang, 'diffRules').config;
  const after = readAny(b, lang, 'diffRules').config;
  const changes = [];
  const walk = (path, x, y) => {
    if (isRecord(x) && isRecord(y)) {
      const keys = [...new Set([...Object.keys(x), ...Object.keys(y)])].sort();
      for (const k of keys) walk(path ? `${path}.${k}` : k, x[k], y[k]);
    } else if (isListOfRecords(x) && isListOfRecords(y)) {
      for (let i = 0; i < Math.max(x.length, y.length); i++) walk(`${path}[${i}]`, x[i], y[i]);
    } else if (JSON.stringify(x) !== JSON.stringify(y)) {
      changes.push({ path, ...(x === undefined ? {} : { before: x }), ...(y === undefined ? {} : { after: y }) });
    }
  };
  walk('', before, after);
  return changes;
}

/** A message of the core's rule checker (English) in `lang`. */
export function ruleMessage(reason, lang = 'zh') {
  return translateMessage(reason, langOf({ lang }));
}
