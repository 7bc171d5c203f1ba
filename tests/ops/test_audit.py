"""How ops/audit.py reads pip-audit's JSON and decides: clean, vulnerable, not audited or failed.

The samples are real pip-audit 2.10.1 `--format json` output, shortened: the skips are what it
prints on this machine (PyPI's per-version JSON answers 404), the vulnerability is what it
prints for django==3.2.0 when an OSV endpoint answers with that advisory.
"""

import pytest

from ops import audit

SKIPPED_BY_PYPI = (
    '{"dependencies": [{"name": "django", "skip_reason": "Dependency not found on PyPI and could not be audited: '
    'django (5.2.19)"}, {"name": "dj-database-url", "skip_reason": "Dependency not found on PyPI and could not be '
    'audited: dj-database-url (3.1.2)"}], "fixes": []}'
)
CLEAN = (
    '{"dependencies": [{"name": "django", "version": "5.2.19", "vulns": []}, '
    '{"name": "dj-database-url", "version": "3.1.2", "vulns": []}], "fixes": []}'
)
VULNERABLE = (
    '{"dependencies": [{"name": "django", "version": "3.2.0", "vulns": [{"id": "CVE-2021-31542", '
    '"fix_versions": ["3.2.1"], "aliases": ["GHSA-rxjp-mfm9-w4wr"], '
    '"description": "Potential directory traversal via uploaded files"}]}, '
    '{"name": "sqlparse", "version": "0.6.1", "vulns": []}], "fixes": []}'
)
# The last line pip-audit writes to stderr when api.osv.dev cannot be resolved (it crashes, exit 1, no JSON).
OSV_UNRESOLVABLE = (
    "requests.exceptions.ConnectionError: HTTPSConnectionPool(host='api.osv.dev', port=443): Max retries exceeded "
    "with url: /v1/query (Caused by NameResolutionError(\"HTTPSConnection(host='api.osv.dev', port=443): Failed to "
    "resolve 'api.osv.dev' ([Errno -2] Name or service not known)\"))"
)
PYPI = "PyPI JSON API, https://pypi.org/pypi/<name>/<version>/json"
OSV = "OSV, https://api.osv.dev/v1/query"


def attempt(service, json_text=None, error=""):
    database = PYPI if service == "pypi" else OSV
    report = audit.read_report(json_text) if json_text is not None else None
    return audit.Attempt(service=service, database=database, report=report, error=error)


def test_it_reads_audited_skipped_and_vulnerable_dependencies():
    report = audit.read_report(VULNERABLE)

    assert report.audited == {"django": "3.2.0", "sqlparse": "0.6.1"}
    assert report.skipped == {}
    [vuln] = report.vulnerabilities
    assert (vuln.name, vuln.version, vuln.id, vuln.fix_versions, vuln.aliases) == (
        "django",
        "3.2.0",
        "CVE-2021-31542",
        ["3.2.1"],
        ["GHSA-rxjp-mfm9-w4wr"],
    )
    assert audit.read_report(SKIPPED_BY_PYPI).skipped == {
        "django": "Dependency not found on PyPI and could not be audited: django (5.2.19)",
        "dj-database-url": "Dependency not found on PyPI and could not be audited: dj-database-url (3.1.2)",
    }


def test_it_refuses_output_that_is_not_pip_audit_json():
    with pytest.raises(ValueError):
        audit.read_report("")
    with pytest.raises(ValueError):
        audit.read_report('{"something": []}')


def test_it_passes_when_everything_was_looked_up_and_nothing_found():
    code, lines = audit.judge([attempt("pypi", CLEAN)])

    assert code == audit.EXIT_CLEAN
    assert lines == [f"No known vulnerabilities in 2 pinned dependencies (looked up in: {PYPI})."]


def test_it_fails_on_a_known_vulnerability():
    code, lines = audit.judge([attempt("pypi", VULNERABLE)])

    assert code == audit.EXIT_VULNERABLE
    assert "django 3.2.0: CVE-2021-31542 (GHSA-rxjp-mfm9-w4wr), fixed in 3.2.1" in "\n".join(lines)


def test_it_says_not_audited_when_every_dependency_was_skipped_and_osv_unreachable():
    attempts = [attempt("pypi", SKIPPED_BY_PYPI), attempt("osv", error=OSV_UNRESOLVABLE)]

    code, lines = audit.judge(attempts)

    assert code == audit.EXIT_NOT_AUDITED
    output = "\n".join(lines)
    assert f"NOT AUDITED: the vulnerability database ({PYPI}; {OSV}) cannot be reached from this machine." in output
    assert "NOT checked for known vulnerabilities: 2 dependencies: dj-database-url, django" in output
    assert "0 looked up, 2 skipped" in output
    assert "Failed to resolve 'api.osv.dev'" in output
    assert "No known vulnerabilities" not in output


def test_allow_offline_exits_zero_after_the_same_warning():
    attempts = [attempt("pypi", SKIPPED_BY_PYPI), attempt("osv", error=OSV_UNRESOLVABLE)]

    code, lines = audit.judge(attempts, allow_offline=True)

    assert code == audit.EXIT_CLEAN
    assert any(line.startswith("NOT AUDITED:") for line in lines)
    assert "AUDIT_ALLOW_OFFLINE=1: carrying on (exit 0), but the above was NOT audited." in lines


def test_a_dependency_counts_as_audited_when_the_second_database_answers():
    attempts = [attempt("pypi", SKIPPED_BY_PYPI), attempt("osv", CLEAN)]

    code, lines = audit.judge(attempts)

    assert code == audit.EXIT_CLEAN
    assert lines == [f"No known vulnerabilities in 2 pinned dependencies (looked up in: {OSV})."]


def test_only_the_dependencies_no_database_answered_for_are_listed_as_not_audited():
    partly = (
        '{"dependencies": [{"name": "django", "version": "5.2.19", "vulns": []}, {"name": "dj-database-url", '
        '"skip_reason": "Dependency not found on PyPI and could not be audited: dj-database-url (3.1.2)"}], "fixes": []}'
    )

    code, lines = audit.judge([attempt("pypi", partly), attempt("osv", error=OSV_UNRESOLVABLE)])

    assert code == audit.EXIT_NOT_AUDITED
    assert "NOT checked for known vulnerabilities: 1 dependency: dj-database-url" in lines


def test_a_vulnerability_fails_even_when_other_dependencies_were_not_audited():
    attempts = [attempt("pypi", SKIPPED_BY_PYPI), attempt("osv", VULNERABLE)]

    code, lines = audit.judge(attempts, allow_offline=True)

    assert code == audit.EXIT_VULNERABLE
    assert "NOT checked for known vulnerabilities: 1 dependency: dj-database-url" in lines


def test_it_says_not_audited_when_no_database_answered_at_all():
    code, lines = audit.judge([attempt("pypi", error="requests.exceptions.ConnectTimeout: ..."), attempt("osv", error=OSV_UNRESOLVABLE)])

    assert code == audit.EXIT_NOT_AUDITED
    assert "NOT checked for known vulnerabilities: every dependency" in lines


def test_a_pip_audit_failure_that_is_not_the_network_is_never_allowed():
    failure = attempt("pypi", error="ERROR:pip_audit._cli:invalid requirements input: requirements.txt")

    code, lines = audit.judge([failure], allow_offline=True)

    assert code == audit.EXIT_AUDIT_FAILED
    assert lines == ["AUDIT FAILED: pip-audit (pypi) did not run: ERROR:pip_audit._cli:invalid requirements input: requirements.txt"]


def test_main_tries_osv_after_pypi_skips_and_honours_audit_allow_offline(monkeypatch, tmp_path, capsys):
    tool = tmp_path / "pip-audit"
    tool.touch()
    monkeypatch.setattr(audit, "PIP_AUDIT", tool)
    tried = []

    def fake_run(service, requirement_files, osv_url):
        tried.append((service, list(requirement_files), osv_url))
        return attempt("pypi", SKIPPED_BY_PYPI) if service == "pypi" else attempt("osv", error=OSV_UNRESOLVABLE)

    monkeypatch.setattr(audit, "run_pip_audit", fake_run)
    monkeypatch.delenv("AUDIT_OSV_URL", raising=False)

    monkeypatch.delenv("AUDIT_ALLOW_OFFLINE", raising=False)
    assert audit.main([]) == audit.EXIT_NOT_AUDITED
    monkeypatch.setenv("AUDIT_ALLOW_OFFLINE", "1")
    assert audit.main([]) == audit.EXIT_CLEAN

    assert tried[:2] == [
        ("pypi", ["requirements.txt", "requirements-dev.txt"], "https://api.osv.dev/v1/query"),
        ("osv", ["requirements.txt", "requirements-dev.txt"], "https://api.osv.dev/v1/query"),
    ]
    assert capsys.readouterr().out.count("NOT AUDITED:") == 2


def test_self_check_passes_only_when_the_known_vulnerable_pin_is_reported(monkeypatch, tmp_path):
    tool = tmp_path / "pip-audit"
    tool.touch()
    monkeypatch.setattr(audit, "PIP_AUDIT", tool)
    audited_files = []

    def reports(json_text):
        def fake_run(service, requirement_files, osv_url):
            audited_files.append([path.read_text() for path in requirement_files])
            return attempt(service, json_text)

        return fake_run

    monkeypatch.setattr(audit, "run_pip_audit", reports(VULNERABLE))
    assert audit.main(["--self-check"]) == audit.EXIT_CLEAN
    assert audited_files == [["django==3.2.0\n"]]

    monkeypatch.setattr(audit, "run_pip_audit", reports(CLEAN))
    assert audit.main(["--self-check"]) == audit.EXIT_VULNERABLE

    monkeypatch.setattr(audit, "run_pip_audit", reports(SKIPPED_BY_PYPI))
    assert audit.main(["--self-check"]) == audit.EXIT_NOT_AUDITED
