import pandas as pd
import pytest

from segmentation.errors import DataError
from segmentation.methods.registry import register_method
from segmentation.result import Segmentation


def _threshold_assign(seg, frame):
    cut = seg.state["cut"]
    return pd.Series(["High" if v > cut else "Low" for v in frame[seg.variables[0]]], index=frame.index)


def _threshold_refit(frame, params):
    return _fit(frame, **params)


def _fit(frame, *, column="mrr"):
    cut = float(frame[column].median())
    seg = Segmentation(method="test-threshold", labels=pd.Series(dtype=object), segments=("Low", "High"),
                       variables=(column,), params={"column": column}, state={"cut": cut})
    return Segmentation(method=seg.method, labels=seg.assign(frame), segments=seg.segments,
                        variables=seg.variables, params=seg.params, state=seg.state)


register_method("test-threshold", assign=_threshold_assign, refit=_threshold_refit)


@pytest.fixture
def frame():
    return pd.DataFrame({"mrr": [10.0, 20.0, 300.0, 400.0]}, index=pd.Index(["001", "002", "003", "004"],
                                                                            name="customer_id"))


def test_recipe_round_trip_assigns_the_same_labels(frame):
    seg = _fit(frame)
    again = Segmentation.from_recipe(seg.to_json())
    pd.testing.assert_series_equal(again.assign(frame), seg.labels)


def test_renamed_segments_survive_the_recipe(frame):
    seg = _fit(frame).renamed({"High": "Big spenders"})
    assert seg.segments == ("Low", "Big spenders")
    again = Segmentation.from_recipe(seg.to_recipe()).renamed({"Big spenders": "Whales"})
    assert again.assign(frame).tolist() == ["Low", "Low", "Whales", "Whales"]


def test_renaming_two_segments_to_one_name_is_refused(frame):
    with pytest.raises(DataError, match="share one name"):
        _fit(frame).renamed({"High": "Low"})


def test_result_is_immutable_and_does_not_alias_input(frame):
    seg = _fit(frame)
    with pytest.raises(AttributeError):
        seg.method = "other"
    with pytest.raises(TypeError):
        seg.state["cut"] = 0
    assert seg.sizes.to_dict() == {"Low": 2, "High": 2}


def test_assign_names_missing_columns(frame):
    seg = _fit(frame)
    with pytest.raises(DataError, match="'mrr'"):
        seg.assign(frame.rename(columns={"mrr": "MRR"}))


@pytest.mark.parametrize("text, message", [
    ("{not json", "not valid JSON"),
    ('{"format": "something else"}', "not a segment recipe"),
    ('{"format": "saas-segmentation-recipe", "version": 99}', "newer version"),
])
def test_bad_recipes_get_clear_messages(text, message):
    with pytest.raises(DataError, match=message):
        Segmentation.from_recipe(text)


@pytest.mark.parametrize("change", [{"version": "1.0"}, {"version": None}, {"state": [1, 2]},
                                    {"segments": "Low"}, {"variables": [1]}])
def test_edited_recipes_of_the_wrong_shape_are_refused_clearly(frame, change):
    recipe = {**_fit(frame).to_recipe(), **change}
    with pytest.raises(DataError):
        Segmentation.from_recipe(recipe)


def test_a_damaged_fitted_state_is_a_data_error(frame):
    recipe = _fit(frame).to_recipe()
    recipe["state"] = {"not_cut": 1}
    with pytest.raises(DataError, match="could not be applied"):
        Segmentation.from_recipe(recipe).assign(frame)
