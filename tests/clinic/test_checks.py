from django.core.checks import run_checks


def warnings(**kwargs):
    """The deployment warnings about the cache (the proxy's are tested in test_client_ip)."""
    return [message.id for message in run_checks(include_deployment_checks=True, **kwargs) if message.id == "clinic.W001"]


def test_a_cache_of_one_machine_is_reported_for_deployment(settings):
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.filebased.FileBasedCache", "LOCATION": "/tmp/x"}}
    assert warnings() == ["clinic.W001"]


def test_redis_shared_by_every_app_server_passes(settings):
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": "redis://127.0.0.1:6379/0"}}
    assert warnings() == []
