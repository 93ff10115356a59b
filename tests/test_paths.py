"""Paths the operating system refuses or that are not regular files: one clear error."""

import os

import pytest

from ohmslice._paths import check_input_file
from ohmslice.errors import InputError


def test_regular_file_passes(tmp_path):
    p = tmp_path / "a.csv"
    p.write_text("x")
    assert check_input_file(p) == p


@pytest.mark.parametrize(
    "make, message",
    [
        (lambda d: d / "missing.csv", "no such file"),
        (lambda d: d, "is a folder"),
        (lambda d: d / ("x" * 300 + ".csv"), "longer than the file system allows"),
    ],
)
def test_refused(tmp_path, make, message):
    with pytest.raises(InputError, match=message):
        check_input_file(make(tmp_path))


def test_symlink_loop(tmp_path):
    a, b = tmp_path / "a", tmp_path / "b"
    a.symlink_to(b)
    b.symlink_to(a)
    with pytest.raises(InputError, match="loop of symbolic links"):
        check_input_file(a)


def test_named_pipe_is_refused_without_blocking(tmp_path):
    fifo = tmp_path / "pipe.mpt"
    os.mkfifo(fifo)  # opening it for reading would block until a writer comes
    with pytest.raises(InputError, match="is a named pipe"):
        check_input_file(fifo)


def test_a_newline_in_the_name_keeps_the_message_on_one_line(tmp_path):
    with pytest.raises(InputError) as err:
        check_input_file(tmp_path / "two\nlines.csv")
    assert "\n" not in str(err.value) and "two\\nlines.csv" in str(err.value)


@pytest.mark.skipif(os.geteuid() == 0, reason="root may read any file")
def test_unreadable(tmp_path):
    p = tmp_path / "secret.csv"
    p.write_text("x")
    p.chmod(0)
    with pytest.raises(InputError, match="permission denied"):
        check_input_file(p)
