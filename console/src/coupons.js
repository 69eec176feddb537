// The coupon ids a rule file names, for the grant dialog's list: every string in an array
// under a key ending in `coupons` (rewards' `coupons`, `lifecycle.wake_up_coupons`, and any
// reward nested in tasks, campaigns, cards, lotteries or the catalog), sorted, once each.
// An operator may still type an id the rules do not name: a coupon is the merchant's.
export function couponIds(rules) {
  const found = new Set();
  const walk = (value, key) => {
    if (Array.isArray(value)) {
      for (const v of value) {
        if (typeof v === 'string' && /coupons$/.test(key)) found.add(v);
        else walk(v, '');
      }
    } else if (value && typeof value === 'object') {
      for (const [k, v] of Object.entries(value)) walk(v, k);
    }
  };
  walk(rules, '');
  return [...found].sort();
}
