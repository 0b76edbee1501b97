"""The README's privacy section says what touches the disk: the installed libraries still do exactly that."""

from __future__ import annotations

import asyncio
import inspect
import os
import re
import stat
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parent.parent


def _privacy_section() -> str:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    return text.split("## Privacy and safety", 1)[1].split("\n## ", 1)[0]


def _upload(size: int):
    """A file of `size` bytes sent as the browser sends an upload, parsed as Streamlit's route parses it."""
    from starlette.requests import Request

    boundary = "streamlit-upload"
    body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"export.csv\"\r\n"
            f"Content-Type: text/csv\r\n\r\n").encode() + b"x" * size + f"\r\n--{boundary}--\r\n".encode()
    chunks = [body[i:i + 65536] for i in range(0, len(body), 65536)]

    async def receive():
        return {"type": "http.request", "body": chunks.pop(0), "more_body": bool(chunks)}

    async def parse():
        scope = {"type": "http", "method": "PUT", "path": "/", "headers": [
            (b"content-type", f"multipart/form-data; boundary={boundary}".encode())]}
        form = await Request(scope, receive).form()
        upload = form["file"]
        rolled = upload.file._rolled  # SpooledTemporaryFile: True once written to a temporary file
        fileno = upload.file.fileno() if rolled else None
        name = os.readlink(f"/proc/self/fd/{fileno}") if fileno is not None and os.path.exists("/proc") else ""
        data = await upload.read()
        await upload.close()
        return rolled, name, len(data)

    return asyncio.run(parse())


def test_uploads_over_1_mb_are_spooled_to_an_unnamed_temporary_file_and_smaller_ones_stay_in_memory():
    from starlette.formparsers import MultiPartParser

    section = _privacy_section()
    threshold = MultiPartParser.spool_max_size
    assert threshold == 1024 * 1024 and "Uploads over 1 MB" in section and "1 MB or less never leave memory" in section
    assert _upload(threshold - 1024) == (False, "", threshold - 1024)
    rolled, name, size = _upload(threshold + 1024)
    assert rolled and size == threshold + 1024
    if name:  # Linux: the open file has no name in the folder ("/tmp/#2146342 (deleted)")
        assert name.endswith("(deleted)") and not os.path.exists(name.removesuffix(" (deleted)")), name
    # Streamlit's upload route is the one parsing it that way, then keeps the bytes in memory per session.
    from streamlit.web.server import server
    from streamlit.web.server.starlette import starlette_routes

    source = inspect.getsource(starlette_routes)
    assert "await limited_request.form()" in source and "data = await upload.read()" in source
    assert "MemoryUploadedFileManager(" in inspect.getsource(server)
    assert "MemoryMediaFileStorage(" in inspect.getsource(server)  # downloads are served from memory


def test_an_xlsx_download_writes_each_sheet_to_an_owner_only_openpyxl_file_and_deletes_it(monkeypatch):
    import openpyxl.worksheet._writer as sheet_writer

    from segmentation.export import workbook
    from segmentation.result import Segmentation

    made: list[tuple[str, int]] = []
    create = sheet_writer.create_temporary_file

    def spy(suffix=""):
        path = create(suffix)
        made.append((path, stat.S_IMODE(os.stat(path).st_mode)))
        return path

    monkeypatch.setattr(sheet_writer, "create_temporary_file", spy)
    ids = ["c1", "c2", "c3"]
    frame = pd.DataFrame({"mrr": [10.0, 20.0, 30.0]}, index=ids)
    seg = Segmentation("t", pd.Series(["A", "B", "A"], index=ids), ("A", "B"), ("mrr",))
    data = workbook(frame, seg, id_name="customer_id")
    assert data[:2] == b"PK"  # the workbook itself comes back as bytes, built in memory
    assert made, "openpyxl wrote no temporary file: the README's XLSX sentence is out of date"
    for path, mode in made:
        assert Path(path).name.startswith("openpyxl.") and mode == 0o600
        assert not os.path.exists(path)  # deleted once the sheet is in the workbook
    section = _privacy_section()
    assert "`openpyxl.*`" in section and "readable by your user only" in section


def test_the_privacy_section_no_longer_says_uploads_are_parsed_in_memory_only():
    section = _privacy_section()
    assert "parsed in memory" not in section
    assert re.search(r"TMPDIR=/dev/shm", section)


def test_tmpdir_moves_both_temporary_files(tmp_path, monkeypatch):
    # The README's way to keep them off the disk: both libraries take the folder from `tempfile`.
    import tempfile

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    _, name, _ = _upload(1024 * 1024 + 10)
    assert not name or name.startswith(str(tmp_path)), name
    import openpyxl.worksheet._writer as sheet_writer

    path = sheet_writer.create_temporary_file()
    try:
        assert path.startswith(str(tmp_path))
    finally:
        sheet_writer.ALL_TEMP_FILES.remove(path)
        os.remove(path)
