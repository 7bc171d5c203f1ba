"""The keys that seal intake answers (clinic.encryption): where the site finds them, what
`check --deploy` says without a working one (clinic.E010, clinic.E011), and key rotation: the old
key second in the list still opens, and once everything is sealed again it may be dropped."""

import pytest
from cryptography.fernet import Fernet
from django.core.checks import run_checks

from clinic import encryption

PRODUCTION = dict(
    DEBUG="0", SECRET_KEY="k" * 20 + "a-real-looking-random-secret-9f8e7d6c5b4a3", ALLOWED_HOSTS="clinic.example",
    REDIS_URL="redis://127.0.0.1:6379/0", PRACTICE_PHONE="(301) 555-0142", TRUSTED_PROXIES="127.0.0.1",
)
SEAL_IN_A_NEW_PROCESS = "from clinic import encryption; print(encryption.seal({'medicine': 'Zyxotrel-4471'}))"


def errors(**kwargs):
    return [message.id for message in run_checks(include_deployment_checks=True, **kwargs) if message.id in ("clinic.E010", "clinic.E011")]


def test_no_key_is_a_deployment_error(settings):
    settings.INTAKE_KEYS = []
    assert errors() == ["clinic.E010"]


def test_a_value_that_is_not_a_key_is_a_deployment_error(settings):
    settings.INTAKE_KEYS = [encryption.new_key(), "not-a-fernet-key"]
    assert errors() == ["clinic.E011"]


def test_working_keys_pass(settings):
    settings.INTAKE_KEYS = [encryption.new_key(), encryption.new_key()]
    assert errors() == []


def test_check_deploy_fails_without_a_key(run_django):
    result = run_django("check", "--deploy", **PRODUCTION, INTAKE_KEYS="", INTAKE_KEYS_FILE="")
    assert result.returncode != 0
    assert "clinic.E010" in result.stderr


def test_check_deploy_fails_with_a_key_that_is_not_one(run_django):
    result = run_django("check", "--deploy", **PRODUCTION, INTAKE_KEYS="change-me", INTAKE_KEYS_FILE="")
    assert result.returncode != 0
    assert "clinic.E011" in result.stderr
    assert "change-me" not in result.stderr  # a key, even a bad one, is never printed


def test_the_site_reads_its_keys_from_the_keys_file_newest_first(run_django, tmp_path, settings):
    newest, older = encryption.new_key(), encryption.new_key()
    keys_file = tmp_path / "intake.keys"
    keys_file.write_text(f"{newest}\n\n  {older}  \n")

    checked = run_django("check", "--deploy", "--fail-level", "WARNING", **PRODUCTION, INTAKE_KEYS="", INTAKE_KEYS_FILE=str(keys_file))
    sealed = run_django("shell", "-c", SEAL_IN_A_NEW_PROCESS, **PRODUCTION, INTAKE_KEYS="", INTAKE_KEYS_FILE=str(keys_file))

    assert checked.returncode == 0, checked.stderr
    assert sealed.returncode == 0, sealed.stderr
    settings.INTAKE_KEYS = [newest]  # sealed with the file's first key
    assert encryption.unseal(sealed.stdout.split()[-1]) == {"medicine": "Zyxotrel-4471"}


def test_a_keys_file_that_cannot_be_read_stops_the_site_from_starting(run_django, tmp_path):
    result = run_django("check", **PRODUCTION, INTAKE_KEYS="", INTAKE_KEYS_FILE=str(tmp_path / "missing.keys"))
    assert result.returncode != 0
    assert "INTAKE_KEYS_FILE cannot be read" in result.stderr


def test_keys_in_the_environment_win_over_the_keys_file(run_django, tmp_path, settings):
    in_environment = encryption.new_key()
    keys_file = tmp_path / "intake.keys"
    keys_file.write_text(encryption.new_key() + "\n")
    sealed = run_django("shell", "-c", SEAL_IN_A_NEW_PROCESS, **PRODUCTION, INTAKE_KEYS=in_environment, INTAKE_KEYS_FILE=str(keys_file))
    assert sealed.returncode == 0, sealed.stderr
    settings.INTAKE_KEYS = [in_environment]
    assert encryption.unseal(sealed.stdout.split()[-1]) == {"medicine": "Zyxotrel-4471"}


def test_the_old_key_second_in_the_list_still_opens_and_the_new_one_seals(settings):
    old, new = encryption.new_key(), encryption.new_key()
    settings.INTAKE_KEYS = [old]
    sealed_before = encryption.seal({"medicine": "Zyxotrel-4471"})

    settings.INTAKE_KEYS = [new, old]
    sealed_after = encryption.seal({"medicine": "Zyxotrel-4471"})

    assert encryption.unseal(sealed_before) == {"medicine": "Zyxotrel-4471"}
    assert not encryption.sealed_with_newest(sealed_before)
    assert encryption.sealed_with_newest(sealed_after)
    Fernet(new).decrypt(sealed_after.encode())  # the new key alone opens what is sealed now


def test_after_resealing_the_old_key_can_be_dropped(settings):
    old, new = encryption.new_key(), encryption.new_key()
    settings.INTAKE_KEYS = [old]
    sealed = encryption.seal({"medicine": "Zyxotrel-4471"})
    settings.INTAKE_KEYS = [new, old]
    resealed = encryption.reseal(sealed)

    settings.INTAKE_KEYS = [new]
    assert encryption.unseal(resealed) == {"medicine": "Zyxotrel-4471"}
    with pytest.raises(encryption.CannotOpen):
        encryption.unseal(sealed)


def test_a_value_sealed_with_an_unknown_key_cannot_be_opened_or_resealed(settings):
    settings.INTAKE_KEYS = [encryption.new_key()]
    sealed = encryption.seal({"medicine": "Zyxotrel-4471"})
    settings.INTAKE_KEYS = [encryption.new_key(), encryption.new_key()]
    with pytest.raises(encryption.CannotOpen):
        encryption.unseal(sealed)
    with pytest.raises(encryption.CannotOpen):
        encryption.reseal(sealed)
    assert not encryption.sealed_with_newest(sealed)


def test_a_sealed_value_holds_no_plaintext_and_differs_each_time(settings):
    first, second = encryption.seal({"medicine": "Zyxotrel-4471"}), encryption.seal({"medicine": "Zyxotrel-4471"})
    assert "Zyxotrel" not in first and "Zyxotrel" not in second
    assert first != second  # a random IV per value: equal answers do not look equal in the database
