// Where a path of a rule file (`tiers.levels[1].upgrade`, as the validator names it) starts
// in the JSON text being edited: its line, so an error is shown beside the text it is about.
// A small scanner over the text as typed (JSON.parse keeps no positions).

/** Map of path → 1-based line of its value, for every value in `text` (which must parse). */
export function pathLines(text) {
  const lines = new Map();
  let i = 0;
  let line = 1;
  const ws = () => {
    while (i < text.length && /\s/.test(text[i])) {
      if (text[i] === '\n') line++;
      i++;
    }
  };
  const string = () => {
    let out = '';
    i++;
    while (i < text.length && text[i] !== '"') {
      if (text[i] === '\\') {
        out += text[i + 1];
        i += 2;
      } else out += text[i++];
    }
    i++;
    return out;
  };
  const value = (path) => {
    ws();
    lines.set(path, line);
    const c = text[i];
    if (c === '{') {
      i++;
      ws();
      while (i < text.length && text[i] !== '}') {
        ws();
        const key = string();
        ws();
        i++; // :
        value(path ? `${path}.${key}` : key);
        ws();
        if (text[i] === ',') i++;
        ws();
      }
      i++;
    } else if (c === '[') {
      i++;
      ws();
      let n = 0;
      while (i < text.length && text[i] !== ']') {
        value(`${path}[${n++}]`);
        ws();
        if (text[i] === ',') i++;
        ws();
      }
      i++;
    } else if (c === '"') string();
    else while (i < text.length && !/[\s,\]}]/.test(text[i])) i++;
  };
  value('');
  return lines;
}

/** The line of `path` in `text`, or of its nearest ancestor that is there; null if none. */
export function lineOf(text, path) {
  let lines;
  try {
    JSON.parse(text);
    lines = pathLines(text);
  } catch {
    return null;
  }
  let p = (path || '').replace(/^candidate\.?/, '').replace(/^rules\.?/, '');
  while (p) {
    if (lines.has(p)) return lines.get(p);
    p = p.replace(/(\.[^.[\]]*|\[\d+\])$/, '');
  }
  return null;
}

/** A JSON.parse error's line, when the engine says where (`… at position N`). */
export function syntaxLine(text, error) {
  const m = /position (\d+)/.exec(error.message);
  if (!m) return null;
  return text.slice(0, Number(m[1])).split('\n').length;
}
