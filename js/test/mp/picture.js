// Pictures of what miniprogram-simulate rendered, for a person to look at
// (target/artifacts/NAME.png, and the page as NAME.html): the DOM it built and the styles it
// compiled (components' wxss, scoped as WeChat scopes them), plus `css` (e.g. app.wxss), in
// headless Chromium at a phone's width (375 px; rpx counted as 0.5 px).
const { mkdirSync, writeFileSync } = require('node:fs');
const { join } = require('node:path');
const { chromium } = require('playwright-core');
const { root } = require('../helpers.js');

const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
const ARGS = ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'];

/** `probe`, if given, runs in the page after the shot (Playwright's evaluate): its result is
 * picture's. */
async function picture(nodes, name, { css = '', probe = null } = {}) {
  const rpx = (text) => text.replace(/(-?[\d.]+)rpx/g, (_, n) => `${Number(n) / 2}px`);
  const styles = [...document.head.querySelectorAll('style')].map((s) => s.textContent).join('\n').replace(/\\#/g, '#');
  const body = [].concat(nodes).map((n) => `<div class="shot">${n.dom.outerHTML}</div>`).join('\n');
  const html = `<!doctype html><html><head><meta charset="utf-8"><style>
    body { margin: 0; width: 375px; background: #f7f8fa; color: #323233; font-family: -apple-system, "PingFang SC", "Noto Sans CJK SC", sans-serif; }
    .shot { margin: 0 0 12px; background: #fff; }
    wx-view, wx-progress { display: block; } wx-text { display: inline; }
    ${rpx(css)}
    ${styles}</style></head><body>${body}</body></html>`;
  const artifacts = join(root, 'target', 'artifacts');
  mkdirSync(artifacts, { recursive: true });
  writeFileSync(join(artifacts, `${name}.html`), html);
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS });
  try {
    const tab = await browser.newPage({ viewport: { width: 375, height: 600 }, deviceScaleFactor: 2 });
    await tab.setContent(html);
    // The body only: as tall as what was rendered, not the viewport.
    await tab.locator('body').screenshot({ path: join(artifacts, `${name}.png`) });
    return probe ? await tab.evaluate(probe) : undefined;
  } finally {
    await browser.close();
  }
}

module.exports = { picture };
