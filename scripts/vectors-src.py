#!/usr/bin/env python3
"""Writes tests/vectors/*.json. Times are written here as UTC+8 wall clock for readability
and stored as epoch ms; every expectation below was derived by hand from RULES.md and the
seed preset, not copied from the engine's output."""
import datetime, json, pathlib

TZ = datetime.timezone(datetime.timedelta(hours=8))
def ms(s):
    return int(datetime.datetime.strptime(s, "%Y-%m-%d %H:%M").replace(tzinfo=TZ).timestamp() * 1000)

# Server-written ops (docs/ops.md) go as a `~` device: the merchant API's, an operator's
# grants, the server's own (settlements, invite credits); everything else as the phone.
MERCHANT_OPS = {"order", "cancel_order", "buy_membership", "hold_points", "release_hold", "refund_order"}
def device_of(op):
    if op["type"] in MERCHANT_OPS: return "~merchant"
    if op["type"] == "grant": return "~ops"
    if op["type"] == "settle_draw" or (op["type"] == "track" and op.get("action") == "invite"): return "~server"
    return "phone"

def vector(name, description, joined, steps, final, config_patch=None):
    ops, expect = [], []
    seq = 0
    for step in steps:
        when, op, exp = step[0], step[1], step[2]
        seq = step[3] if len(step) > 3 else seq + 1
        ops.append({"device": device_of(op), "seq": seq, "at": ms(when), "op": op})
        expect.append(exp)
    final = dict(final, now=ms(final["now"]))
    if "campaigns_at" in final:
        final["campaigns_at"] = {str(ms(k)): v for k, v in final["campaigns_at"].items()}
    doc = {"name": name, "description": description, "config_patch": config_patch or {},
           "user": "u1", "joined_at": ms(joined), "ops": ops, "expect": expect, "final": final}
    path = pathlib.Path(__file__).resolve().parent.parent / "tests" / "vectors" / f"{name}.json"
    path.write_text(json.dumps(doc, ensure_ascii=False, indent=1) + "\n")

def ev(*events): return {"events": list(events)}
def err(code): return {"error": code}
def credit(source, granted, **kw): return dict(type="points_credited", source=source, granted=granted, **kw)
def checked(date, streak): return {"type": "checked_in", "date": date, "streak": streak}

vector("checkin_streak_makeup", "Streak, cycle milestones, a miss, a make-up that rejoins the streak, refusals.",
  "2026-11-01 09:00", [
    ("2026-11-01 09:00", {"type": "check_in"}, ev(checked("2026-11-01", 1), credit("check_in", 5, expires="2027-11-01"))),
    ("2026-11-01 20:00", {"type": "check_in"}, err("ALREADY_CHECKED_IN")),
    ("2026-11-02 09:00", {"type": "check_in"}, ev(checked("2026-11-02", 2), credit("check_in", 5))),
    ("2026-11-03 09:00", {"type": "check_in"}, ev(checked("2026-11-03", 3), credit("check_in", 5),
        {"type": "streak_milestone", "cycle_day": 3, "streak": 3}, credit("streak_bonus", 10))),
    ("2026-11-05 09:00", {"type": "check_in"}, ev(checked("2026-11-05", 1), credit("check_in", 5))),
    ("2026-11-05 09:05", {"type": "make_up", "date": "2026-11-04"}, ev(
        {"type": "points_debited", "amount": 10, "lots": [{"lot": "2026-11-01", "amount": 5}, {"lot": "2026-11-02", "amount": 5}]},
        {"type": "made_up", "date": "2026-11-04", "cost": 10, "streak": 5})),
    ("2026-11-06 09:00", {"type": "check_in"}, ev(checked("2026-11-06", 6), credit("check_in", 5))),
    ("2026-11-07 09:00", {"type": "check_in"}, ev(checked("2026-11-07", 7), credit("check_in", 5),
        {"type": "streak_milestone", "cycle_day": 7}, credit("streak_bonus", 30),
        {"type": "coupon_granted", "coupon": "streak_7_coupon", "source": "streak_bonus"})),
    ("2026-11-07 09:01", {"type": "make_up", "date": "2026-11-10"}, err("MAKEUP_NOT_PAST")),
    ("2026-11-07 09:02", {"type": "make_up", "date": "2026-10-31"}, err("MAKEUP_BEFORE_JOIN")),
  ], {"now": "2026-11-07 12:00",
      "summary": {"balance": 60, "streak": 7, "checkins": 7, "coupons": ["streak_7_coupon"]},
      "calendar_days": {"2026-11-04": "made_up", "2026-11-05": "checked", "2026-11-07": "today_done", "2026-11-08": "future"}})

vector("caps_and_expiry", "Daily cap cuts a credit in part and says so; debits take the oldest lot; expiry takes only what is left.",
  "2026-01-10 09:00", [
    ("2026-01-10 09:00", {"type": "track", "action": "review"}, ev({"type": "action_tracked", "action": "review", "count": 1},
        credit("earn:review", 20, requested=20, cut=0, expires="2027-01-10"))),
    ("2026-01-10 09:01", {"type": "track", "action": "core_action", "count": 6}, ev({"type": "action_tracked", "count": 6},
        credit("earn:core_action", 80, requested=90, cut=10, cap="daily"),
        {"type": "task_completed", "task": "newbie_core"}, {"type": "task_claimed", "task": "newbie_core"},
        credit("task:newbie_core", 0, requested=20, cut=20, cap="daily"),
        {"type": "coupon_granted", "coupon": "newbie_5_yuan"})),
    ("2026-01-11 09:00", {"type": "redeem", "item": "coupon_5_yuan"}, ev(
        {"type": "points_debited", "amount": 50, "lots": [{"lot": "2026-01-10", "amount": 50}]},
        {"type": "redeemed", "item": "coupon_5_yuan", "cost": 50}, {"type": "coupon_granted", "coupon": "coupon_5_yuan"})),
    # A year without an op: the member comes back (lifecycle: dormant after 7 days).
    ("2027-01-10 09:00", {"type": "track", "action": "review"}, ev({"type": "action_tracked"}, credit("earn:review", 20),
        {"type": "member_returned", "date": "2027-01-10", "away_days": 364})),
    ("2027-01-11 09:00", {"type": "track", "action": "review"}, ev({"type": "points_expired", "lot": "2026-01-10", "amount": 50},
        {"type": "action_tracked"}, credit("earn:review", 20))),
  ], {"now": "2027-01-11 12:00",
      "summary": {"balance": 40, "totals": {"credited": 140, "cut": 30, "spent": 50, "expired": 50, "restored": 0}}})

vector("order_cancel_restore", "Checkout deduction at 100 points = 10 yuan, at most half the order; a cancel restores the points to their lot.",
  "2026-06-01 09:00", [
    ("2026-06-01 09:00", {"type": "grant", "points": 300, "reason": "welcome"}, ev(credit("grant:welcome", 300, cut=0))),
    ("2026-06-01 10:00", {"type": "order", "order": "A", "amount_cents": 20000, "points": 1100}, err("DEDUCTION_TOO_LARGE")),
    ("2026-06-01 10:01", {"type": "order", "order": "A", "amount_cents": 20000, "points": 1000}, err("INSUFFICIENT_POINTS")),
    ("2026-06-01 10:02", {"type": "order", "order": "A", "amount_cents": 20000, "points": 200}, ev(
        {"type": "points_debited", "amount": 200, "lots": [{"lot": "2026-06-01", "amount": 200}]},
        {"type": "order_placed", "order": "A", "amount_cents": 20000, "points": 200, "deduction_cents": 2000})),
    ("2026-06-02 09:00", {"type": "cancel_order", "order": "A"}, ev({"type": "order_cancelled", "order": "A"},
        {"type": "points_restored", "restored": 200, "expired": 0, "lots": [{"lot": "2026-06-01", "amount": 200}]})),
    ("2026-06-02 09:01", {"type": "cancel_order", "order": "A"}, err("ORDER_ALREADY_CANCELLED")),
  ], {"now": "2026-06-02 12:00", "summary": {"balance": 300, "totals": {"spent": 200, "restored": 200}}})

vector("tier_progress_labels", "A paid monthly plan sets silver; spend decides the progress label toward gold (any of 20 active days or 500 yuan).",
  "2026-11-01 09:00", [
    ("2026-11-01 09:00", {"type": "buy_membership", "plan": "monthly"}, ev(
        {"type": "membership_started", "plan": "monthly", "tier": "silver", "until": "2026-11-30"},
        {"type": "tier_changed", "from": "regular", "to": "silver", "reason": "paid"})),
    ("2026-11-02 09:00", {"type": "order", "order": "A", "amount_cents": 40000}, ev(
        {"type": "order_placed", "order": "A", "deduction_cents": 0})),
  ], {"now": "2026-11-02 12:00", "summary": {"tier": "silver", "earned_tier": "regular"},
      "tier_progress": {"tier": {"id": "silver"}, "next": {"id": "gold"}, "percentage": 80, "label": "再消费 100 元即可升级"}})

vector("freeze_duplicate_offline", "A freeze bridges a missed day; a repeated seq is a duplicate; an op older than the offline window is refused.",
  "2026-11-01 09:00", [
    ("2026-11-01 08:00", {"type": "grant", "points": 100, "reason": "seed"}, ev(credit("grant:seed", 100))),
    ("2026-11-01 08:01", {"type": "redeem", "item": "streak_freeze"}, ev({"type": "points_debited", "amount": 50},
        {"type": "redeemed", "item": "streak_freeze"}, {"type": "freezes_granted", "count": 1, "held": 1, "discarded": 0})),
    ("2026-11-01 09:00", {"type": "check_in"}, ev(checked("2026-11-01", 1), credit("check_in", 5))),
    ("2026-11-03 09:00", {"type": "check_in"}, ev({"type": "freeze_used", "dates": ["2026-11-02"], "held": 0},
        checked("2026-11-03", 3), credit("check_in", 5), {"type": "streak_milestone", "cycle_day": 3}, credit("streak_bonus", 10))),
    ("2026-11-03 09:00", {"type": "check_in"}, err("DUPLICATE_OP"), 4),
    # 17 days after the last op (the 3rd): a return (lifecycle: dormant after 7 days).
    ("2026-11-20 09:00", {"type": "track", "action": "open"}, ev({"type": "action_tracked"}, credit("earn:open", 10),
        {"type": "member_returned", "away_days": 17}), 5),
    ("2026-11-12 09:00", {"type": "check_in"}, err("OP_TOO_OLD")),
    ("2026-11-13 09:00", {"type": "check_in"}, ev(checked("2026-11-13", 1), credit("check_in", 5))),
  ], {"now": "2026-11-20 12:00", "summary": {"balance": 85, "freezes": 0},
      "calendar_days": {"2026-11-02": "frozen", "2026-11-03": "checked", "2026-11-04": "makeup_available", "2026-11-20": "today_pending"}})

# Issue 25: the engine's money rules as RULES.md says them.
def debit(reason, amount): return {"type": "points_debited", "reason": reason, "amount": amount}
def redeemed(): return [debit("redeem:coupon_5_yuan", 50), {"type": "redeemed", "item": "coupon_5_yuan"},
                        {"type": "coupon_granted", "coupon": "coupon_5_yuan"}]
coupon = {"type": "redeem", "item": "coupon_5_yuan"}

vector("hold_lapse_server_clock", "A hold lapses by the server's clock only: the phone's ops dated at the hold's end reach none of the held points, the order at 10:10 takes all 800 (and restores nothing); a hold past its end shows as lapsed in views.",
  "2026-11-02 10:00", [
    ("2026-11-02 10:00", {"type": "grant", "points": 1000, "reason": "welcome"}, ev(credit("grant:welcome", 1000))),
    ("2026-11-02 10:00", {"type": "hold_points", "order": "A", "points": 800, "until": ms("2026-11-02 10:15")},
        ev(debit("hold:A", 800), {"type": "points_held", "order": "A", "points": 800})),
    ("2026-11-02 10:15", coupon, ev(*redeemed())),
    ("2026-11-02 10:15", coupon, ev(*redeemed())),
    ("2026-11-02 10:15", coupon, ev(*redeemed())),
    ("2026-11-02 10:15", coupon, ev(*redeemed())),
    ("2026-11-02 10:15", coupon, err("INSUFFICIENT_POINTS")),
    ("2026-11-02 10:10", {"type": "order", "order": "A", "amount_cents": 20000, "points": 800},
        ev({"type": "order_placed", "order": "A", "points": 800, "deduction_cents": 8000})),
    ("2026-11-02 10:20", {"type": "grant", "points": 100, "reason": "later"}, ev(credit("grant:later", 100))),
    ("2026-11-02 10:20", {"type": "hold_points", "order": "B", "points": 100, "until": ms("2026-11-02 10:25")},
        ev(debit("hold:B", 100), {"type": "points_held", "order": "B", "points": 100})),
  ], {"now": "2026-11-02 10:30", "summary": {"balance": 100}, "points_summary": {"balance": 100}})

vector("refund_window_by_day", "Refunds and cancels are taken while the order's business day is within 90 business days of the op's (2 November → 31 January), whatever the member did since; after that UNKNOWN_ORDER.",
  "2026-11-02 10:00", [
    ("2026-11-02 10:00", {"type": "order", "order": "A", "amount_cents": 1000}, ev({"type": "order_placed", "order": "A"})),
    ("2026-11-02 10:01", {"type": "order", "order": "B", "amount_cents": 1000}, ev({"type": "order_placed", "order": "B"})),
    ("2027-01-31 10:00", {"type": "refund_order", "order": "A", "amount_cents": 100},
        ev({"type": "order_refunded", "order": "A", "amount_cents": 100, "points": 0})),
    ("2027-02-01 10:00", {"type": "cancel_order", "order": "B"}, err("UNKNOWN_ORDER")),
    ("2027-02-01 10:01", {"type": "refund_order", "order": "A", "amount_cents": 100}, err("UNKNOWN_ORDER")),
    ("2027-01-31 23:00", {"type": "cancel_order", "order": "B"}, ev({"type": "order_cancelled", "order": "B"})),
  ], {"now": "2027-02-01 12:00", "summary": {"balance": 0}})

vector("server_ops_not_activity", "The merchant's order, an operator's grant and an invite credit are not the member's activity: no return on them; the member's own op two days later is the return, 12 days away.",
  "2026-11-02 10:00", [
    ("2026-11-02 10:00", {"type": "track", "action": "open"}, ev({"type": "action_tracked", "action": "open"}, credit("earn:open", 10))),
    ("2026-11-12 10:00", {"type": "order", "order": "A", "amount_cents": 60000}, ev({"type": "order_placed", "order": "A"},
        {"type": "tier_changed", "from": "regular", "to": "gold", "reason": "upgrade"})),
    ("2026-11-12 10:01", {"type": "grant", "points": 5, "reason": "goodwill"}, ev(credit("grant:goodwill", 5))),
    ("2026-11-12 10:02", {"type": "track", "action": "invite"}, ev({"type": "action_tracked", "action": "invite"},
        {"type": "task_completed", "task": "growth_invite"})),
    ("2026-11-14 10:00", {"type": "track", "action": "open"}, ev({"type": "action_tracked", "action": "open"}, credit("earn:open", 10),
        {"type": "member_returned", "date": "2026-11-14", "away_days": 12})),
  ], {"now": "2026-11-14 12:00", "summary": {"tier": "gold", "balance": 25}})

vector("refund_rechecks_spend_tiers", "A refund re-checks only the tiers its spend earned: cancelling an order placed before an invite keeps the invite's tier step; refunding the order that earned gold drops back to silver.",
  "2026-11-01 10:00", [
    ("2026-11-01 10:00", {"type": "order", "order": "A", "amount_cents": 100}, ev({"type": "order_placed", "order": "A"})),
    ("2026-11-01 10:01", {"type": "track", "action": "invite"}, ev({"type": "action_tracked", "action": "invite"},
        {"type": "task_completed", "task": "growth_invite"})),
    ("2026-11-01 10:02", {"type": "claim_task", "task": "growth_invite"}, ev({"type": "task_claimed", "task": "growth_invite"},
        credit("task:growth_invite", 50), {"type": "tier_changed", "from": "regular", "to": "silver", "reason": "boost"})),
    ("2026-11-02 10:00", {"type": "cancel_order", "order": "A"}, ev({"type": "order_cancelled", "order": "A"})),
    ("2026-11-02 10:01", {"type": "order", "order": "B", "amount_cents": 50000}, ev({"type": "order_placed", "order": "B"},
        {"type": "tier_changed", "from": "silver", "to": "gold", "reason": "upgrade"})),
    ("2026-11-03 10:00", {"type": "refund_order", "order": "B", "amount_cents": 1}, ev({"type": "order_refunded", "order": "B"},
        {"type": "tier_changed", "from": "gold", "to": "silver", "reason": "refund"})),
  ], {"now": "2026-11-03 12:00", "summary": {"tier": "silver", "earned_tier": "silver"}})

vector("paid_term_from_purchase_day", "A monthly plan bought on 31 January runs through 28 February; its free service counts from the purchase day, never for a backdated day before it; a renewal runs on from 1 March.",
  "2027-01-29 10:00", [
    ("2027-01-31 10:00", {"type": "buy_membership", "plan": "monthly"}, ev(
        {"type": "membership_started", "plan": "monthly", "tier": "silver", "until": "2027-02-28"},
        {"type": "tier_changed", "from": "regular", "to": "silver", "reason": "paid"})),
    ("2027-01-30 10:00", {"type": "use_service"}, err("NO_FREE_SERVICE_LEFT")),
    ("2027-01-31 11:00", {"type": "use_service"}, ev({"type": "service_used", "left": 0})),
    ("2027-02-10 10:00", {"type": "buy_membership", "plan": "monthly"}, ev(
        {"type": "membership_started", "plan": "monthly", "until": "2027-03-31"})),
  ], {"now": "2027-02-10 12:00", "summary": {"tier": "silver", "earned_tier": "regular"},
      "tier_progress": {"paid_until": "2027-03-31"}})

vector("campaign_cards_past_now", "The campaign view's cards left today is the day's own count for any now: 3 cards on 6 February, 1 on the 7th; seen on the 6th, none left; on the 7th, 2.",
  "2027-02-06 10:00", [
    ("2027-02-06 10:00", {"type": "track", "action": "share"}, ev({"type": "action_tracked", "action": "share"}, credit("earn:share", 30),
        {"type": "campaign_joined", "campaign": "spring_festival_2027"}, {"type": "card_granted", "set": "spring_fu_2027"})),
    ("2027-02-06 10:01", {"type": "track", "action": "share"}, ev({"type": "action_tracked"}, {"type": "card_granted"})),
    ("2027-02-06 10:02", {"type": "track", "action": "share"}, ev({"type": "action_tracked"}, {"type": "card_granted"})),
    ("2027-02-06 10:03", {"type": "track", "action": "share"}, ev({"type": "action_tracked"})),
    ("2027-02-07 10:00", {"type": "track", "action": "share"}, ev({"type": "action_tracked"}, credit("earn:share", 30), {"type": "card_granted"})),
  ], {"now": "2027-02-07 12:00", "campaigns_at": {"2027-02-06 12:00": {"spring_fu_2027": 0}, "2027-02-07 12:00": {"spring_fu_2027": 2}}})
