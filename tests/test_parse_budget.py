"""The server-wide budget for parsing uploads (ui.loading.parse_upload): two people loading large files at once
are held under SEGMENTATION_MAX_BYTES together, and the one refused is told the limit and its setting."""

from __future__ import annotations

import threading

import pytest

from segmentation.errors import DataError
from ui import loading


def _csv(rows: int) -> bytes:
    return ("customer_id,mrr\n" + "".join(f"C{i:06d},{i % 500}.5\n" for i in range(rows))).encode()


def test_two_concurrent_loads_above_the_budget_refuse_the_second_and_the_first_completes(monkeypatch):
    big = _csv(40_000)  # 538 KB: one fits in 1 MB, two do not
    monkeypatch.setenv("SEGMENTATION_MAX_BYTES", "1MB")
    parsing, release = threading.Event(), threading.Event()
    real = loading.load_table

    def slow_parse(*args, **kwargs):  # the first load is mid-parse while the second arrives
        parsing.set()
        release.wait(30)
        return real(*args, **kwargs)

    monkeypatch.setattr(loading, "load_table", slow_parse)
    first: dict = {}
    thread = threading.Thread(target=lambda: first.update(table=loading.parse_upload(big, "first.csv")))
    thread.start()
    try:
        assert parsing.wait(30)
        monkeypatch.setattr(loading, "load_table", real)
        with pytest.raises(DataError) as refused:
            loading.parse_upload(big, "second.csv")
        message = str(refused.value)
        assert "'second.csv'" in message and "SEGMENTATION_MAX_BYTES" in message
        assert "1.0 MB" in message and "at once" in message  # the limit, as people read it
    finally:
        release.set()
        thread.join(30)
    assert len(first["table"].frame) == 40_000
    assert loading.parse_budget().in_use == 0
    assert len(loading.parse_upload(big, "second.csv").frame) == 40_000  # once the first is read, it fits


def test_loads_within_the_budget_run_side_by_side_and_failures_give_their_bytes_back(monkeypatch):
    small = _csv(1_000)
    monkeypatch.setenv("SEGMENTATION_MAX_BYTES", str(len(small) * 3))
    results: list = []
    threads = [threading.Thread(target=lambda: results.append(loading.parse_upload(small, "a.csv")))
               for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert len(results) == 3
    with pytest.raises(DataError):
        loading.parse_upload(b"\x7fELF binary", "tool.csv")
    assert loading.parse_budget().in_use == 0
