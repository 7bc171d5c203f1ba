#!/usr/bin/env python3
"""Audit the pinned requirements for known vulnerabilities with pip-audit, and never pass silently.

pip-audit reports a dependency it could not look up as "skipped" and still exits 0 with
"No known vulnerabilities found". Where the vulnerability database cannot be reached, that
is a pass that checked nothing. This wrapper reads pip-audit's JSON instead and says which
of three things happened:

    0  every dependency was looked up and none has a known vulnerability
    1  a known vulnerability (listed), whether or not everything else could be looked up
    3  NOT AUDITED: some dependencies could not be looked up in any database tried;
       AUDIT_ALLOW_OFFLINE=1 turns this into 0 after the same warning (CI on a machine
       without access to the databases)
    2  the audit itself could not run (pip-audit missing or failing for another reason)

It tries PyPI's JSON API first (pip-audit's default), then OSV for whatever PyPI could not
answer. AUDIT_OSV_URL points pip-audit at another OSV endpoint (a mirror). `--self-check`
audits a known-vulnerable pin (django==3.2.0) and succeeds only if it is reported.

Standard library only: it runs pip-audit from its own virtualenv, .venv-audit (`make audit`).
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PIP_AUDIT = ROOT / ".venv-audit" / "bin" / "pip-audit"
DEFAULT_REQUIREMENTS = ["requirements.txt", "requirements-dev.txt"]
DEFAULT_OSV_URL = "https://api.osv.dev/v1/query"
SELF_CHECK_PIN = ("django", "3.2.0")
EVERY_DEPENDENCY = "every dependency"

EXIT_CLEAN = 0
EXIT_VULNERABLE = 1
EXIT_AUDIT_FAILED = 2
EXIT_NOT_AUDITED = 3

# What requests/urllib3 print when a host cannot be resolved, connected to or answers in time.
UNREACHABLE_MARKERS = (
    "ConnectionError",
    "ConnectTimeout",
    "ReadTimeout",
    "NameResolutionError",
    "Max retries exceeded",
    "Failed to resolve",
    "Could not connect to",
    "is not redirecting properly",
    "ServiceError",
)


@dataclass
class Vulnerability:
    name: str
    version: str
    id: str
    fix_versions: list = field(default_factory=list)
    aliases: list = field(default_factory=list)
    description: str = ""

    def describe(self):
        fixed = ", ".join(self.fix_versions) or "no fixed version yet"
        aliases = f" ({', '.join(self.aliases)})" if self.aliases else ""
        return f"{self.name} {self.version}: {self.id}{aliases}, fixed in {fixed}"


@dataclass
class Report:
    """One pip-audit run, read from its JSON: what was looked up, what was found, what was skipped."""

    audited: dict = field(default_factory=dict)  # name -> version
    vulnerabilities: list = field(default_factory=list)
    skipped: dict = field(default_factory=dict)  # name -> pip-audit's skip reason


@dataclass
class Attempt:
    """One vulnerability service tried: its report, or the error that stopped pip-audit."""

    service: str
    database: str
    report: Report | None = None
    error: str = ""


def read_report(text):
    """Read pip-audit's `--format json` output ({"dependencies": [...], "fixes": [...]})."""
    data = json.loads(text)
    if not isinstance(data, dict) or not isinstance(data.get("dependencies"), list):
        raise ValueError("not pip-audit JSON output: no 'dependencies' list")
    report = Report()
    for dependency in data["dependencies"]:
        name = dependency["name"]
        if "skip_reason" in dependency:
            report.skipped[name] = dependency["skip_reason"]
            continue
        report.audited[name] = dependency["version"]
        for vuln in dependency.get("vulns", []):
            report.vulnerabilities.append(
                Vulnerability(
                    name=name,
                    version=dependency["version"],
                    id=vuln["id"],
                    fix_versions=list(vuln.get("fix_versions", [])),
                    aliases=list(vuln.get("aliases", [])),
                    description=vuln.get("description") or "",
                )
            )
    return report


def is_unreachable(error_text):
    """Whether pip-audit failed because the database could not be reached (not for another reason)."""
    return any(marker in error_text for marker in UNREACHABLE_MARKERS)


def last_error_line(stderr):
    lines = [line.strip() for line in stderr.splitlines() if line.strip() and not line.startswith("WARNING:")]
    return lines[-1] if lines else "(no error output)"


def database_of(service, osv_url):
    if service == "pypi":
        return "PyPI JSON API, https://pypi.org/pypi/<name>/<version>/json"
    return f"OSV, {osv_url}"


def run_pip_audit(service, requirement_files, osv_url):
    """Run pip-audit once against one service; the requirements are all pinned, so no resolving."""
    command = [str(PIP_AUDIT), "--format", "json", "--progress-spinner", "off", "--vulnerability-service", service]
    if service == "osv":
        command += ["--osv-url", osv_url]
    # Every requirement is pinned (==), so pip-audit need not resolve anything or create a venv.
    command += ["--no-deps", "--disable-pip"]
    for requirement_file in requirement_files:
        command += ["-r", str(requirement_file)]
    attempt = Attempt(service=service, database=database_of(service, osv_url))
    result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=900)  # noqa: S603  fixed argv: our own tool venv's pip-audit
    try:
        attempt.report = read_report(result.stdout)
    except (ValueError, KeyError, TypeError):
        attempt.error = last_error_line(result.stderr)
    return attempt


def judge(attempts, allow_offline=False):
    """The exit code and the lines to print for a list of attempts (one per service tried)."""
    failed = [attempt for attempt in attempts if attempt.report is None and not is_unreachable(attempt.error)]
    if failed:
        lines = [f"AUDIT FAILED: pip-audit ({attempt.service}) did not run: {attempt.error}" for attempt in failed]
        return EXIT_AUDIT_FAILED, lines

    audited = {}
    vulnerabilities = {}
    wanted = set()
    for attempt in attempts:
        if attempt.report is None:
            continue
        audited.update(attempt.report.audited)
        wanted |= set(attempt.report.audited) | set(attempt.report.skipped)
        for vuln in attempt.report.vulnerabilities:
            vulnerabilities.setdefault((vuln.name, vuln.version, vuln.id), vuln)
    not_audited = sorted(wanted - set(audited))
    if not any(attempt.report is not None for attempt in attempts):
        not_audited = [EVERY_DEPENDENCY]  # no report at all, so no names either

    lines = []
    if vulnerabilities:
        lines.append(f"VULNERABLE: known vulnerabilities in the pinned requirements ({len(vulnerabilities)}):")
        for vuln in vulnerabilities.values():
            lines.append(f"  - {vuln.describe()}")
            if vuln.description:
                lines.append(f"      {vuln.description[:300]}")
        lines.append("Upgrade the pin (see 'fixed in') and run `make test`.")
    if not_audited:
        lines += not_audited_warning(attempts, not_audited, allow_offline)
    if vulnerabilities:
        return EXIT_VULNERABLE, lines
    if not_audited:
        return (EXIT_CLEAN if allow_offline else EXIT_NOT_AUDITED), lines
    databases = "; ".join(attempt.database for attempt in attempts if attempt.report and attempt.report.audited)
    lines.append(f"No known vulnerabilities in {len(audited)} pinned dependencies (looked up in: {databases}).")
    return EXIT_CLEAN, lines


def not_audited_warning(attempts, not_audited, allow_offline):
    rule = "*" * 100
    databases = "; ".join(attempt.database for attempt in attempts)
    if not_audited != [EVERY_DEPENDENCY]:
        count = f"{len(not_audited)} dependencies" if len(not_audited) > 1 else "1 dependency"
        not_audited = [f"{count}: {', '.join(not_audited)}"]
    lines = [
        rule,
        f"NOT AUDITED: the vulnerability database ({databases}) cannot be reached from this machine.",
        f"NOT checked for known vulnerabilities: {not_audited[0]}",
        "Tried:",
    ]
    for attempt in attempts:
        if attempt.report is None:
            outcome = f"unreachable: {attempt.error}"
        else:
            outcome = f"{len(attempt.report.audited)} looked up, {len(attempt.report.skipped)} skipped"
            if attempt.report.skipped:
                outcome += f', e.g. "{next(iter(attempt.report.skipped.values()))}"'
        lines.append(f"  - pip-audit --vulnerability-service {attempt.service} ({attempt.database}): {outcome}")
    lines.append("Run `make audit` where one of them can be reached (or set AUDIT_OSV_URL to an OSV mirror).")
    if allow_offline:
        lines.append("AUDIT_ALLOW_OFFLINE=1: carrying on (exit 0), but the above was NOT audited.")
    lines.append(rule)
    return lines


def audit(requirement_files, osv_url):
    """Try PyPI, then OSV if PyPI could not look up everything."""
    attempts = []
    for service in ("pypi", "osv"):
        attempt = run_pip_audit(service, requirement_files, osv_url)
        attempts.append(attempt)
        if attempt.report is None and not is_unreachable(attempt.error):
            break  # pip-audit itself failed (e.g. a bad requirements file): another service would too
        if attempt.report is not None and not attempt.report.skipped:
            break
    return attempts


def self_check(osv_url):
    """Audit a known-vulnerable pin: proves the audit fails when it should (needs a reachable database)."""
    name, version = SELF_CHECK_PIN
    print(f"Self-check: auditing {name}=={version}, which has known vulnerabilities; the audit must report them.")
    with tempfile.TemporaryDirectory() as folder:
        requirements = Path(folder) / "requirements-known-vulnerable.txt"
        requirements.write_text(f"{name}=={version}\n")
        attempts = audit([requirements], osv_url)
    code, lines = judge(attempts, allow_offline=False)
    print("\n".join(lines))
    if code == EXIT_VULNERABLE and any(
        vuln.name == name for attempt in attempts if attempt.report for vuln in attempt.report.vulnerabilities
    ):
        print(f"SELF-CHECK PASSED: {name}=={version} was reported as vulnerable, so the audit fails when it should.")
        return EXIT_CLEAN
    if code in (EXIT_NOT_AUDITED, EXIT_AUDIT_FAILED):
        print("SELF-CHECK INCONCLUSIVE: the database could not be used, so nothing was proven.")
        return code
    print(f"SELF-CHECK FAILED: {name}=={version} has known vulnerabilities but the audit did not report them.")
    return EXIT_VULNERABLE


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("requirements", nargs="*", default=DEFAULT_REQUIREMENTS, help="pinned requirements files")
    parser.add_argument("--self-check", action="store_true", help=f"audit {'=='.join(SELF_CHECK_PIN)} and expect a failure")
    arguments = parser.parse_args(argv)
    if not PIP_AUDIT.exists():
        print(f"AUDIT FAILED: {PIP_AUDIT} is missing; `make audit` installs it from requirements-audit.txt.")
        return EXIT_AUDIT_FAILED
    osv_url = os.environ.get("AUDIT_OSV_URL", "").strip() or DEFAULT_OSV_URL
    if arguments.self_check:
        return self_check(osv_url)
    allow_offline = os.environ.get("AUDIT_ALLOW_OFFLINE", "").strip() == "1"
    print(f"Auditing {', '.join(arguments.requirements)} with pip-audit")
    code, lines = judge(audit(arguments.requirements, osv_url), allow_offline)
    print("\n".join(lines))
    return code


if __name__ == "__main__":
    sys.exit(main())
