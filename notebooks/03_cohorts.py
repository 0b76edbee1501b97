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
# # Cohorts: who stays, who pays, and where churn concentrates
#
# A segment snapshot says who the customers are today; cohorts say how each month's new
# customers behave as they age. This notebook builds, from the invoices:
#
# 1. **logo retention**: the share of a cohort still paying n months later (the triangle);
# 2. **revenue retention**: their revenue against their first month, which passes 100% when
#    expansion outweighs churn;
# 3. **churn by month of life** and retention **trends** (is month-2 retention improving?);
# 4. the **layer cake**: how much of each month's revenue each older cohort brings;
# 5. every view **by segment**.
#
# Definitions (as in the app): a cohort is the customers whose first payment (or signup) fell in
# the same calendar month; period n is the number of calendar months between the cohort month
# and the month of the activity, so period 0 is the cohort's own month; a customer counts as
# retained in period n when paying in that calendar month. The work is one DuckDB query.

# %%
from pathlib import Path

from segmentation.methods import rules
from segmentation.charts import cohorts as charts
from segmentation.cohorts import cohorts_from_customers, with_period_labels
from segmentation.dataset import Dataset

# Only to find the sample files: the folder holding sample_data/, searched upwards from this file
# (when run as a script) or from the working directory (in Jupyter). The library itself is installed.
HERE = Path(__file__).resolve().parent if "__file__" in globals() else Path.cwd()
ROOT = next(p for p in [HERE, *HERE.parents] if (p / "sample_data").is_dir())
DATA = ROOT / "sample_data"

# %% [markdown]
# `Dataset.read` loads the export as the app does; `data.cohorts(...)` builds the cohorts from
# its payments with the roles it found, as the Cohorts page and the `cohorts` command do.

# %%
data = Dataset.read(customers=DATA / "customers.csv", transactions=DATA / "transactions.csv")
customers = data.tables["customers"].frame
print(dict(data.roles["transactions"].roles))
data.tables["transactions"].frame.head(3)

# %% [markdown]
# ## 1. Logo retention
#
# Cohorts by first payment: everyone in a cohort paid in period 0, so period 0 is 100% and each
# later cell is the share still paying.

# %%
cohorts = data.cohorts()
print(f"{cohorts.n_cohorts} monthly cohorts up to {cohorts.as_of:%Y-%m-%d}", *cohorts.notes, sep="\n")
with_period_labels(cohorts.matrix("retention").iloc[:6, :13]).round(2)

# %% [markdown]
# The heatmap reads down a column (the same age, cohort after cohort) as well as along a row
# (one cohort ageing). Periods a cohort has not reached yet are blank, never 0.

# %%
charts.heatmap(cohorts, "retention")

# %% [markdown]
# ## 2. Revenue retention
#
# Revenue in period n divided by the cohort's period-0 revenue. Above 100% means the customers
# who stayed expanded (more seats, upgrades) by more than the churned ones took away: net revenue
# retention per cohort.

# %%
charts.heatmap(cohorts, "revenue_retention")

# %%
twelve = cohorts.matrix("revenue_retention")[12].dropna()
print(f"12-month revenue retention: median {twelve.median():.0%}, range {twelve.min():.0%} to {twelve.max():.0%} "
      f"over {len(twelve)} cohorts")

# %% [markdown]
# **Why first payment and not signup here.** With a 14-day trial, most customers sign up in one
# month and pay for the first time in the next, so a signup cohort's period 0 holds only a
# sliver of its revenue and "revenue retention" against it runs into the thousands of percent.
# Signup cohorts answer a different question, *what share of sign-ups end up paying and stay*,
# and for that they are the right choice (`by_signup=True` takes the customers' signup date):

# %%
by_signup = data.cohorts(by_signup=True)
inflated = by_signup.matrix("revenue_retention")[1].median()
print(f"median month-1 'revenue retention' of signup cohorts: {inflated:,.0%} (not a meaningful figure)")
with_period_labels(by_signup.matrix("retention").iloc[:6, :7]).round(2)

# %% [markdown]
# ## 3. Where churn concentrates, and whether retention is improving
#
# Churn by month of life: of the customers paying in month n, how many never paid again. The
# bump around month 11-12 is the yearly renewal of annual (enterprise) contracts: the moment for
# a renewal play, planned months ahead.

# %%
charts.churn_chart(cohorts)

# %% [markdown]
# Retention after 1 and after 12 months, cohort by cohort. Hollow points are small cohorts,
# whose shares swing with one or two customers.

# %%
charts.trend_chart(cohorts, periods=(1, 12))

# %% [markdown]
# ## 4. The layer cake
#
# Each calendar month's revenue split by the cohort it comes from, oldest at the bottom. Thick,
# steady old layers mean a business that keeps and grows its customers; thin layers that vanish
# mean growth that depends on ever more new customers.

# %%
charts.layer_cake_chart(cohorts)

# %%
charts.layer_cake_chart(cohorts, shares=True)

# %% [markdown]
# ## 5. Cohorts by segment
#
# Any segmentation splits the cohorts: pass its labels (a Series indexed by customer id).
# Here the trial personas written as rules in `sample_data/persona_rules.txt`
# (notebook 04 shows how to write such rules).

# %%
persona_rules = (DATA / "persona_rules.txt").read_text(encoding="utf-8")
print(persona_rules)
personas = rules.fit_rules(customers.set_index("customer_id"), persona_rules)
personas.sizes.to_frame("customers")

# %%
by_persona = data.cohorts(split=personas.labels)
print(*by_persona.notes)
charts.heatmap(by_persona, "retention")

# %% [markdown]
# Only two segments have paying cohorts: as these rules define them, accidental sign-ups and
# tire-kickers never paid (a tire-kicker who bought is on a paid plan, so the rules call it
# self-serve). Enterprise customers barely leave until their yearly renewal; self-serve
# customers leave a little every month.
#
# A caution when splitting cohorts by segment: segments built on *today's* behaviour (current
# logins, current plan) partly encode who has already left, so a segment of churned customers
# will of course show poor retention. Split by attributes fixed at the start (signup channel,
# first plan, company size) to compare cohorts fairly; use today's segments to see where each
# segment's customers came from.
#
# The same split works for revenue retention, trends and the layer cake, and `for_group` picks
# one segment:

# %%
charts.trend_chart(by_persona.for_group("Self-serve"), periods=(1, 6, 12))

# %%
retention = by_persona.retention_trend(periods=(1, 12))
retention.groupby(["group", "period"])["retention"].median().unstack().round(2)

# %% [markdown]
# Any customer column splits cohorts the same way (name it), for example the plan. Churn by month of
# life shows the yearly renewal: Enterprise contracts end only in month 11, when the first year
# is up.

# %%
by_plan = data.cohorts(split="plan")
by_plan.churn_by_period().pivot(index="period", columns="group", values="churn_rate").head(13).round(3)

# %% [markdown]
# ## Without a transactions table
#
# When the export has only signup and churn dates, `cohorts_from_customers` treats each
# customer as active from the signup month to the churn month (`data.cohorts()` does this itself
# when no transactions or events were read). Revenue is then flat MRR, so revenue retention only
# reflects churn, not expansion. Here, on the paying customers only:

# %%
paying = customers[customers["mrr"] > 0]
flat = cohorts_from_customers(paying, customer_id="customer_id", signup_date="signup_date",
                              churn_date="churn_date", mrr="mrr")
with_period_labels(flat.matrix("retention").iloc[:6, :13]).round(2)
