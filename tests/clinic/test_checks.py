from django.core.checks import run_checks


def warnings(**kwargs):
    """The deployment warnings about the cache and the error pages' phone number (the proxy's are
    tested in test_client_ip)."""
    return [message.id for message in run_checks(include_deployment_checks=True, **kwargs)
            if message.id in ("clinic.W001", "clinic.W005")]


def test_a_cache_of_one_machine_is_reported_for_deployment(settings):
    settings.PRACTICE_PHONE = "+13015550142"
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.filebased.FileBasedCache", "LOCATION": "/tmp/x"}}
    assert warnings() == ["clinic.W001"]


def test_redis_shared_by_every_app_server_passes(settings):
    settings.PRACTICE_PHONE = "+13015550142"
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": "redis://127.0.0.1:6379/0"}}
    assert warnings() == []


def test_error_pages_without_a_phone_number_of_their_own_are_reported_for_deployment(settings):
    settings.PRACTICE_PHONE = ""
    assert "clinic.W005" in warnings()
    settings.PRACTICE_PHONE = "+13015550142"
    assert "clinic.W005" not in warnings()


def test_a_practice_phone_that_is_not_a_phone_number_stops_the_site_from_starting(run_django):
    result = run_django("check", DEBUG="1", PRACTICE_PHONE="call us")
    assert result.returncode != 0
    assert "PRACTICE_PHONE must be a full phone number" in result.stderr
