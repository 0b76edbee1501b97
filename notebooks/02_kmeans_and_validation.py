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
# # K-means segments and how to tell whether they are worth acting on
#
# K-means always returns k groups, whether or not the customers fall into groups. This notebook
# shows how to choose the variables and k, and how the five validation criteria separate real
# segments from arbitrary cuts:
#
# 1. choose 2-4 variables tied to a goal, and see how they are transformed;
# 2. sweep k and read the four quality measures;
# 3. fit, and check against the truth planted in the sample data;
# 4. the five criteria, one by one, and stability across refits;
# 5. what failing criteria look like (structureless data, a tiny segment, an outcome that does
#    not differ) and how to fix each;
# 6. the customer map.

# %%
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.metrics import adjusted_rand_score

from segmentation import sample
from segmentation.methods import kmeans, rules
from segmentation.charts.projection import customer_map
from segmentation.charts.validation import scorecard_chart, sweep_chart
from segmentation.dataset import Dataset
from segmentation.errors import DataError
from segmentation.export import validation_frame
from segmentation.projection import pca_map
from segmentation.validation import evaluate
from segmentation.variables import prepare

# Only to find the sample files: the folder holding sample_data/, searched upwards from this file
# (when run as a script) or from the working directory (in Jupyter). The library itself is installed.
HERE = Path(__file__).resolve().parent if "__file__" in globals() else Path.cwd()
ROOT = next(p for p in [HERE, *HERE.parents] if (p / "sample_data").is_dir())
DATA = ROOT / "sample_data"

pd.set_option("display.max_colwidth", None)  # show the plain-language sentences in full

# %% [markdown]
# The customers table alone is enough here: K-means works on columns the CRM already has.
# `Dataset.read` loads it as the app does; the customer table carries the `churned` flag.

# %%
data = Dataset.read(customers=DATA / "customers.csv")
roles = data.roles["customers"]
table = data.customer_table().frame
table.shape

# %% [markdown]
# The sample export was drawn from four planted personas (accidental sign-ups, tire-kickers,
# self-serve teams, sales-assisted enterprises). The persona is not in the file, but the
# generator gives it back, so we can check whether a method finds it. Your own data has no
# such answer key: that is what the validation criteria stand in for.

# %%
truth = sample.generate(5000, random_state=42, as_of="2026-10-31").personas
truth.value_counts()

# %% [markdown]
# ## 1. Choose the variables
#
# Start from the goal. Here: *which customers need a different onboarding and success motion?*
# That points at value (MRR, seats) and behaviour (logins, features adopted), not at country or
# industry. The role map tags every candidate column with a category:

# %%
categories = {c.name: c.category for c in roles.columns}
pd.Series({c: categories[c] for c in roles.candidates()}, name="category").to_frame()

# %% [markdown]
# Two to four variables: fewer gives a ranking rather than segments, more leads to analysis
# paralysis (and to segments nobody can describe). The library refuses a fifth, with the reason:

# %%
try:
    prepare(table, ["mrr", "seats", "logins_30d", "features_adopted", "integrations"])
except DataError as error:
    print(error)

# %% [markdown]
# `prepare` shows what K-means will see. Money and counts are skewed (a few enterprise accounts
# pay 100x the median), so by default the skewed ones get `log1p`; without it the biggest
# accounts would decide every distance. Every variable is then scaled to mean 0, sd 1.

# %%
variables = ["mrr", "logins_30d", "features_adopted", "seats"]
design = prepare(table, variables)
print(*design.notes, sep="\n")
pd.Series(dict(design.transforms), name="transform").to_frame()

# %% [markdown]
# `features_adopted` is a count too, but its skew is under the automatic threshold, so it stays
# linear. Whether that matters is an empirical question; the planted personas answer it:

# %%
log_all = {v: "log1p" for v in variables}
recovery = {}
for chosen in (variables, ["mrr", "features_adopted"], ["mrr", "logins_30d"]):
    for name, transforms in (("auto", "auto"), ("log1p on all", {v: "log1p" for v in chosen})):
        seg = kmeans.fit_kmeans(table, chosen, k=4, transforms=transforms, random_state=0)
        recovery[(", ".join(chosen), name)] = adjusted_rand_score(truth, seg.labels.reindex(truth.index))
pd.Series(recovery, name="adjusted Rand vs personas").unstack().round(2)

# %% [markdown]
# Logging every count recovers the personas much better (adjusted Rand 0: chance, 1: perfect).
# The lesson generalises: look at the transforms, they shape the segments as much as k does.
# The rest of the notebook logs all four variables.

# %% [markdown]
# ## 2. Sweep k
#
# `sweep_k` fits k = 2..8 and reports the silhouette (how much closer customers are to their own
# segment than to the next; sampled), Calinski-Harabasz (between- vs within-segment spread),
# Davies-Bouldin (overlap; lower is better) and the inertia (look for an elbow). The suggestion
# is the k with the best average rank over the first three.

# %%
sweep = kmeans.sweep_k(table, variables, transforms=log_all, random_state=0)
print(sweep.reason)
sweep_chart(sweep, chosen_k=4)

# %% [markdown]
# The measures prefer k = 3, yet we know there are four personas. The sweep measures geometry,
# not usefulness: it is a starting point. Fit k = 4 and let the criteria (and the business
# question) decide; section 4 compares every k on the scorecard.

# %%
segmentation = kmeans.fit_kmeans(table, variables, k=4, transforms=log_all, random_state=0)
segmentation.sizes.to_frame("customers")

# %% [markdown]
# Segment names come from the centres ("Very high seats, ..."), never from scikit-learn's
# arbitrary cluster numbers, so they stay the same across refits and row orders. Against the
# planted personas:

# %%
pd.crosstab(segmentation.labels.reindex(truth.index), truth)

# %% [markdown]
# Each segment is mostly one persona. The mix that remains is real: a tire-kicker who bought and
# churned looks like a small self-serve account, and no method can tell them apart from these
# columns.
#
# ## 3. The five criteria

# %%
validation = evaluate(table, segmentation, outcome="churned", revenue="mrr", random_state=0)
scorecard_chart(validation)

# %%
validation_frame(validation)[0][["criterion", "verdict", "why"]]

# %% [markdown]
# **Distinct.** A silhouette alone misleads: cutting one round cloud into k pieces already
# scores around 0.3-0.4, and so does re-finding the 0/1/2 values of a count column. So the
# criterion compares the silhouette with what k groups reach in data with *no* groups: clouds of
# the same shape, and the same columns each shuffled on its own (every variable keeps its values,
# any link between them is gone), refitted with the same k. It also asks each pair of segments to
# differ on at least one variable. The effect sizes (eta squared) say which variables carry the
# segments.

# %%
distinct = validation["distinct"].figures
print(f"silhouette {distinct['silhouette']:.2f} vs {distinct['reference_silhouette']:.2f} with no real groups "
      f"({distinct['reference_shuffled']:.2f} with each column shuffled on its own)")
pd.Series(distinct["effect_sizes"], name="eta squared").round(2).to_frame()

# %% [markdown]
# **Measurable** checks that each variable is filled in and varies, and refits the segmentation
# on subsamples with other seeds: the adjusted Rand index between the refits and the labels
# says whether the segments are a property of the customers or of one lucky run.
# **Substantial** checks each segment's share of customers (and of revenue).

# %%
measurable, substantial = validation["measurable"].figures, validation["substantial"].figures
print(f"stability (adjusted Rand over {measurable['refits']} refits): {measurable['stability_ari']:.2f}")
pd.DataFrame({"customers": substantial["customer_share"], "revenue": substantial["revenue_share"]}).round(3)

# %% [markdown]
# **Accessible**: a decision tree of depth 3 on the raw columns reproduces the labels; its paths
# become one rule per segment, which is what a CRM filter or a sales list needs.
# **Actionable**: the outcome (here churn) differs between segments, by a test and by a spread
# big enough to matter.

# %%
actionable = validation["actionable"].figures
pd.DataFrame({"rule": pd.Series(dict(validation.segment_rules)),
              "churn rate": pd.Series(actionable["rates"]).round(3)})

# %% [markdown]
# ## 4. Choosing k with the scorecard, stability included
#
# The scorecard for every k answers the question the sweep could not: which k gives segments
# that are distinct, stable, big enough, findable and different where it matters?

# %%
by_k = {}
for k in range(3, 9):
    fitted = kmeans.fit_kmeans(table, variables, k=k, transforms=log_all, random_state=0)
    result = evaluate(table, fitted, outcome="churned", revenue="mrr", random_state=0)
    by_k[k] = {**result.verdicts, "stability": round(result["measurable"].figures["stability_ari"], 2),
               "smallest segment": fitted.sizes.min()}
pd.DataFrame(by_k).T.rename_axis("k")

# %% [markdown]
# k = 3 and k = 4 pass everything. Beyond that something gives: refits disagree more, short
# rules stop finding every segment, segments get small. Between 3 and 4, the business question
# decides: four personas need four motions, so k = 4.
#
# ## 5. What failing looks like, and the fix
#
# ### Structureless data: distinct fails
#
# Two variables with no groups at all (a round cloud). K-means still returns four tidy segments,
# and the sweep still suggests a k; only the comparison with the no-structure reference exposes it.

# %%
rng = np.random.default_rng(0)
cloud = pd.DataFrame(rng.normal(size=(2000, 2)), columns=["usage_index", "health_score"],
                     index=pd.Index([f"{i:05d}" for i in range(2000)], name="customer_id"))
cut = kmeans.fit_kmeans(cloud, ["usage_index", "health_score"], k=4, random_state=0)
print(cut.sizes.to_dict())
print(evaluate(cloud, cut)["distinct"].why)

# %% [markdown]
# **Fix:** there is nothing to find in these variables. Choose variables tied to a behaviour
# that differs between customers, or, if a split is still needed for operations, say so and use
# explicit thresholds (rules) that everyone can read, rather than presenting cuts as discoveries.
#
# ### Groups that are only a variable's levels: distinct fails
#
# Shaped like the Customer Personality export: income, and the number of small children and of
# teenagers at home (0, 1 or 2), all unrelated. K-means finds tidy, well-separated segments with a
# high silhouette, but they only re-find the values of the two count columns; the same columns
# shuffled one by one give groups as clear, and the criterion says which variables they come from.

# %%
households = pd.DataFrame({"Income": rng.normal(52000, 21000, 2240).clip(2000, None).round(),
                           "Kidhome": rng.choice(3, 2240, p=[0.577, 0.401, 0.022]),
                           "Teenhome": rng.choice(3, 2240, p=[0.517, 0.46, 0.023])},
                          index=pd.Index([f"{i:05d}" for i in range(2240)], name="customer_id"))
levels = kmeans.fit_kmeans(households, ["Income", "Kidhome", "Teenhome"], random_state=0)
print(f"k={levels.params['k']}:", " / ".join(levels.segments[:3]), "/ ...")
print(evaluate(households, levels)["distinct"].why)

# %% [markdown]
# **Fix:** when the groups are the levels of a column, segment on that column directly with rules
# ("Kidhome is 0"), which everyone can read, or choose variables that go together.
#
# ### A tiny segment: substantial (and accessible) fail
#
# With k = 8, K-means splits off small groups that no team would staff a play for:

# %%
eight = kmeans.fit_kmeans(table, variables, k=8, transforms=log_all, random_state=0)
eight_check = evaluate(table, eight, outcome="churned", revenue="mrr", random_state=0)
validation_frame(eight_check)[0].set_index("criterion").loc[["substantial", "accessible"], ["verdict", "why"]]

# %% [markdown]
# **Fix:** lower k (the table in section 4), or merge the small segment into its nearest
# neighbour. A small segment can still be worth keeping when it holds a large share of revenue;
# the criterion then warns instead of failing and says so.
#
# ### An outcome that does not differ: actionable fails
#
# Segments by region are easy to build and to find, but churn is the same on both sides, so
# they would not change what anyone does about churn:

# %%
regions = rules.fit_rules(
    table,
    'Europe: country in ["United Kingdom", "Germany", "France", "Netherlands", "Spain", "Sweden", '
    '"Poland", "Denmark"]\n'
    "Rest of world: otherwise",
)
print(regions.sizes.to_dict())
print(evaluate(table, regions, outcome="churned")["actionable"].why)

# %% [markdown]
# **Fix:** segment on what drives the outcome (usage and value here), or pick the outcome the
# segments are really for (a regional split may well matter for support hours, not for churn).
#
# ## 6. The customer map
#
# A principal-component map of the same variables, one point per customer (sampled so every
# segment stays visible). Separate clouds agree with a *distinct* pass; one smeared cloud would
# not. (The app also offers UMAP, which keeps neighbourhoods better but takes seconds to fit.)

# %%
# Map the variables exactly as K-means saw them (all four logged), not with the default transforms.
seen = prepare(table, variables, transforms=log_all)
projection = pca_map(pd.DataFrame(seen.matrix, index=table.index, columns=seen.columns), segmentation.labels)
print(*projection.notes)
customer_map(projection, table, tooltip_columns=["mrr", "seats", "logins_30d"], segments=segmentation.segments)
