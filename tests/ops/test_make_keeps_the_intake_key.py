"""`make setup` makes this machine's intake key once and never replaces it: a new key would leave
every answer sealed with the old one unopenable (README: Intake answers and their keys)."""

import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
KEY_FILE = ROOT / "var" / "intake.keys"
MAKE = shutil.which("make") or "/usr/bin/make"


@pytest.mark.skipif(not KEY_FILE.exists(), reason="run through `make test`, which makes var/intake.keys first")
def test_new_requirements_do_not_replace_the_key():
    # -n: print what would run; -W: as if the requirements had just changed (a git pull that bumps a pin).
    planned = subprocess.run(  # noqa: S603  make, with this module's own arguments
        [MAKE, "-n", "-W", "requirements.txt", "-W", "requirements-dev.txt", "setup"],
        cwd=ROOT, capture_output=True, text=True, check=True,
    ).stdout
    assert "pip install" in planned  # the requirements are installed again ...
    assert "generate_key" not in planned  # ... and the key is left as it is


def test_the_rule_never_overwrites_a_key_file(tmp_path):
    # -B: as if everything were out of date; -o: but not the virtualenv (no pip install here).
    key_file = tmp_path / "intake.keys"
    key_file.write_text("the-existing-key\n")
    subprocess.run(  # noqa: S603  make, with this module's own arguments
        [MAKE, "-B", "-o", ".venv/bin/.installed", f"INTAKE_KEYS_FILE={key_file}", str(key_file)], cwd=ROOT, capture_output=True, text=True, check=True,
    )
    assert key_file.read_text() == "the-existing-key\n"
