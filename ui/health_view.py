"""The Health score tab: pick variables and the churn outcome, read the held-out AUC and what it means, edit the
points and cut-offs, and take the at-risk list away. The fitting is `segmentation.health`, as on the CLI."""

from __future__ import annotations

from datetime import date

import pandas as pd
import streamlit as st

from segmentation.charts.health import calibration_chart
from segmentation.errors import DataError
from segmentation.health import (default_health_variables, health_from_dataset, score_change,
                                 scores_csv, scores_xlsx)
from segmentation.outcomes import outcome_choices, outcome_label
from ui.memo import memo

HEALTH = "health_score"  # the score on screen, for the Track page's "Health score change"
_STATUS_ICONS = {"healthy": ":green[healthy]", "watch": ":orange[watch]", "at risk": ":red[at risk]",
                 "unscored": ":gray[unscored]", "left": ":gray[left already]"}


def variable_options(frame: pd.DataFrame, outcomes) -> list[str]:
    """Columns a person can score on: numbers that vary, and categories or yes/no of at most 30 values."""
    from segmentation.drivers import default_driver_variables

    return [c for c in default_driver_variables(frame) if c not in outcomes]


# Widgets whose values a reopened workspace restores; forgotten when other data (or a workspace) is loaded.
_WIDGETS = ("health_as_of_on", "health_window", "health_as_of", "health_outcome", "health_at_risk", "health_watch")
_APPLIED = "_health_settings_applied"   # the data version the saved settings were last applied for
_RESTORED = "_health_restored"          # the saved settings the widgets start from (fixed until the next load)
_AUTO = "_health_auto_cutoffs"          # the data's cut-offs last put in the inputs: a different value is a hand edit


def _restored() -> dict:
    """The Health tab's saved settings (st.session_state[SETTINGS]["health"]), read once per loaded data: after
    a workspace is reopened (which loads its data) the widgets start from them, as the user left them."""
    from ui import state
    from ui.workspace import SETTINGS

    version = state.data_version()
    if st.session_state.get(_APPLIED) != version:
        st.session_state[_APPLIED] = version
        st.session_state[_RESTORED] = dict((st.session_state.get(SETTINGS) or {}).get("health") or {})
        for key in (*_WIDGETS, _AUTO):
            st.session_state.pop(key, None)
        cutoffs = st.session_state[_RESTORED].get("cutoffs")
        if cutoffs:  # set by hand before the save: they win over the data's
            st.session_state["health_at_risk"], st.session_state["health_watch"] = map(float, cutoffs)
    return st.session_state[_RESTORED]


def _current_settings() -> dict:
    from ui.workspace import SETTINGS

    return dict((st.session_state.get(SETTINGS) or {}).get("health") or {})


def _save_settings(settings: dict) -> None:
    from ui.workspace import SETTINGS

    st.session_state.setdefault(SETTINGS, {})["health"] = settings


def render(dataset, segmentation=None) -> None:
    try:
        frame = dataset.customer_table().frame
    except DataError as exc:
        st.error(str(exc), icon=":material/error:")
        return
    saved = _restored()
    roles = dataset.roles["customers"]
    kinds = outcome_choices(frame, roles)
    churn = [c for c, kind in kinds.items() if kind == "churn"]
    activity = dataset.activity()
    st.caption("A points model like a credit scorecard: each variable cut into a few ranges, points per range, "
               "100 at best. Weights come from a regularised logistic regression against churn, judged on "
               "customers it never saw.")
    honest = False
    if activity is not None:
        honest = st.toggle("Time-honest: features as of a past date, churn = no activity after it",
                           key="health_as_of_on", value=bool(saved.get("as_of_on", False)),
                           help="A customers file's usage columns are read on export day, after some customers "
                                "left. This rebuilds the customer table from the activity before a date and calls "
                                "churned whoever is not active in the window after it.")
    if not churn and not honest:
        st.info("The health score is fitted against churn: map a churn date, a status (Active / Cancelled) or a "
                "churn flag on the Data page" + (", or use the time-honest mode above." if activity else "."))
        st.page_link("views/data.py", label="Go to Data", icon=":material/upload_file:")
        return
    as_of, window = None, 90
    if honest:
        dates = pd.to_datetime(activity.frame[activity.date], errors="coerce")
        last = dates.max()
        left, right = st.columns(2)
        window = int(right.number_input("Window (days)", min_value=7, max_value=365,
                                        value=int(saved.get("window") or 90), step=1, key="health_window"))
        default_cut = (last - pd.Timedelta(days=window)).date() if pd.notna(last) else date.today()
        if saved.get("as_of"):
            default_cut = pd.Timestamp(saved["as_of"]).date()
        as_of = left.date_input("As of", value=default_cut, key="health_as_of").isoformat()
        outcome = "churned"
    else:
        outcome = st.selectbox("Outcome", churn, key="health_outcome",
                               index=churn.index(saved["outcome"]) if saved.get("outcome") in churn else 0,
                               format_func=lambda c: outcome_label(c, kinds[c], roles),
                               help="The health score predicts churn; conversions and responses are ranked on "
                                    "the Drivers tab.")
    options = variable_options(frame, kinds)
    if saved.get("variables") and bool(saved.get("as_of_on", False)) == honest:
        defaults = [c for c in saved["variables"] if c in options]
    elif honest:
        defaults = [c for c in ("orders_30d", "orders_90d", "frequency", "monetary", "active_days_30d",
                                "active_days_90d", "events_90d") if c in options][:4]
    else:
        defaults = [c for c in default_health_variables(frame, outcome=outcome, roles=roles) if c in options]
    variables = st.multiselect("Variables", options, default=defaults, key=f"health_vars_{dataset.version}_{honest}",
                               help="Usage counts, plan, integrations: what a customer-success lead can act on.")
    if not variables:
        st.info("Choose at least one variable to score on.")
        return
    fit_key = (dataset.version, outcome, tuple(variables), as_of, window)
    try:
        fitted = memo("health_fit", fit_key,
                      lambda: health_from_dataset(dataset, outcome=None if honest else outcome, variables=variables,
                                                  as_of=as_of, window_days=window))
    except DataError as exc:
        st.error(str(exc), icon=":material/error:")
        return
    settings = {"as_of_on": honest, "as_of": as_of, "window": window, "outcome": None if honest else outcome,
                "variables": list(variables)}
    base = fitted.points
    # The points edits as last saved (by this tab, or in the reopened workspace): the table editor forgets its edits
    # while another tab of the page is open, so it starts again from these.
    current = _current_settings() or saved
    if current.get("points") and [current.get(k) for k in settings] == list(settings.values()):
        # The saved points edits belong to this fit (same outcome, variables and date): start from them.
        given = {(v, r): p for v, r, p in current["points"]}
        base = base.assign(points=[given.get((v, r), p) for v, r, p in
                                   zip(base["variable"], base["range"], base["points"])])

    results = st.container()
    with st.expander("Points and cut-offs (editable)", icon=":material/edit:"):
        st.caption("Each range's points; the variable's best range carries its maximum. Change a number and the "
                   "held-out AUC is recomputed for your points.")
        edited = st.data_editor(
            base, key=f"health_points_{abs(hash(fit_key))}", hide_index=True, width="stretch",
            disabled=["variable", "range", "customers", "churn_rate"],
            column_config={"variable": st.column_config.TextColumn("Variable"),
                           "range": st.column_config.TextColumn("Range"),
                           "points": st.column_config.NumberColumn("Points", min_value=0, step=1),
                           "customers": st.column_config.NumberColumn("Customers", format="percent",
                                                                      help="Share of the training customers"),
                           "churn_rate": st.column_config.NumberColumn("Churn rate", format="percent")})
        score = fitted
        try:
            if not edited["points"].equals(fitted.points["points"]):
                score = memo("health_edit", (fit_key, tuple(edited["points"].astype(float))),
                             lambda: fitted.with_points(edited))
        except DataError as exc:
            results.error(str(exc), icon=":material/error:")
        auto = score.cutoffs  # from the data, for these points
        seen = st.session_state.get(_AUTO)
        for i, key in enumerate(("health_at_risk", "health_watch")):
            if key not in st.session_state or (seen is not None and st.session_state[key] == seen[i]):
                st.session_state[key] = float(auto[i])
        st.session_state[_AUTO] = auto
        left, right = st.columns(2)
        at_risk = left.number_input("At risk below (health points)", min_value=0.0, max_value=200.0, step=1.0,
                                    format="%.0f", key="health_at_risk")
        if at_risk > st.session_state["health_watch"] == auto[1]:  # the data's watch cut-off follows a raised at-risk
            st.session_state["health_watch"] = at_risk
        watch = right.number_input("Watch below (health points)", min_value=0.0, max_value=200.0, step=1.0,
                                   format="%.0f", key="health_watch")
        by_hand = (at_risk, watch) != tuple(auto)
        st.caption("Set by hand: type the data's values back to follow the data again." if by_hand else
                   "From the data (see the sentence above the list); type a number to set it by hand.")
    try:
        if by_hand:
            score = score.with_cutoffs(at_risk, watch)
    except DataError as exc:
        results.error(str(exc), icon=":material/error:")
    st.session_state[HEALTH] = score
    changed = [[v, r, float(p)] for v, r, p, o in zip(edited["variable"], edited["range"], edited["points"],
                                                       fitted.points["points"]) if float(p) != float(o)]
    _save_settings({**settings, "points": changed or None,
                    "cutoffs": [float(at_risk), float(watch)] if by_hand else None})
    with results:
        _show(score)


def _show(score) -> None:
    left, right = st.columns([1, 3])
    left.metric("AUC, held out", f"{score.auc:.2f}", help="How often a customer who stayed scores higher than one "
                "who churned, on customers the fit never saw: 0.5 is a coin toss, 1 a perfect ranking.")
    left.caption(f"95% interval {score.auc_low:.2f} to {score.auc_high:.2f}")
    sentence = score.sentence[:1].upper() + score.sentence[1:]
    (right.success if score.signal else right.warning)(sentence, icon=":material/monitor_heart:" if score.signal
                                                       else ":material/warning:")
    for note in score.notes:
        right.caption(f":material/info: {note}")
    statuses = score.status_table()
    st.markdown(" · ".join(f"{_STATUS_ICONS[row.status]} **{row.customers:,}** ({row.share:.0%}"
                           + (f", churn {row.churn_rate:.0%})" if pd.notna(row.churn_rate) else ")")
                           for row in statuses.itertuples()))
    if score.signal:
        st.caption(f":material/tune: {score.cutoffs_sentence}")
    chart, listing = st.columns([2, 3])
    with chart:
        st.markdown("**Calibration**")
        st.altair_chart(calibration_chart(score), width="stretch")
        st.caption("Held-out customers in ten groups by predicted risk; on the dashed line the predicted churn "
                   "rate is what happened.")
    with listing:
        risky = score.at_risk()
        st.markdown(f"**At risk: {len(risky):,} customers**")
        if not score.signal:
            st.caption("Nobody is labelled at risk: the score has no signal.")
        else:
            # Every row is at risk: the status column would say so 900 times; the reasons get its room.
            st.dataframe(risky, hide_index=True, width="stretch", height=300,
                         column_order=["customer_id", "health", "reasons"],
                         column_config={"customer_id": st.column_config.TextColumn("Customer", width="small"),
                                        "health": st.column_config.NumberColumn("Health (0-100)", format="%d",
                                                                                width="small"),
                                        "reasons": st.column_config.TextColumn(
                                            "Where they lost the most points", width="large")})
        shown = risky if score.signal else score.scores
        name = "at_risk" if score.signal else "health_scores"
        a, b = st.columns(2)
        a.download_button("At-risk list (CSV)" if score.signal else "All scores (CSV)", lambda: scores_csv(shown),
                          file_name=f"{name}.csv", mime="text/csv", on_click="ignore", icon=":material/download:",
                          key="health_csv")
        b.download_button("At-risk list (XLSX)" if score.signal else "All scores (XLSX)",
                          lambda: scores_xlsx(shown, score.points, title="At risk" if score.signal else "Scores"),
                          file_name=f"{name}.xlsx", on_click="ignore", icon=":material/download:", key="health_xlsx",
                          mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")


def render_score_change(export, key) -> None:
    """On the Track page: each account's health in the newer export against the score on the Health tab."""
    score = st.session_state.get(HEALTH)
    if score is None or export is None:
        return
    with st.expander("Health score change", icon=":material/monitor_heart:"):
        try:
            fingerprint = (score.variables, tuple(score.points["points"]), score.n_train)
            change = memo("health_change", (fingerprint, key), lambda: score_change(score, export))
        except DataError as exc:
            st.caption(f":material/info: The health score cannot be applied to this export: {exc}")
            return
        both = change.dropna(subset=["change"])
        dropped = int((both["change"] < 0).sum())
        st.caption(f"Scored with the same points as the Health score tab (no refit): {len(both):,} accounts in "
                   f"both exports, {dropped:,} lost health.")
        st.dataframe(change, hide_index=True, width="stretch", height=260)
