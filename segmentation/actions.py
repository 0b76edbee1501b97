"""The action plan: what the team will do for each segment, and a first draft of it.

A plan is a DataFrame with one row per segment and the columns in `PLAN_COLUMNS`. The app
shows it in an editable table and saves it with the results and in the recipe.
`suggest_plan(profiles)` fills a first draft from each segment's profile with simple,
stated rules (a high-value segment going quiet gets proactive CSM outreach; one that never
activated gets an onboarding sequence; one where most customers never paid gets a conversion
play, not a churn one; heavy users on a small plan get an upsell test; high churn gets save
offers and root-cause interviews) so nobody starts from a blank page. A draft never contradicts
the figures shown beside it: churn is compared with the other segments' paying customers, and the
segment with the highest churn is never told to "serve at low cost" or "keep healthy". Segments
named like the RFM grid's cells (Champions, At Risk, Lost, New, ...) get that cell's usual play,
since the name already says what the customers did.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from .errors import DataError
from .profiles import Profiles

__all__ = ["PLAN_COLUMNS", "PLAN_LABELS", "suggest_plan", "empty_plan", "align_plan", "plan_filled", "signals_of"]

PLAN_COLUMNS = (
    "segment",
    "needs",
    "risks",
    "goal",
    "onboarding",
    "communication",
    "success_tier",
    "roadmap",
    "pricing",
    "ab_test",
    "channel",
    "success_metric",
    "owner",
)
PLAN_LABELS = {
    "segment": "Segment",
    "needs": "Needs",
    "risks": "Risks",
    "goal": "Goal",
    "onboarding": "Onboarding",
    "communication": "Communication",
    "success_tier": "Success tier",
    "roadmap": "Roadmap",
    "pricing": "Pricing",
    "ab_test": "A/B test",
    "channel": "Channel",
    "success_metric": "Success metric",
    "owner": "Owner",
}
# The columns that must hold something for a segment's plan to count as filled.
_REQUIRED = ("goal", "success_metric", "owner")

# Column-name fragments that mark usage (activity) variables.
_USAGE_WORDS = ("login", "session", "feature", "usage", "active", "event", "visit", "click", "frequency", "adopt",
                "integration", "seat")
_VALUE_KPIS = ("mrr_mean", "arpa", "ltv")
_HIGH, _LOW = 1.2, 0.8  # lift beyond these counts as clearly above / below all customers


@dataclass(frozen=True)
class Signals:
    """What the rules read from a segment's profile (None = the data cannot tell).

    churn compares the segment's churn rate with the rest of the paying customers (the customers of the other
    segments who ever paid; everyone when there is no converted column): "high" when clearly above them,
    "above" when above them and the highest of the paying segments or 1.2x theirs, "low" at half theirs or
    less, "mid" otherwise; None without a churn rate or without other paying customers to compare with.
    """

    value: str | None  # "high", "low", "mid"
    usage: str | None  # "high", "low", "none", "mid"
    recent: bool | None  # True: recently active; False: lapsed
    churn: str | None  # "high", "above", "low", "mid"
    conversion: str | None  # "high", "low", "mid"
    new: bool | None  # short tenure
    share: float
    paid: float | None = None  # share of the segment that ever paid (None: no converted column)
    churn_rate: float | None = None  # the segment's churn rate, as the profiles show it
    churn_base: float | None = None  # the churn rate of the other segments' paying customers
    highest_churn: bool = False  # the highest churn rate of the segments with paying customers
    payers: str = "customers"  # who churn is counted among: "paying customers" or "customers"


def signals_of(profiles: Profiles, segment: str) -> Signals:
    """Read value, usage, recency, churn, conversion and tenure levels off one segment's profile."""
    lift = profiles.lift.loc[segment] if segment in profiles.lift.index else pd.Series(dtype=float)
    summary = profiles.summary.loc[segment]
    overall = profiles.overall

    value = _level(_first(lift, [*_VALUE_KPIS, "monetary", "mrr", *[c for c in lift.index if "revenue" in c]]))
    median, overall_median = summary.get("mrr_median"), overall.get("mrr_median")
    if value in ("low", "high") and median is not None and overall_median is not None \
            and pd.notna(median) and pd.notna(overall_median) and median != overall_median \
            and (median > overall_median) != (value == "high"):
        # A few large accounts move a mean a long way: a segment whose typical customer pays more than
        # everyone's typical one (or less) is not called low (or high) value beside that median.
        value = "mid"
    usage_columns = [c for c in lift.index if any(w in str(c).lower() for w in _USAGE_WORDS)]
    usage = _level(float(np.nanmean(lift[usage_columns])) if usage_columns and lift[usage_columns].notna().any()
                   else None)
    medians = profiles.medians.loc[segment] if segment in profiles.medians.index else pd.Series(dtype=float)
    if usage_columns and all(c in medians.index and medians[c] == 0 for c in usage_columns):
        usage = "none"
    recency = lift.get("recency_days")
    recent = None if recency is None or pd.isna(recency) else bool(recency < 1)
    if recency is not None and not pd.isna(recency) and recency >= _HIGH:
        recent = False
    churn, rate, base, highest = _churn_against_the_rest(profiles, segment)
    conversion = None
    if "conversion_rate" in summary.index and pd.notna(summary["conversion_rate"]):
        conversion = _level(_ratio(summary["conversion_rate"], overall.get("conversion_rate")))
    tenure = _ratio(summary.get("tenure_median_days"), overall.get("tenure_median_days"))
    new = None if tenure is None else bool(tenure <= 0.5)
    paid = summary.get("paid_share")
    paid = float(paid) if paid is not None and pd.notna(paid) else None
    payers = "paying customers" if "converted" in profiles.columns else "customers"
    return Signals(value, usage, recent, churn, conversion, new, float(summary["share_of_customers"]), paid,
                   churn_rate=rate, churn_base=base, highest_churn=highest, payers=payers)


def _churn_against_the_rest(profiles: Profiles, segment: str) -> tuple[str | None, float | None, float | None, bool]:
    """(level, the segment's churn rate, the other paying customers' rate, highest of the paying segments).

    The base is the rest of the paying customers, not all of them: a segment that holds most payers would
    otherwise be measured against itself and never look high, however far it is above every other segment."""
    summary = profiles.summary
    if "churn_rate" not in summary.columns or pd.isna(summary.loc[segment, "churn_rate"]):
        return None, None, None, False
    customers = summary["customers"].astype(float)
    payers = customers * summary["paid_share"].fillna(0) if "paid_share" in summary.columns else customers
    rates = pd.to_numeric(summary["churn_rate"], errors="coerce")
    churned = (rates * payers).fillna(0)
    rate = float(rates[segment])
    rest_payers = float(payers.sum() - payers[segment])
    if rest_payers < 0.5:  # no other paying customer: nothing to compare with
        return None, rate, None, False
    base = float(churned.sum() - churned[segment]) / rest_payers
    paying = rates[payers >= 0.5].dropna()
    highest = len(paying) > 1 and rate >= float(paying.max()) and rate > base
    if rate >= max(base * 1.5, base + 0.10):
        level = "high"
    elif rate > base and (highest or rate >= base * _HIGH):
        level = "above"
    elif rate <= base * 0.5:
        level = "low"
    else:
        level = "mid"
    return level, rate, base, highest


def suggest_plan(profiles: Profiles) -> pd.DataFrame:
    """A first-draft plan, one row per segment, from each segment's profile (see module doc)."""
    rows = []
    for segment in profiles.segments:
        if profiles.summary.loc[segment, "customers"] == 0:
            rows.append(_row(segment, goal="Check why this segment is empty; merge or drop it."))
            continue
        named = _NAMED_PLAYS.get(_name_key(segment))
        rows.append(_row(segment, **named) if named else _suggest(segment, signals_of(profiles, segment)))
    return pd.DataFrame(rows, columns=list(PLAN_COLUMNS))


def empty_plan(segments: Sequence[str]) -> pd.DataFrame:
    """A blank plan with one row per segment."""
    return pd.DataFrame([_row(s) for s in segments], columns=list(PLAN_COLUMNS))


def align_plan(plan: pd.DataFrame | None, segments: Sequence[str], *,
               renamed: Mapping[str, str] | None = None) -> pd.DataFrame:
    """`plan` with exactly one row per segment, in order: rows follow renamed segments
    (old -> new in `renamed`), missing segments get blank rows, unknown ones are dropped."""
    if plan is None or len(plan) == 0:
        return empty_plan(segments)
    if "segment" not in plan.columns:
        raise DataError("The action plan has no 'segment' column; it cannot be matched to the segments.")
    plan = plan.copy()
    plan["segment"] = plan["segment"].astype(str)
    if renamed:
        plan["segment"] = plan["segment"].map(lambda s: renamed.get(s, s))
    plan = plan.drop_duplicates("segment", keep="last").set_index("segment")
    for column in PLAN_COLUMNS[1:]:
        if column not in plan.columns:
            plan[column] = ""
    out = plan.reindex(list(segments))[list(PLAN_COLUMNS[1:])].fillna("").astype(str)
    return out.reset_index(names="segment")


def plan_filled(plan: pd.DataFrame | None, segments: Sequence[str]) -> bool:
    """True when every segment has a goal, a success metric and an owner."""
    if plan is None or len(plan) == 0:
        return False
    plan = align_plan(plan, segments)
    return bool((plan[list(_REQUIRED)].apply(lambda c: c.str.strip() != "")).all(axis=None))


# -- the rules -----------------------------------------------------------------------------------------
_TECH_TOUCH = "Tech-touch (automated, self-serve)"
_HIGH_TOUCH = "High-touch (named CSM, quarterly business review)"
_STANDARD = "Standard (pooled CSM, self-serve help centre)"
# The usual play for each cell of the RFM grid (rfm.DEFAULT_GRID); the name says what they did.
_NAMED_PLAYS: dict[str, dict[str, str]] = {
    "champions": dict(
        needs="Recognition; early access to what is new.", risks="Taking the best customers for granted.",
        goal="Reward and turn into advocates: referrals and reviews.",
        communication="Thank-you and VIP perks; ask for a review, a case study or a referral.",
        pricing="Referral reward; loyalty discount on an annual plan.", success_tier=_HIGH_TOUCH,
        ab_test="Referral reward: credit for both sides vs. a gift.", channel="Email + CSM",
        success_metric="Referrals and reviews per account; net revenue retention.",
        owner="Marketing / Customer Success"),
    "loyal": dict(
        needs="Recognition for buying often.", risks="Slipping to a competitor's offer.",
        goal="Keep them loyal and sell more: upsell and cross-sell.",
        communication="Loyalty programme; recommend the next product or plan from what they use.",
        pricing="Upsell to a higher plan or annual contract.", success_tier=_STANDARD,
        ab_test="Cross-sell recommendation vs. none.", channel="Email + in-app",
        success_metric="Expansion revenue; repeat purchase rate.", owner="Account management"),
    "potential loyalist": dict(
        needs="A reason to buy again soon.", risks="Staying occasional buyers.",
        goal="Turn into loyal customers: membership or subscription offer.",
        communication="Personal recommendations after each purchase; invite to a loyalty or subscription plan.",
        pricing="Discount on a subscription or annual plan.", success_tier=_TECH_TOUCH,
        ab_test="Subscription offer vs. a second-purchase discount.", channel="Email",
        success_metric="Second and third purchase rate within 90 days.", owner="Lifecycle marketing"),
    "new": dict(
        needs="A guided start.", risks="One purchase and gone.",
        goal="Onboard: get them to a second purchase and their first value moment.",
        onboarding="Welcome series (day 0, 3, 7) with how-to content and a 30-day check-in.",
        communication="Welcome email; in-app tips for the key feature.", success_tier=_TECH_TOUCH,
        ab_test="Welcome series vs. a single welcome email.", channel="Email + in-app",
        success_metric="Second purchase within 60 days; activation rate.", owner="Growth / Lifecycle marketing"),
    "promising": dict(
        needs="To see more of the value.", risks="Losing interest after a small first purchase.",
        goal="Build the habit: free trials of more, usage tips.",
        onboarding="Short course on the features most used by loyal customers.",
        communication="Content and tips; time-limited offer on the next purchase.", success_tier=_TECH_TOUCH,
        ab_test="Free add-on trial vs. a discount on the next purchase.", channel="Email",
        success_metric="Repeat purchase within 90 days.", owner="Lifecycle marketing"),
    "need attention": dict(
        needs="A timely, relevant reason to come back.", risks="Sliding into About to Sleep.",
        goal="Re-engage with limited-time, personalised offers.",
        communication="Personalised recommendations from past purchases; limited-time offer.",
        success_tier=_STANDARD, ab_test="Personalised offer vs. a generic one.", channel="Email",
        success_metric="Purchase within 30 days of the offer.", owner="Lifecycle marketing"),
    "about to sleep": dict(
        needs="A reminder of the value.", risks="Going dormant.",
        goal="Reactivate before they lapse: reminders and popular products.",
        communication="Share popular products and what is new; small incentive.", success_tier=_TECH_TOUCH,
        ab_test="Incentive vs. content-only reminder.", channel="Email",
        success_metric="Reactivation rate within 60 days.", owner="Lifecycle marketing"),
    "at risk": dict(
        needs="A reason to come back after a long gap.", risks="Losing once-valuable customers.",
        goal="Win back: personalised outreach and a renewal offer.",
        communication="Personal win-back emails; ask what changed; offer a renewal or upgrade deal.",
        pricing="Win-back discount or a pause option.", success_tier=_STANDARD,
        ab_test="Win-back offer vs. a feedback request first.", channel="Email + CSM call for the largest",
        success_metric="Win-back rate within 60 days; revenue won back.", owner="Customer Success"),
    "can't lose them": dict(
        needs="Personal attention: they were among the best.", risks="Losing large past spenders for good.",
        goal="Win back the big spenders: personal outreach now.",
        communication="Call from a named person; find out why they stopped; tailored offer.",
        pricing="Tailored renewal offer.", success_tier=_HIGH_TOUCH,
        roadmap="Root-cause interviews; fix what made them stop.", channel="CSM call + email",
        success_metric="Win-back rate; revenue won back.", owner="Customer Success"),
    "hibernating": dict(
        needs="A low-cost nudge.", risks="Spending on customers unlikely to return.",
        goal="Reactivate cheaply; stop spending on those who do not respond.",
        communication="Automated reactivation campaign with relevant products; then suppress non-responders.",
        success_tier=_TECH_TOUCH, ab_test="Reactivation offer vs. none (holdout).", channel="Email",
        success_metric="Reactivation rate vs. holdout; cost per reactivation.", owner="Lifecycle marketing"),
    "lost": dict(
        needs="Nothing more from us unless they come back.", risks="Wasting budget; hurting sender reputation.",
        goal="Re-activate with one last campaign, or let go.",
        communication="One last win-back campaign; ask why they left; then stop mailing.",
        success_tier=_TECH_TOUCH, ab_test="Last-chance offer vs. a why-did-you-leave survey.", channel="Email",
        success_metric="Reactivation rate; churn-reason answers.", owner="Lifecycle marketing"),
    "no purchases": dict(
        needs="A first purchase.", risks="Never buying.", goal="Activate: get a first purchase.",
        onboarding="Onboarding sequence and a first-purchase offer.", success_tier=_TECH_TOUCH,
        channel="Email + in-app", success_metric="First-purchase rate.", owner="Growth"),
}
_MOSTLY_UNPAID = 0.5  # below this share of paying customers, conversion is the play, not churn


def _name_key(segment: str) -> str:
    return " ".join(str(segment).replace("’", "'").lower().split())


def _suggest(segment: str, s: Signals) -> dict[str, str]:
    needs, risks, actions = [], [], {}
    goal, metric, owner, channel, tier = "", "", "", "", _STANDARD
    if s.paid is not None and s.paid < _MOSTLY_UNPAID:
        # Those who never paid cannot churn; the question is why they did not convert.
        needs.append(f"a reason to pay: {1 - s.paid:.0%} never converted")
        risks.append("spending on sign-ups that never pay")
        goal = "Activate: most never converted; get them to a first payment."
        actions["onboarding"] = ("Onboarding email sequence (day 0, 2, 5, 10) and in-app activation nudges "
                                 "toward the key feature; offer a setup call to trials that show intent.")
        actions["pricing"] = "Trial extension or first-month discount for accounts that reached the key action."
        actions["ab_test"] = "Test a shorter setup checklist against the current onboarding."
        metric = "Trial-to-paid conversion; activation rate (key action in the first 14 days)."
        owner, channel, tier = "Growth / Product", "Email + in-app", _TECH_TOUCH

    if s.value == "high" and (s.recent is False or s.usage in ("low", "none") or s.churn in ("high", "above")):
        # Say which of the figures beside the plan calls for it, and only those.
        why = [words for words, seen in (("they have gone quiet", s.recent is False),
                                          ("usage is low", s.usage in ("low", "none")),
                                          (f"churn is higher than among the other {s.payers}",
                                           s.churn in ("high", "above"))) if seen]
        needs.append(f"attention before renewal: their value is high but {' and '.join(why)}")
        risks.append("losing a large share of revenue at once")
        goal = "Win back engagement and protect renewal revenue."
        actions["communication"] = "Proactive CSM outreach within 2 weeks; executive check-in for the largest accounts."
        actions["onboarding"] = "Re-onboarding session on the features they stopped using."
        tier = "High-touch (named CSM, quarterly business review)"
        metric = "Share of accounts active again within 30 days; gross revenue retention."
        owner, channel = "Customer Success", "CSM call + email"
    elif s.value == "high":
        needs.append("recognition and a say in the roadmap")
        risks.append("complacency: competitors court the best accounts")
        goal = "Keep and expand the best accounts."
        actions["communication"] = ("Quarterly business review; invite to the customer advisory board and "
                                    "beta programme.")
        actions["roadmap"] = "Prioritise their top feature requests; early access."
        actions["pricing"] = "Annual contract with multi-year discount; expansion offers for more seats."
        tier = "High-touch (named CSM, quarterly business review)"
        metric = "Net revenue retention; expansion MRR."
        owner, channel = "Account management", "CSM + in-app"
    if s.usage == "none" or (s.conversion == "low" and s.usage in ("low", None)):
        needs.append("reaching the first value moment")
        risks.append("never activating, so churning or never converting")
        goal = goal or "Activate: get every account to its first value moment."
        actions["onboarding"] = ("Onboarding email sequence (day 0, 2, 5, 10) and in-app activation nudges "
                                 "toward the key feature; offer a setup call.")
        actions.setdefault("ab_test", "Test a shorter setup checklist against the current onboarding.")
        metric = metric or "Activation rate (key action in the first 14 days); trial-to-paid conversion."
        owner = owner or "Growth / Product"
        channel = channel or "Email + in-app"
    if s.usage == "high" and s.value in ("low", "mid"):
        needs.append("room to grow: they use a lot for what they pay")
        risks.append("hitting plan limits and leaving instead of upgrading")
        goal = goal or "Upgrade heavy users to the plan that fits their usage."
        actions["pricing"] = "Upsell to the next plan; usage-based add-on for the limits they hit."
        actions["ab_test"] = "Pricing test: upgrade prompt at the usage limit vs. a discounted annual upgrade."
        metric = metric or "Upgrade rate; expansion MRR per account."
        owner = owner or "Sales / Growth"
        channel = channel or "In-app + email"
    if s.churn in ("high", "above") and (s.paid is None or s.paid >= _MOSTLY_UNPAID):
        needs.append("a reason to stay")
        risks.append(_churn_words(s))
        goal = goal or ("Cut churn in this segment." if s.churn == "high"
                        else f"Find out why they churn more than the other {s.payers}, and fix the top reason.")
        actions["communication"] = actions.get("communication") or "Save offers at cancellation (pause, downgrade)."
        actions["pricing"] = actions.get("pricing") or "Save offer: pause or downgrade instead of cancelling."
        actions["roadmap"] = (actions.get("roadmap", "") + " " if actions.get("roadmap") else "") + \
            "Root-cause interviews with 5-10 churned accounts; fix the top reason."
        metric = metric or "Monthly logo churn; save-offer acceptance."
        owner = owner or "Customer Success"
        channel = channel or "Email + in-app"
    if s.new:
        needs.append("a guided start")
        actions.setdefault("onboarding", "Welcome series and a 30-day check-in.")
        if not goal:
            goal = "Onboard: get new customers to their first value moment."
            metric = "Activation rate in the first 30 days; 90-day retention."
            owner, channel = "Growth / Lifecycle marketing", "Email + in-app"
    if s.recent is False and s.value != "high":
        needs.append("a reason to come back")
        risks.append("drifting away unnoticed")
        goal = goal or "Re-engage lapsed customers at low cost."
        actions.setdefault("communication", "Automated win-back campaign: what's new, a success story, an offer.")
        metric = metric or "Reactivation rate within 60 days."
        owner = owner or "Lifecycle marketing"
        channel = channel or "Email"
    if not goal and s.value == "low":  # small and quiet: serve cheaply, find the few ready to grow
        needs.append("low-cost service; a path to a bigger plan")
        risks.append("costing more to serve than they pay")
        goal = "Serve at low cost and find the accounts ready to grow."
        actions["communication"] = "Self-serve help and automated tips; flag accounts whose usage is rising."
        actions["pricing"] = "Test a self-serve upgrade offer at the moment usage grows."
        metric = "Cost to serve per account; upgrade rate."
        owner, channel = "Lifecycle marketing", "Email + in-app"
    elif not goal:  # nothing stands out: keep them healthy and nudge them up
        needs.append("steady value and a next step")
        goal = "Keep healthy and nudge toward the next level."
        actions["communication"] = "Monthly product newsletter; in-app tips for the next feature to adopt."
        actions["ab_test"] = "Test an in-app prompt for the next feature against none."
        metric = "Feature adoption; 90-day retention."
        owner, channel = "Lifecycle marketing", "Email + in-app"
        tier = _TECH_TOUCH
    if tier == _STANDARD and s.value == "low":
        tier = _TECH_TOUCH
    return _row(
        segment,
        needs=_sentence(needs),
        risks=_sentence(risks),
        goal=goal,
        onboarding=actions.get("onboarding", ""),
        communication=actions.get("communication", ""),
        success_tier=tier,
        roadmap=actions.get("roadmap", ""),
        pricing=actions.get("pricing", ""),
        ab_test=actions.get("ab_test", ""),
        channel=channel,
        success_metric=metric,
        owner=owner,
    )


def _churn_words(s: Signals) -> str:
    """The churn risk with the figures it rests on: the segment's rate beside the other paying customers'."""
    how = "well above" if s.churn == "high" else "above"
    words = f"churn {how} that of the other {s.payers} ({s.churn_rate:.1%} vs {s.churn_base:.1%})"
    return words + (", the highest of the segments" if s.highest_churn else "")


def _row(segment: str, **values: str) -> dict[str, str]:
    return {column: (segment if column == "segment" else values.get(column, "")) for column in PLAN_COLUMNS}


def _sentence(parts: list[str]) -> str:
    parts = list(dict.fromkeys(parts))
    return (parts[0][:1].upper() + "; ".join(parts)[1:] + ".") if parts else ""


def _first(lift: pd.Series, names: Sequence[str]) -> float | None:
    for name in names:
        if name in lift.index and pd.notna(lift[name]):
            return float(lift[name])
    return None


def _ratio(value: object, base: object) -> float | None:
    try:
        value, base = float(value), float(base)
    except (TypeError, ValueError):
        return None
    if not np.isfinite(value) or not np.isfinite(base) or base == 0:
        return None
    return value / base


def _level(lift: float | None) -> str | None:
    if lift is None or not np.isfinite(lift):
        return None
    return "high" if lift >= _HIGH else "low" if lift <= _LOW else "mid"
