class ExtraSecurityHeadersMiddleware:
    """Headers Django does not set itself: our resources are for this site only,
    and no page may use the camera, microphone or location."""

    PERMISSIONS_POLICY = "camera=(), microphone=(), geolocation=(), payment=(), usb=()"

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        response.setdefault("Cross-Origin-Resource-Policy", "same-origin")
        response.setdefault("Permissions-Policy", self.PERMISSIONS_POLICY)
        return response
