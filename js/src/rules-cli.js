// `npx zailai-rules check | encode | show | diff`: rule files from a JS-only project, with the
// core's own validator (js/src/rules.js). Exit status: 0 done, 1 the rules have problems (or,
// for diff, they differ), 2 a usage or file error.
import { readFileSync, writeFileSync } from 'node:fs';
import { checkRules, decodeRules, diffRules, encodeRules, problemLine, readAny } from './rules.js';

const TEXT = {
  zh: {
    usage: `用法：zailai-rules <命令> [选项]

  check FILE        检查规则文件，一次列出全部问题（带路径）
  encode FILE       检查并编码为二进制规则（base64），即 createClient({config}) 接受的内容
  show [FILE]       把二进制规则（base64，文件或标准输入）显示为规则文件 JSON
  diff OLD NEW      按路径比较两份规则（规则文件或二进制规则）

选项：
  --lang zh|en      信息语言（默认取 LC_ALL / LC_MESSAGES / LANG，都没有时为 zh）
  --out FILE        encode / show：写入文件而不是标准输出
  --json            check / diff：输出 JSON
FILE 为 - 时读标准输入。退出码：0 成功；1 规则有问题（diff：有差异）；2 用法或文件错误。`,
    valid: (file, hash) => `${file}：规则有效（hash ${hash}）`,
    problems: (file, n) => `${file}：规则有 ${n} 个问题：`,
    warning: '提醒',
    same: '两份规则相同',
    changes: (n) => `${n} 处不同：`,
    cannotRead: (file, e) => `无法读取 ${file}：${e}`,
    unknownCommand: (c) => `未知命令 ${c}`,
    needs: (c, n) => `${c} 需要 ${n} 个文件参数`,
    badOption: (o) => `未知选项 ${o}`,
    badLang: (l) => `--lang 只能是 zh 或 en，不是 ${l}`,
  },
  en: {
    usage: `usage: zailai-rules <command> [options]

  check FILE        check a rule file: every problem at once, each with its path
  encode FILE       check and encode it in the binary form (base64) createClient({config}) takes
  show [FILE]       binary rules (base64, from FILE or stdin) as a rule file (JSON)
  diff OLD NEW      compare two rule sets (rule files or binary rules) by path

options:
  --lang zh|en      language of the messages (default from LC_ALL / LC_MESSAGES / LANG, else zh)
  --out FILE        encode / show: write FILE instead of stdout
  --json            check / diff: print JSON
FILE - reads stdin. Exit status: 0 done; 1 the rules have problems (diff: they differ); 2 usage or file error.`,
    valid: (file, hash) => `${file}: valid rules (hash ${hash})`,
    problems: (file, n) => `${file}: ${n} problem${n === 1 ? '' : 's'} in the rules:`,
    warning: 'warning',
    same: 'the rules are the same',
    changes: (n) => `${n} difference${n === 1 ? '' : 's'}:`,
    cannotRead: (file, e) => `cannot read ${file}: ${e}`,
    unknownCommand: (c) => `unknown command ${c}`,
    needs: (c, n) => `${c} takes ${n} file argument${n === 1 ? '' : 's'}`,
    badOption: (o) => `unknown option ${o}`,
    badLang: (l) => `--lang is zh or en, not ${l}`,
  },
};

/** The language when no --lang is given: the first locale variable set, zh unless it is English. */
export function defaultLang(env) {
  const locale = env.LC_ALL || env.LC_MESSAGES || env.LANG || '';
  return /^en/i.test(locale) ? 'en' : 'zh';
}

class Exit extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

function parseArgs(argv, env) {
  const args = { files: [], lang: defaultLang(env), json: false, out: null };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = () => {
      if (i + 1 >= argv.length) throw new Exit(2, TEXT[args.lang].badOption(a));
      return argv[++i];
    };
    if (a === '--lang') args.lang = value();
    else if (a.startsWith('--lang=')) args.lang = a.slice(7);
    else if (a === '--json') args.json = true;
    else if (a === '--out') args.out = value();
    else if (a === '--config') args.files.push(value()); // as `zailai rules encode --config FILE`
    else if (a === '-h' || a === '--help') args.help = true;
    else if (a.startsWith('-') && a !== '-') args.bad = a;
    else if (args.command === undefined) args.command = a;
    else args.files.push(a);
  }
  if (!TEXT[args.lang]) {
    const lang = args.lang;
    args.lang = defaultLang(env);
    throw new Exit(2, TEXT[args.lang].badLang(lang));
  }
  if (args.bad) throw new Exit(2, TEXT[args.lang].badOption(args.bad));
  return args;
}

/** Runs one command; returns the exit status. `io` is {argv, env, stdin(), out(s), err(s)}. */
export function run(io) {
  let lang = defaultLang(io.env);
  try {
    const args = parseArgs(io.argv, io.env);
    lang = args.lang;
    const t = TEXT[lang];
    if (args.help) {
      io.out(t.usage + '\n');
      return 0;
    }
    if (args.command === undefined) throw new Exit(2, `\n${t.usage}`);
    const read = (file) => {
      try {
        return file === '-' ? io.stdin() : readFileSync(file, 'utf8');
      } catch (e) {
        throw new Exit(2, t.cannotRead(file, e.code || e.message));
      }
    };
    const files = (n, optional = 0) => {
      if (args.files.length > n || args.files.length < n - optional) throw new Exit(2, t.needs(args.command, n));
      return args.files;
    };
    const write = (text) => (args.out ? writeFileSync(args.out, text) : io.out(text));
    const warn = (w) => io.err(`${t.warning}: ${problemLine(w, lang)}\n`);
    const refused = (file, problems) => {
      io.err(`${t.problems(file, problems.length)}\n${problems.map((p) => `  ${problemLine(p, lang)}\n`).join('')}`);
      return 1;
    };
    switch (args.command) {
      case 'check': {
        const [file] = files(1);
        const r = checkRules(read(file), { lang });
        if (args.json) {
          io.out(JSON.stringify({ ok: r.ok, ...(r.ok ? { hash: r.hash } : { code: r.code }), problems: r.problems || [], warnings: r.warnings }, null, 2) + '\n');
          return r.ok ? 0 : 1;
        }
        if (!r.ok) return refused(file, r.problems);
        r.warnings.forEach(warn);
        io.out(t.valid(file, r.hash) + '\n');
        return 0;
      }
      case 'encode': {
        const [file] = files(1);
        let encoded;
        try {
          encoded = encodeRules(read(file), { lang });
        } catch (e) {
          if (!e.issues) throw e;
          return refused(file, e.issues);
        }
        encoded.warnings.forEach(warn);
        write(encoded.rules + '\n');
        return 0;
      }
      case 'show': {
        const [file = '-'] = files(1, 1);
        let shown;
        try {
          shown = decodeRules(read(file), { lang });
        } catch (e) {
          if (!e.issues) throw e;
          return refused(file, e.issues);
        }
        write(JSON.stringify(shown.config, null, 2) + '\n');
        return 0;
      }
      case 'diff': {
        const sides = [];
        for (const file of files(2)) {
          try {
            sides.push(readAny(read(file), lang, file).config);
          } catch (e) {
            if (!e.issues) throw e;
            refused(file, e.issues);
            return 2; // 1 means "they differ"
          }
        }
        const changes = diffRules(sides[0], sides[1], { lang });
        if (args.json) io.out(JSON.stringify(changes, null, 2) + '\n');
        else if (!changes.length) io.out(t.same + '\n');
        else {
          const show = (v) => JSON.stringify(v);
          io.out(`${t.changes(changes.length)}\n${changes.map((c) => (
            !('before' in c) ? `+ ${c.path}: ${show(c.after)}` : !('after' in c) ? `- ${c.path}: ${show(c.before)}` : `~ ${c.path}: ${show(c.before)} → ${show(c.after)}`
          ) + '\n').join('')}`);
        }
        return changes.length ? 1 : 0;
      }
      default:
        throw new Exit(2, `${t.unknownCommand(args.command)}\n\n${t.usage}`);
    }
  } catch (e) {
    if (!(e instanceof Exit)) throw e;
    io.err(`zailai-rules: ${e.message}\n`);
    return e.status;
  }
}

/** The package's `bin`: the process's own arguments and streams. */
export function main() {
  process.exitCode = run({
    argv: process.argv.slice(2),
    env: process.env,
    stdin: () => readFileSync(0, 'utf8'),
    out: (s) => process.stdout.write(s),
    err: (s) => process.stderr.write(s),
  });
}
