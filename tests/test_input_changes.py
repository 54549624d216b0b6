"""A raw file that changes while a run reads it (a download still being written, an editor saving) is named
in one line and nothing is published, instead of a blocked release whose failures name only row ids; the
next run, reading the complete file, publishes."""

import shutil

import pytest

from govreport.release.publish import PACKAGE_NAME, InputChanged, PublishBlocked, publish

from conftest import RAW, process_folder

pytestmark = [pytest.mark.slow]

NEW = "020_new.txt"


@pytest.mark.parametrize("how", ["grows", "is rewritten", "is gone"])
def test_a_raw_file_that_changes_after_it_was_read_is_named_and_nothing_is_published(tmp_path, how):
    shutil.copytree(RAW, tmp_path / "raw")
    path = tmp_path / "raw" / NEW
    path.write_text("2024年政府工作报告\n今年主要预期目标是:地区生产总值增长5%左右。", encoding="utf-8")
    results = process_folder(tmp_path / "raw")  # the run has read every file ...
    if how == "grows":  # ... and then the file grows, is replaced or is removed
        with open(path, "a", encoding="utf-8") as fh:
            fh.write("\n城镇新增就业1万人以上。")
    elif how == "is rewritten":
        path.write_text("2024年政府工作报告\n今年主要预期目标是:地区生产总值增长6%左右。", encoding="utf-8")
    else:
        path.unlink()
    with pytest.raises(InputChanged) as raised:
        publish(results, tmp_path / "published", tmp_path / "raw", tmp_path / "state")
    assert not isinstance(raised.value, PublishBlocked)
    message = str(raised.value)
    assert message.startswith(f"{path}: changed while this run was reading it") and "\n" not in message
    assert not (tmp_path / "published" / PACKAGE_NAME / "latest.json").exists()
    if how != "is gone":  # the next run reads the file as it is now and publishes it
        outcome = publish(
            process_folder(tmp_path / "raw"), tmp_path / "published", tmp_path / "raw", tmp_path / "state"
        )
        assert outcome.version == "1.0.0"
