import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
# Left out of the new process's environment unless a test sets them: they decide which settings it starts with.
STARTUP_SETTINGS = {"DEBUG", "SECRET_KEY", "ALLOWED_HOSTS", "SECURE_SSL_REDIRECT"}


@pytest.fixture
def run_django():
    """Run `manage.py` with these arguments in a new process, with the test environment plus the
    variables given (as keyword arguments); returns the finished process. Tests that use it are slow."""

    def run_django(*args, **env):
        environment = {key: value for key, value in os.environ.items() if key not in STARTUP_SETTINGS}
        environment.update(env)
        return subprocess.run(  # noqa: S603  this interpreter and manage.py, with the test's own arguments
            [sys.executable, "manage.py", *args], cwd=REPO, env=environment, capture_output=True, text=True, timeout=120
        )

    return run_django
