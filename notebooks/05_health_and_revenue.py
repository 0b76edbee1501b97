# ---
# jupyter:
#   jupytext:
#     formats: ipynb,py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#       format_version: '1.3'
#       jupytext_version: 1.17.3
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Health & revenue: where the MRR moves, who is about to leave, and why
#
# Segments say who the customers are; this notebook asks what happens to them. It follows the
# app's **Health & revenue** page tab by tab, with the same library calls, so the figures here are
# the figures on the page:
#
# 1. **MRR movements**: each month's MRR split into new, expansion, reactivation, contraction and
#    churned, by segment, and who downgrades;
# 2. the **health score**: a points model fitted against churn, checked on customers it never saw,
#    edited by hand, the at-risk list with reasons, and a fit that does not peek at the future;
# 3. **drivers**: which single split of which column separates an outcome most, in sentences;
# 4. **conversion over time** by channel, and whether a drop is the channels converting less or
#    a different mix of sign-ups;
# 5. **lead fit**: scoring a list of prospects by how much they resemble the customers who converted.
#
# Two rules run through all of it. An outcome has a kind (churn, conversion, ...) and is named by
# it. And every model is judged on customers it was not fitted on, with an interval: when the
# interval includes 0.5 (a coin toss) the model has **no signal**, and then nobody is labelled at
# risk and no lead is ranked.

# %%
from pathlib import Path

import numpy as np
import pandas as pd

from segmentation.charts.health import calibration_chart, lift_chart
from segmentation.conversion import conversion_by_month
from segmentation.dataset import Dataset
from segmentation.drivers import default_driver_variables, find_drivers
from segmentation.health import (activity_churn, auc_interval, default_health_variables, fit_health,
                                 health_from_dataset)
from segmentation.leads import lead_fit
from segmentation.methods import kmeans
from segmentation.outcomes import outcome_choices
from segmentation.revenue import mrr_movements

# Only to find the sample files: the folder holding sample_data/, searched upwards from this file
# (when run as a script) or from the working directory (in Jupyter). The library itself is installed.
HERE = Path(__file__).resolve().parent if "__file__" in globals() else Path.cwd()
ROOT = next(p for p in [HERE, *HERE.parents] if (p / "sample_data").is_dir())
DATA = ROOT / "sample_data"

# %% [markdown]
# The app's sample is three files: the customers export, the monthly invoices and the daily
# product events. `Dataset.read` loads them as the Data page does; `customer_table()` is one row
# per customer with the columns of the customers file plus what the invoices and events add
# (`recency_days`, `orders_90d`, `active_days_30d`, ...) and the outcomes (`churned`, `converted`).

# %%
data = Dataset.read(customers=DATA / "customers.csv", transactions=DATA / "transactions.csv",
                    events=DATA / "events.csv")
frame = data.customer_table().frame
roles = data.roles["customers"]
outcomes = outcome_choices(frame, roles)  # outcome column -> its kind
print(outcomes)
frame.shape

# %% [markdown]
# ## 1. MRR movements
#
# MRR per customer and month comes from the invoices, in the month they are dated (a subscriptions
# export's MRR, or invoices spread over their service period, when the export has them). Each month,
# every customer whose MRR changed from the month before makes one movement:
#
# - **new**: the first month with MRR;
# - **expansion**: more than the month before (more seats, an upgrade);
# - **contraction**: less, but still paying (a downgrade);
# - **churned**: down to 0 (the whole MRR of the month before is lost);
# - **reactivation**: paying again after a month at 0.
#
# So that, every month: **MRR(m) = MRR(m-1) + new + expansion + reactivation - contraction - churned**.
# The quick ratio is gains over losses, (new + expansion + reactivation) / (contraction + churned):
# above 4 is healthy growth, below 1 the MRR shrinks. A month the data does not cover to its last day is
# marked `complete` = False (customers who pay later in it would show as churned so far).

# %%
moves = mrr_movements(data)
print(f"MRR from {moves.source}, up to {moves.as_of:%Y-%m-%d}", *moves.notes, sep="\n")
monthly = moves.total()
monthly.tail(6).round(2)

# %% [markdown]
# The identity, checked on every month: the MRR of a month is the month before's plus its gains
# minus its losses (the first month starts from 0).

# %%
before = monthly["mrr"].shift(1, fill_value=0.0)
rebuilt = before + monthly["new"] + monthly["expansion"] + monthly["reactivation"] - monthly["contraction"] \
    - monthly["churned"]
assert np.allclose(rebuilt, monthly["mrr"], atol=0.01)
print(f"MRR(m) = MRR(m-1) + new + expansion + reactivation - contraction - churned holds for all "
      f"{len(monthly)} months; largest gap {float((rebuilt - monthly['mrr']).abs().max()):.2g}")

# %% [markdown]
# ### By segment
#
# Any segmentation splits the movements. Here K-means with k = 4 on the logged `mrr`, `logins_30d`,
# `features_adopted` and `seats` (notebook 02 explains the choice); the MRR movements tab does the
# same with the segments of the Segment page. A segment whose customers never paid has no MRR and
# does not appear.

# %%
segment_variables = ["mrr", "logins_30d", "features_adopted", "seats"]
segments = kmeans.fit_kmeans(frame, segment_variables, k=4, transforms={v: "log1p" for v in segment_variables},
                             random_state=0)
by_segment = mrr_movements(data, split=segments)
print(segments.sizes.to_dict())
last_month = by_segment.table[by_segment.table["month"] == by_segment.table["month"].max()]
last_month.drop(columns="month").round(2)

# %% [markdown]
# The identity holds within each segment too, and the segments add up to the whole business:

# %%
table = by_segment.table
gains = table["new"] + table["expansion"] + table["reactivation"] - table["contraction"] - table["churned"]
prior = table.groupby("split")["mrr"].shift(1, fill_value=0.0)
assert np.allclose(prior + gains, table["mrr"], atol=0.01)
assert np.allclose(by_segment.total()["mrr"], monthly["mrr"], atol=0.01)
table.pivot(index="month", columns="split", values="mrr").tail(6).round(0)

# %% [markdown]
# ### Who downgrades
#
# Over the last 12 complete months (as on the tab): per segment, how many customers with MRR had a
# contraction, the MRR they took away, and the churn beside it. `customers_behind` lists the customers
# behind one bar of the chart: here the biggest downgrades of the last month.

# %%
by_segment.downgrades(months=12).round(3)

# %%
done = by_segment.table.loc[by_segment.table["complete"], "month"].max()
by_segment.customers_behind(done, "contraction").head(8).round(2)

# %% [markdown]
# The big accounts (the segment with very high seats) downgrade about twice as often as the other
# paying segment, and their downgrades cost far more MRR: that is where a seat-count review before
# renewal pays. The smaller accounts rarely shrink; they leave. A caution from notebook 03 applies:
# segments built on today's MRR and usage partly encode who has already left or shrunk.

# %% [markdown]
# ## 2. The health score
#
# A health score a person can read, built like a credit scorecard: each variable is cut into a
# few ranges (numbers at their quartiles, "logins_30d below 4"), and each range carries points.
# Within a variable the range with the least churn carries the variable's maximum and the riskiest
# carries 0; the maxima add up to 100, so a customer in the best range of everything scores 100.
# The points come from a regularised logistic regression of churn on the ranges, fitted on 70% of
# the customers; the other 30% are kept aside to judge it.
#
# The variables are the ones the Health score tab starts from: usage columns a customer-success
# lead can act on (seats, logins, features adopted, integrations).

# %%
variables = default_health_variables(frame, outcome="churned", roles=roles)
score = health_from_dataset(data, outcome="churned", variables=variables)
print(variables)
score.points

# %% [markdown]
# ### Is it any good? AUC with an interval, and calibration
#
# The **AUC** is how often a customer who stayed scores higher than one who churned, among the
# held-out customers: 0.5 is a coin toss, 1 a perfect ranking. The interval comes from resampling
# those customers (bootstrap): it says how much the AUC could move with another draw of customers.

# %%
print(score.sentence)
print(f"held out: {score.n_test:,} customers; AUC {score.auc:.3f} [{score.auc_low:.3f}, {score.auc_high:.3f}]")

# %% [markdown]
# **Calibration**: the held-out customers in ten groups by predicted churn risk, predicted against
# what happened. On the dashed line the score's risk is the churn rate you would observe.

# %%
calibration_chart(score)

# %%
score.calibration.round(3)

# %% [markdown]
# The statuses: below 40 points **at risk**, below 70 **watch**, else **healthy**. The churn rate
# of each status is the check that "at risk" really churns more.

# %%
score.status_table().round(3)

# %% [markdown]
# ### The no-signal rule
#
# A score fitted on noise still produces points and an AUC near 0.5, and a list of "at-risk"
# customers that means nothing. So the rule: when the interval includes 0.5 the score has no
# signal, and **nobody is labelled at risk**. Shuffle the churn flag (same churn rate, no link to
# anything) and fit again:

# %%
rng = np.random.default_rng(0)
shuffled = frame.assign(churned=rng.permutation(frame["churned"].to_numpy()))
noise = fit_health(shuffled, outcome="churned", variables=variables)
print(noise.sentence)
print(noise.status_counts().to_dict())
assert not noise.signal and noise.at_risk().empty

# %% [markdown]
# ### Editing the points by hand
#
# Points are data. Suppose the customer-success lead knows that customers with two or more
# integrations are stickier than the fit gave them credit for (it gave `integrations` no points).
# `with_points` takes the edited table and judges the edited score on the same held-out customers,
# so the cost or gain of the edit is a number, not an opinion. `with_cutoffs` moves the status
# thresholds without refitting: here a shorter at-risk list, for a team that can call 1,000
# accounts, not 2,500.

# %%
edited_points = score.points.copy()
edited_points.loc[(edited_points["variable"] == "integrations")
                  & (edited_points["range"] == "2 or more"), "points"] = 10
edited = score.with_points(edited_points)
print(f"fitted points: AUC {score.auc:.3f}; edited: AUC {edited.auc:.3f} "
      f"[{edited.auc_low:.3f}, {edited.auc_high:.3f}]")
print(*edited.notes, sep="\n")

# %%
shorter = edited.with_cutoffs(at_risk_below=25, watch_below=60)
shorter.status_table().round(3)

# %% [markdown]
# ### The at-risk list, with reasons
#
# Each customer's reasons are the ranges where they lost the most points: what to talk about on
# the call. The list comes least healthy first; the Health score tab downloads the same list.

# %%
at_risk = shorter.at_risk()
print(f"{len(at_risk):,} customers at risk")
at_risk.head(10)

# %% [markdown]
# The score was fitted on everyone, churners included, but customers the outcome says have left get
# the status "left" and never appear on the list. Some of those at risk are still on a free plan or a
# trial; for the calls, keep the customers paying now:

# %%
paying_now = frame[(frame["mrr"] > 0) & ~frame["churned"].astype(bool)]
to_call = at_risk[at_risk["customer_id"].isin(paying_now.index)]
print(f"{len(to_call):,} of the {len(at_risk):,} at-risk customers still pay")
to_call.head(10)

# %%
at_risk["reasons"].str.split("; ").explode().value_counts().head(8).to_frame("customers")

# %% [markdown]
# ### A time-honest fit, and why the export-day AUC is too good on the sample
#
# The customers file says who churned *and* gives each customer's usage, both read on the day of
# the export. Most churners left months or years before that day; their `logins_30d` is what an
# account logs in *after* leaving. Among the customers who ever paid:

# %%
paid = frame[frame["mrr"] > 0]
paid.groupby("churned")[["logins_30d", "features_adopted", "seats"]].median()

# %% [markdown]
# Churned customers barely log in because they have left, not (only) before they left: the score
# partly learns to recognise customers who are already gone, and its held-out AUC measures that.
#
# The time-honest fit (the tab's toggle, or `as_of=` here) rebuilds the customer table from the
# dated activity (here the invoices) **on or before a date**, keeps the customers active in the 90
# days before it, and calls churned whoever has no activity in the 90 days after it. Nothing the
# features know was measured after the outcome. The default cut is 90 days before the data ends,
# so that the window after it is complete.

# %%
activity = data.activity()
last_day = pd.to_datetime(activity.frame[activity.date]).max()
cut = (last_day - pd.Timedelta(days=90)).date().isoformat()
activity_features = [c for c in ("orders_30d", "orders_90d", "frequency", "monetary", "active_days_30d",
                                 "active_days_90d", "events_90d") if c in frame.columns][:4]
honest = health_from_dataset(data, as_of=cut, window_days=90, variables=activity_features)
print(cut, activity_features)
print(honest.sentence, *honest.notes, sep="\n")

# %% [markdown]
# Its held-out AUC is still high on the sample, for a reason worth knowing: billing is monthly, so
# a customer with no invoice in the 30 days before the cut has, more often than not, already
# stopped paying. Most of the "churners" after the cut had already missed an invoice before it:

# %%
as_of_table, _ = activity_churn(data, cut, window_days=90)  # the table the time-honest fit was fitted on
churners = as_of_table[as_of_table["churned"]]
print(f"{len(churners)} churned after {cut}; {churners['orders_30d'].eq(0).mean():.0%} had no invoice in the "
      "30 days before it")

# %% [markdown]
# Both fits are honest about their own held-out customers; neither held-out AUC says how well the
# score finds **the next** customers to leave, which is what a customer-success team wants. The
# sample has the answer: `next_month/` is the same export a month later, and says who among
# today's paying customers cancelled in November. Score today's paying customers with each score
# (no refit) and judge them on that:

# %%
later = Dataset.read(customers=DATA / "next_month" / "customers.csv").customer_table().frame
left_next_month = later.loc[paying_now.index, "churned"].astype(bool).to_numpy()
print(f"{len(paying_now):,} paying today; {left_next_month.sum()} cancelled the month after")
check = {}
for name, fitted in (("export-day fit", score), ("time-honest fit", honest)):
    auc, low, high = auc_interval(fitted.assign(paying_now).to_numpy(), left_next_month)
    check[name] = {"held-out AUC": fitted.auc, "AUC on next month's cancellations": auc, "low": low, "high": high}
check = pd.DataFrame(check).T
assert (check["AUC on next month's cancellations"] < check["held-out AUC"]).all()
check.round(2)

# %% [markdown]
# The held-out AUC of a score fitted on an export is an upper bound: on next month's cancellations
# both scores rank far less well than their held-out figure promised, and the time-honest one, built
# on invoice counts that change only once a customer has stopped paying, barely beats a coin toss.
# The sample's November churners are customers whose logins *fell* in October (a change, not a
# level), which neither set of variables measures. Two habits follow: fit time-honestly when the data has dated
# activity, and judge a score against a later export before a team acts on it (the Track page's
# "Health score change" does the scoring with the same points).

# %% [markdown]
# ## 3. Drivers: what separates an outcome, in sentences
#
# For any outcome (churn, conversion, a campaign response), each column is split once, at its
# best threshold (a number) or one value against the rest (a category), and the splits are ranked
# by how much the two groups differ. A split is named a driver only when it would rarely arise by
# chance among all the splits tried (a Bonferroni-adjusted chi-square test), so on data without
# structure no sentence comes out. The Drivers tab starts from every column that can be split:

# %%
candidates = [c for c in default_driver_variables(frame) if c not in outcomes]
drivers = find_drivers(frame, outcome="churned", variables=candidates, outcome_kind=outcomes["churned"])
print(drivers.summary)
print(*[f"{i}. {s}" for i, s in enumerate(drivers.sentences[:8], 1)], sep="\n")
print(*drivers.notes, sep="\n")

# %% [markdown]
# Read the top of such a list with the same suspicion as the export-day health score: `recency_days`,
# `plan Free`, `converted_to_paid no` and `mrr below 15` are churn (or never having paid) read another
# way, and the note flags the column that nearly determines the outcome on its own. Keep the
# columns a team can act on and ask again:

# %%
usage = ["logins_30d", "features_adopted", "integrations", "seats", "support_tickets", "nps", "industry",
         "employees", "channel"]
actionable = find_drivers(paid, outcome="churned", variables=usage, outcome_kind="churn")
print(f"Among the {actionable.customers:,} customers who ever paid (churn rate {actionable.rate:.0%}):")
print(*[f"- {s}" for s in actionable.sentences], sep="\n")
lift_chart(actionable)

# %% [markdown]
# The same call ranks drivers of conversion; the sentence says "convert" because the outcome's kind
# is conversion:

# %%
conversion_drivers = find_drivers(frame, outcome="converted", variables=["industry", "employees", "country",
                                                                         "channel"],
                                  outcome_kind=outcomes["converted"])
print(*conversion_drivers.sentences, sep="\n")

# %% [markdown]
# ## 4. Conversion over time, by channel
#
# Trial-to-paid conversion by signup month. Two things make a monthly rate easy to misread:
#
# - **Unfinished months.** A month's sign-ups need time to convert. A month counts as finished only
#   when the conversion window (the time within which 95% of conversions came, read from the data)
#   has passed after its end; later months are shown but never read as a drop.
# - **Mix.** The rate can fall because each channel converts less, or because more sign-ups came
#   from a channel that always converts less. The **mix-adjusted** rate is the month's per-channel
#   rates weighted by the reference month's mix of sign-ups. The raw change since the reference
#   month splits exactly into a part *within* the channels (adjusted - reference) and a part from
#   the *mix* (raw - adjusted).
#
# The Conversion tab splits by channel by default; so does this cell.

# %%
conversion = conversion_by_month(data, split="channel")
print(conversion.reading)
print(f"Converted means {conversion.source}.", *conversion.notes, sep="\n")

# %%
conversion.overall.tail(8).round(3)

# %%
finished = conversion.by_group[conversion.by_group["complete"]]
finished.pivot(index="month", columns="group", values="rate").tail(6).round(2)

# %% [markdown]
# The split of the last change, in percentage points:

# %%
overall = conversion.overall.set_index("month")
ref, month = overall.loc[conversion.reference], overall.loc[conversion.month]
print(f"{conversion.reference} -> {conversion.month}: raw {100 * (month['rate'] - ref['rate']):+.1f} points = "
      f"within the channels {100 * (month['adjusted'] - ref['rate']):+.1f} "
      f"+ mix {100 * (month['rate'] - month['adjusted']):+.1f}")
conversion.mix.tail(6).round(2)

# %% [markdown]
# ## 5. Lead fit: which prospects look like the customers who converted
#
# A leads export knows only what a form or an enrichment tool knows: industry, size, country,
# channel. `lead_fit` fits a lookalike model on the customers using only the columns both files
# share, judges it out of sample (cross-validated AUC with a bootstrap interval; no signal, no
# ranking), and gives each lead a fit score 0-100 (the share of customers it beats), a tier (hot
# from 80, warm from 50) and the reasons in words. Given a segmentation, it also says which segment
# each lead would most likely join.
#
# A small leads table, named as a CRM writes it; the first lead is a large company that came
# through sales, the second a two-person shop from paid search, the third from a country no
# customer came from:

# %%
rng = np.random.default_rng(11)
n_leads = 12
leads = pd.DataFrame({
    "Lead ID": [f"L-{i:04d}" for i in range(n_leads)],
    "Company": [f"Prospect {i}" for i in range(n_leads)],
    "Industry": rng.choice(sorted(frame["industry"].dropna().unique()), size=n_leads),
    "Employees": np.round(np.exp(rng.uniform(np.log(2), np.log(3000), size=n_leads))).astype(int),
    "Country": rng.choice(sorted(frame["country"].dropna().unique()), size=n_leads),
    "Channel": rng.choice(sorted(frame["channel"].dropna().unique()), size=n_leads),
})
leads.loc[0, ["Employees", "Channel"]] = [1200, "Sales"]
leads.loc[1, ["Employees", "Channel"]] = [2, "Paid search"]
leads.loc[2, "Country"] = "Atlantis"
leads.head(4)

# %% [markdown]
# The segmentation for "likely segment" is section 1's K-means.

# %%
fit = lead_fit(data, leads, "converted", segmentation=segments)
print(fit.sentence, *fit.notes, sep="\n")
fit.scores.sort_values("fit", ascending=False)
