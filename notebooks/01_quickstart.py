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
# # Quickstart: from a customer export to segments a team can act on
#
# This notebook walks the same path as the app, with the same library (`segmentation/`):
#
# 1. **load** the export (customers and their invoices) and see what was detected;
# 2. **map roles**: which column is the customer id, the dates, the money;
# 3. build the **customer table**: one row per customer, with recency, frequency and revenue;
# 4. segment with **RFM** (recency, frequency, monetary);
# 5. **validate**: are the segments worth acting on? five criteria, each pass / warn / fail;
# 6. **profile** the segments and draft an action plan;
# 7. **export** the lists, a workbook and a recipe that re-applies to next month's export.
#
# It runs on the bundled sample export of *Acme Analytics*, a made-up B2B SaaS company
# (`sample_data/README.md` describes it). Swap in your own files in the first cells.

# %%
from pathlib import Path

import pandas as pd

from segmentation import export
from segmentation.methods import rfm
from segmentation.actions import suggest_plan
from segmentation.charts.profiles import kpi_bars
from segmentation.charts.validation import scorecard_chart
from segmentation.dataset import Dataset
from segmentation.io import load_table
from segmentation.profiles import kpi_columns, profile
from segmentation.cleaning import quality_summary
from segmentation.validation import evaluate

# Only to find the sample files: the folder holding sample_data/, searched upwards from this file
# (when run as a script) or from the working directory (in Jupyter). The library itself is installed.
HERE = Path(__file__).resolve().parent if "__file__" in globals() else Path.cwd()
ROOT = next(p for p in [HERE, *HERE.parents] if (p / "sample_data").is_dir())
DATA = ROOT / "sample_data"

pd.set_option("display.max_columns", 30)
pd.set_option("display.max_colwidth", None)  # show the plain-language sentences in full

# %% [markdown]
# ## 1. Load the export
#
# `Dataset.read` is the one way in, the same as the app's Data page and the command line. It
# reads CSV, TSV, XLSX or Parquet without being told how the file is written: it detects the
# encoding, delimiter, header row and date format, keeps ids such as `00017` as text (a
# spreadsheet would drop the zeros), and says in each table's `notes` what it assumed. Name each
# file's kind as here, or pass the files alone and let it detect the kinds.

# %%
data = Dataset.read(customers=DATA / "customers.csv", transactions=DATA / "transactions.csv")
for kind, loaded in data.tables.items():
    print(f"{kind}: {loaded.name}, {loaded.frame.shape[0]:,} rows, encoding {loaded.encoding}, "
          f"delimiter {loaded.delimiter!r}")
    for note in loaded.notes:
        print("  -", note)
customers = data.tables["customers"]
customers.frame.head()

# %% [markdown]
# The same customers are also in a workbook whose first sheet has a title row above the header,
# as many exports do. The loader `Dataset.read` uses (`load_table`) finds the header and says so:

# %%
workbook = load_table(DATA / "saas_sample.xlsx")
print(workbook.sheet, workbook.sheets, workbook.frame.shape)
workbook.notes

# %% [markdown]
# ## 2. Map the column roles
#
# Reading guessed which column plays which role in each table (`data.roles`) and gave every
# column a level of measurement and a variable category (firmographic, behavioural, value, ...).
# In the app the user confirms the guess; here, read it.

# %%
roles = data.roles["customers"]
for kind, role_map in data.roles.items():
    print(f"{kind + ':':14}", dict(role_map.roles))
pd.DataFrame([{"column": c.name, "level": c.level, "category": c.category, "role": c.role} for c in roles.columns])

# %% [markdown]
# Fix anything wrong with `data.with_role(kind, role, column)`. It returns a new Dataset (`data`
# is left alone) and a column plays one role: giving `trial_start` the signup role *moves* it,
# so the trial start role is left empty. The guess is right here, so the rest goes on with `data`.

# %%
corrected = data.with_role("customers", "signup_date", "trial_start")
for name, value in (("guessed", data), ("corrected", corrected)):
    moved = value.roles["customers"]
    print(f"{name:10} signup_date -> {moved.get('signup_date')}, trial_start -> {moved.get('trial_start')}")

# %% [markdown]
# A quick data-quality check before segmenting: missing shares, constant columns and
# duplicate ids, with row numbers as a spreadsheet shows them.

# %%
quality = quality_summary(customers.frame, roles, name=customers.name)
print(quality.notes or "No duplicate ids, no constant columns.")
quality.columns.sort_values("missing_share", ascending=False).head(5)

# %% [markdown]
# ## 3. The customer table
#
# `data.customer_table()`: one row per customer, indexed by the customer id as text. With the
# invoices it gains `recency_days` (days since the last invoice, at the as-of date), `frequency`
# (distinct invoices), `monetary` (total revenue) and tenure, plus the `churned` and `converted`
# flags that validation and profiles measure segments against. Returns and cancellations (a `C`
# invoice number, a negative quantity or amount, a credit note) are never an invoice, an active day
# or a first purchase, and revenue is net of them; the transactions' notes printed in step 1 say
# how many rows were set apart (the sample has none).

# %%
built = data.customer_table()
table = built.frame
print(f"as of {built.as_of:%Y-%m-%d}: {len(table):,} customers", *built.notes, sep="\n")
table[["plan", "mrr", "recency_days", "frequency", "monetary", "tenure_days", "churned", "converted"]].head()

# %% [markdown]
# ## 4. RFM segments
#
# Each customer gets a score 1-5 for recency (5 = most recent), frequency and monetary value,
# cut at the quintiles as far as ties allow. The mean of F and M (FM) and R place the customer
# in a 5 x 5 grid of named segments. The thresholds are data, shown in words, and saved in
# the recipe so next month is scored the same way.

# %%
first = rfm.fit_rfm(table)
print(*first.notes, sep="\n")
first.sizes.to_frame("customers")

# %% [markdown]
# ## 5. Validate: are these segments worth acting on?
#
# `evaluate` checks five criteria. **Distinct**: do segments differ? **Measurable**: are the
# variables filled in and do refits agree? **Substantial**: is every segment big enough?
# **Accessible**: can a short rule find its customers? **Actionable**: does the outcome (here
# churn) differ between segments? Each verdict comes with the figures and one plain sentence.

# %%
first_check = evaluate(table, first, outcome="churned", revenue="mrr")
scorecard_chart(first_check)

# %%
export.validation_frame(first_check)[0][["criterion", "verdict", "why"]]

# %% [markdown]
# Two lessons from this scorecard:
#
# * Almost half the accounts never paid (trials and free accounts): RFM has nothing to say about
#   them, so they land in *No purchases* and leave `recency_days` empty (the *measurable* caveat).
#   RFM is a scheme for paying customers; segment the others by trial behaviour instead
#   (notebook 04 shows rules for that).
# * Eleven names for 2,660 buyers leave several segments under 5% of customers (*substantial*
#   fails). The grid is data: merge neighbouring cells into fewer, larger segments.

# %%
merged = {
    "Champions": "Champions & Loyal", "Loyal": "Champions & Loyal",
    "Potential Loyalist": "Promising", "New": "Promising",
    "About to Sleep": "Need Attention",
    "Can't Lose Them": "At Risk",
    "Hibernating": "Lost",
}
grid = rfm.grid_frame().replace(merged)
grid

# %%
paying = table[table["frequency"] > 0]
segments = rfm.fit_rfm(paying, grid=grid)
rfm.thresholds_text(segments)

# %%
check = evaluate(paying, segments, outcome="churned", revenue="mrr")
export.validation_frame(check)[0][["criterion", "verdict", "why"]]

# %% [markdown]
# Now every segment is big enough, re-measures the same way and can be pulled with a short
# rule. *Distinct* still fails, and it says why: RFM cuts a continuum at thresholds, so the
# customers either side of a cut are much alike. That is the honest reading of any score-based
# scheme; it is fine to act on as long as nobody claims the segments are natural groups.
# Notebook 02 shows segments that are.
#
# The rules the decision tree found, one per segment, are what a team types into a CRM filter:

# %%
pd.Series(dict(check.segment_rules), name="rule").to_frame()

# %% [markdown]
# ## 6. Profiles and a first action plan
#
# `profile` gives each segment its size, share of revenue, MRR, churn, LTV, conversion and NPS
# (each defined in `profiles.definitions`), medians of the variables, lift against all
# customers and an automatic short name. `kpi_columns` finds the KPI columns the table has.

# %%
profiles = profile(paying, segments, **kpi_columns(paying, roles), rules=check.segment_rules)
print(*profiles.notes, sep="\n")
# Column names follow the data (e.g. "Share of lifetime revenue" when revenue is what customers paid).
profiles.table()[["short name"] + [profiles.label(k) for k in ("customers", "share_of_revenue", "mrr_mean",
                                                                "churn_rate", "ltv", "nps")]]

# %%
kpi_bars(profiles, ["share_of_revenue", "mrr_mean", "churn_rate", "nps"])

# %% [markdown]
# `suggest_plan` drafts one row per segment from its profile with simple, stated rules (a
# valuable segment going quiet gets CSM outreach, high churn gets save offers, ...). It is a
# starting point for the team, who edit it in the app.

# %%
plan = suggest_plan(profiles)
plan[["segment", "goal", "success_metric", "owner"]]

# %% [markdown]
# ## 7. Export
#
# Three files: the **assignments** (one row per customer with its segment and scores; cells a
# spreadsheet would run as formulas are neutralised), a **workbook** with the assignments,
# profiles, validation and plan, and the **recipe**, a JSON file that re-applies these exact
# thresholds to next month's export. They go to a temporary folder here, not into the repository.

# %%
import tempfile

out = Path(tempfile.mkdtemp(prefix="segments-"))
(out / "assignments.csv").write_bytes(export.assignments_csv(paying, segments))
(out / "segments.xlsx").write_bytes(
    export.workbook(paying, segments, profiles=profiles, validation=check, action_plan=plan)
)
(out / "recipe.json").write_text(export.recipe_json(segments, action_plan=plan), encoding="utf-8")
sorted((f.name, f.stat().st_size) for f in out.iterdir())

# %% [markdown]
# The recipe holds the thresholds, the grid and the plan. Loaded back, it scores customers
# without refitting: the same customers get the same segments.

# %%
recipe, saved_plan = export.load_recipe((out / "recipe.json").read_text(encoding="utf-8"))
again = recipe.assign(paying)
print(f"{(again == segments.labels).mean():.0%} of customers get the same segment from the saved recipe")
pd.read_csv(out / "assignments.csv", dtype={"customer_id": str}).head()

# %% [markdown]
# ## Data where it lives
#
# The same `Dataset.read` takes a folder of Parquet files or a database URL (with a table or a SELECT query)
# where it takes a file. Transactions and events then stay where they are: the customer table, the RFM inputs
# and the cohorts are summed inside the engine and only one row per customer comes back. Here the sample's
# purchases go into a folder of Parquet files and into a DuckDB database file, written to a temporary folder;
# PostgreSQL (`postgresql://user@host:5432/shop`), Spark (`spark-local`, `spark://`, `sc://`) and the warehouses
# are read the same way.

# %%
import duckdb

from segmentation.sources import Source

lake = Path(tempfile.mkdtemp(prefix="lake-"))
purchases = pd.read_csv(DATA / "transactions.csv", dtype={"customer_id": str, "invoice_id": str},
                        parse_dates=["invoice_date"])
(lake / "invoices").mkdir()
for part in range(3):  # a folder of several files, as exports land in a lake
    purchases.iloc[part::3].to_parquet(lake / "invoices" / f"part-{part}.parquet", index=False)
with duckdb.connect(str(lake / "shop.duckdb")) as db:
    db.execute("CREATE TABLE invoices AS SELECT * FROM purchases")

from_folder = Dataset.read(customers=DATA / "customers.csv", transactions=str(lake / "invoices"))
from_database = Dataset.read(customers=DATA / "customers.csv",
                             transactions=Source(f"duckdb:///{lake / 'shop.duckdb'}", table="invoices"))
from_file = Dataset.read(customers=DATA / "customers.csv", transactions=DATA / "transactions.csv")
columns = ["recency_days", "frequency", "monetary"]
for name, data in (("Parquet folder", from_folder), ("DuckDB database", from_database)):
    same = data.customer_table().frame[columns].equals(from_file.customer_table().frame[columns])
    print(f"{name}: the same RFM inputs as the CSV file: {same}")
from_database.customer_table().frame[columns].head()

# %% [markdown]
# **Next:** `02_kmeans_and_validation` finds natural groups with K-means and shows what each
# failing criterion looks like; `03_cohorts` follows customers month by month;
# `04_extend` adds your own variables, rules and clustering methods.
