// The grant dialog's coupon list (src/coupons.js): every coupon id the rules name, wherever a
// reward sits, once each and sorted; nothing that is not a coupon id.
const test = require('node:test');
const assert = require('node:assert/strict');
const { readFileSync } = require('node:fs');
const { join } = require('node:path');

const couponIds = async () => (await import('../src/coupons.js')).couponIds;

test('coupons: the seed rules name six coupons, from streaks, tasks, the catalog, cards and lotteries', async () => {
  const seed = JSON.parse(readFileSync(join(__dirname, '..', '..', 'presets', 'seed.json'), 'utf8'));
  assert.deepEqual((await couponIds())(seed), [
    'coupon_10_yuan',
    'coupon_5_yuan',
    'newbie_5_yuan',
    'spring_fu_coupon',
    'spring_gift_box',
    'streak_7_coupon',
  ]);
});

test('coupons: ids under any key ending in coupons, once each; other strings and arrays are not coupons', async () => {
  const rules = {
    tasks: [{ id: 'share', title: 'coupons', tags: ['gift'], reward: { points: 5, coupons: ['b', 'a'] } }],
    lifecycle: { wake_up_coupons: ['a', 'c'] },
    campaigns: [{ reward: { coupons: [] }, stages: [[{ reward: { coupons: ['d'] } }]] }],
    coupons: 'not_an_array',
    notes: ['coupon_in_text'],
  };
  assert.deepEqual((await couponIds())(rules), ['a', 'b', 'c', 'd']);
  assert.deepEqual((await couponIds())({}), []);
  assert.deepEqual((await couponIds())(null), []);
});
