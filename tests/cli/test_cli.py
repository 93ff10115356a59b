from typer.testing import CliRunner

from ohmslice import __version__
from ohmslice.cli import app

runner = CliRunner()


def test_version():
    res = runner.invoke(app, ["--version"])
    assert res.exit_code == 0
    assert __version__ in res.output
