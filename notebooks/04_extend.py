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
# # Extend the workbench: your variables, your rules, your clusterer
#
# The app covers the common path; an analyst's question rarely stops there. This notebook
# shows the four extension points, each producing the same `Segmentation` value that the
# validation, profiles, exports and the app all understand:
#
# 1. a **derived variable** (logins per seat);
# 2. a **rule-based segmentation**: product-maturity tiers written as plain rules;
# 3. a **recipe** saved to JSON and re-applied to *next month's export*, with who moved where;
# 4. **another scikit-learn clusterer** (a Gaussian mixture, a hierarchical clustering) plugged
#    in through `segmentation.methods.sklearn_adapter.fit_sklearn` and validated with the same `evaluate`.

# %%
import json
import tempfile
from dataclasses import replace
from pathlib import Path

import pandas as pd
from sklearn.cluster import AgglomerativeClustering
from sklearn.metrics import adjusted_rand_score
from sklearn.mixture import GaussianMixture

from segmentation import export, sample
from segmentation.methods import kmeans, rules
from segmentation.charts.profiles import migration_heatmap
from segmentation.dataset import Dataset
from segmentation.errors import DataError
from segmentation.methods.sklearn_adapter import fit_sklearn
from segmentation.io import load_table
from segmentation.tracking import migration
from segmentation.validation import evaluate

# Only to find the sample files: the folder holding sample_data/, searched upwards from this file
# (when run as a script) or from the working directory (in Jupyter). The library itself is installed.
HERE = Path(__file__).resolve().parent if "__file__" in globals() else Path.cwd()
ROOT = next(p for p in [HERE, *HERE.parents] if (p / "sample_data").is_dir())
DATA = ROOT / "sample_data"

pd.set_option("display.max_colwidth", None)  # show the plain-language sentences in full

# %%
data = Dataset.read(customers=DATA / "customers.csv", transactions=DATA / "transactions.csv")
table = data.customer_table().frame
table.shape

# %% [markdown]
# ## 1. A derived variable
#
# `logins_30d` grows with team size: 50 logins is a lot for one person and very little for a
# 100-seat account. Logins *per seat* measures how much each licensed user actually works in
# the product, which is what predicts renewal. A derived variable is one line of pandas; keep
# it in a function, because every later export (next month's included) needs the same column
# before saved segments can score it.

# %%
def add_derived(frame: pd.DataFrame) -> pd.DataFrame:
    """The variables this analysis adds to every export (a copy; the input is left alone)."""
    seats = frame["seats"].where(frame["seats"] > 0)  # no seats: unknown, not infinite
    return frame.assign(logins_per_seat=frame["logins_30d"] / seats)


table = add_derived(table)
table.groupby("plan")[["seats", "logins_30d", "logins_per_seat"]].median().round(1)

# %% [markdown]
# Raw logins mostly measure team size: an Enterprise account logs in thirty times as often as a
# Starter one. Per seat, paying plans work in the product about equally hard, and the accounts
# whose users do not (trials, free accounts, teams that bought seats nobody uses) stand out.
#
# ## 2. Rules: product-maturity tiers
#
# When the segments are a *decision* (who gets onboarding, who gets an expansion call) rather
# than a discovery, write them as rules. One `Segment: condition` per line, first match wins;
# conditions compare columns with values and combine with `and`, `or`, `not` (see
# `segmentation/rules.py`). Rules are parsed, never `eval`-ed, and mistakes name the line.

# %%
maturity_rules = """
Not started: features_adopted == 0 and logins_30d == 0
Exploring: features_adopted < 3
Adopting: features_adopted < 7 or logins_per_seat < 2
Embedded: otherwise
"""
tiers = rules.fit_rules(table, maturity_rules)
tiers.sizes.to_frame("customers")

# %%
try:
    rules.fit_rules(table, "Embedded: features_adopted >= 7 and logins_per_sit > 2")
except DataError as error:
    print(error)

# %% [markdown]
# Rules are validated like any other segmentation:

# %%
tier_check = evaluate(table, tiers, outcome="churned", revenue="mrr", random_state=0)
export.validation_frame(tier_check)[0][["criterion", "verdict", "why"]]

# %% [markdown]
# *Distinct* fails, and the sentence says why: the tiers differ by construction (the rules set
# them apart), but customers do not form natural groups at these thresholds. That is expected
# of tiers; what matters for a decision is that they are big enough, findable (the rules *are*
# the filter) and that churn differs between them, which it does.
#
# ## 3. Save a recipe, apply it to next month's export
#
# The recipe is JSON: the rules (or thresholds, or centres) as data, not code, plus the
# segment order and an optional action plan. It goes wherever the team keeps such things.

# %%
folder = Path(tempfile.mkdtemp(prefix="recipes-"))
recipe_path = folder / "maturity_tiers.json"
recipe_path.write_text(export.recipe_json(tiers), encoding="utf-8")
saved = json.loads(recipe_path.read_text(encoding="utf-8"))
{key: saved[key] for key in ("method", "segments", "variables")} | {"rules": saved["state"]["text"].splitlines()}

# %% [markdown]
# **Next month's export**: `sample_data/next_month/customers.csv` is the same company's export a
# month later (made by `sample.next_month`): the same customers with November's billing, churn,
# trial conversions and usage, plus the month's new sign-ups (`next_month/transactions.csv` has
# the invoices up to November). Three accounts a month apart: one added seats, one cancelled,
# one trial converted.

# %%
november = load_table(DATA / "next_month" / "customers.csv")
examples, shown = ["00095", "00878", "04729"], ["plan", "mrr", "seats", "logins_30d", "churn_date"]
pd.concat({"October": data.tables["customers"].frame.set_index("customer_id").loc[examples, shown],
           "November": november.frame.set_index("customer_id").loc[examples, shown]}, axis=1)

# %% [markdown]
# `data.read_newer_export` reads the newer files with this month's steps and confirmed roles, as
# the app's Track page does; it takes a path or a loaded table, so the derived column is added
# first, exactly as for this month. `score` builds the customer table and assigns each customer
# with the saved rules, without refitting anything.

# %%
recipe, _ = export.load_recipe(recipe_path.read_text(encoding="utf-8"))
newer = data.read_newer_export(replace(november, frame=add_derived(november.frame)),
                               transactions=DATA / "next_month" / "transactions.csv")
next_labels, prepared = newer.score(recipe)
next_labels.value_counts().reindex(recipe.segments).to_frame("customers next month")

# %% [markdown]
# ## Who moved?
#
# `migration` compares two labellings of the same customers: a from x to matrix (with rows for
# new customers and columns for customers gone), the list of movers, and the biggest moves in
# words. For maturity tiers, moving up is the goal of onboarding, moving down is a warning:
# the accounts that slipped are a ready-made list for customer success.

# %%
moves = migration(tiers.labels, next_labels, segments=tiers.segments)
print(*moves.summary[:6], sep="\n")
migration_heatmap(moves)

# %%
movers = moves.moved.join(table[["plan", "mrr"]], on="customer_id").join(
    prepared.frame["churn_date"], on="customer_id")
slipped = movers[movers["from"] == "Embedded"]
print(f"{len(slipped)} embedded accounts slipped this month, {slipped['churn_date'].notna().sum()} of them "
      "have cancelled; the biggest first:")
slipped.sort_values("mrr", ascending=False).head()

# %% [markdown]
# The slip and the cancellation go together: usage fades in the weeks before an account leaves,
# which is what moved these accounts out of *Embedded*. Re-scoring every month's export with the
# saved recipe puts the accounts that slip in front of customer success while there is still
# something to save (the sample's README shows the same pattern for churn in general: accounts in
# the bottom quarter of usage make up almost half of next month's cancellations).

# %% [markdown]
# ## 4. Another clusterer: a Gaussian mixture
#
# K-means draws straight borders between round clusters; a Gaussian mixture fits elongated,
# overlapping ones; a hierarchical (agglomerative) clustering merges customers bottom-up.
# `fit_sklearn` turns any scikit-learn clusterer into a `Segmentation`: it prepares the variables
# as K-means does (log1p, scaling, one-hot), fits a copy of the estimator, orders and names the
# segments from their centres, and registers how to assign and refit them
# (`register_method("sklearn", assign=..., refit=...)` in `segmentation/extend.py`, which is
# also the template for a method of your own).

# %%
variables = ["mrr", "features_adopted", "logins_per_seat", "seats"]
log_all = {v: "log1p" for v in variables}
mixture = fit_sklearn(table, variables, GaussianMixture(n_components=4, random_state=0), transforms=log_all)
print(mixture.method, mixture.params["estimator"], mixture.params["estimator_params"]["n_components"])
mixture.sizes.to_frame("customers")

# %% [markdown]
# The same `evaluate` validates it, so the clusterers compete on the same scorecard. The planted
# personas of the sample data say which one finds them best (on your own data, the scorecard
# alone has to decide).

# %%
truth = sample.generate(5000, random_state=42, as_of="2026-10-31").personas
candidates = {
    "K-means": kmeans.fit_kmeans(table, variables, k=4, transforms=log_all, random_state=0),
    "Gaussian mixture": mixture,
    "Agglomerative (Ward)": fit_sklearn(table, variables, AgglomerativeClustering(n_clusters=4), transforms=log_all),
}
scores = {}
for name, candidate in candidates.items():
    result = evaluate(table, candidate, outcome="churned", revenue="mrr", random_state=0)
    scores[name] = {**result.verdicts,
                    "stability": round(result["measurable"].figures["stability_ari"], 2),
                    "vs personas": round(adjusted_rand_score(truth, candidate.labels.reindex(truth.index)), 2)}
pd.DataFrame(scores).T

# %% [markdown]
# All three pass most criteria; they differ in the trade-off the last two columns show: how
# steadily refits reproduce the segments and how close they come to the planted personas. The
# scorecard makes that trade-off visible; choosing is the analyst's call.
#
# A hierarchical clustering cannot score customers it was not fitted on, so its segments assign
# new customers to the nearest centre; the note says how often that agrees with its own labels.
# The Gaussian mixture keeps its fitted parameters as plain numbers in the recipe and assigns
# exactly as it would itself.

# %%
print(candidates["Agglomerative (Ward)"].notes[-1])

# %% [markdown]
# The mixture travels like any other segmentation: recipe, next month, migration.

# %%
mixture_recipe, _ = export.load_recipe(export.recipe_json(mixture))
mixture_next, _ = newer.score(mixture_recipe)
print(*migration(mixture.labels, mixture_next, segments=mixture.segments).summary[:4], sep="\n")
