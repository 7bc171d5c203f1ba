from django.conf import settings


def client_ip(request) -> str:
    """The patient's or staff member's address, trusting only our own proxies.

    With TRUSTED_PROXY_COUNT = N, the N right-most X-Forwarded-For entries were
    added by proxies we run; the one before them is the client. Anything further
    left was sent by the client and could be forged.
    """
    remote = request.META.get("REMOTE_ADDR", "")
    proxies = settings.TRUSTED_PROXY_COUNT
    if proxies <= 0:
        return remote
    forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
    if len(forwarded) >= proxies:
        return forwarded[-proxies]
    return remote
