"""The WSGI application gunicorn runs (clinic.wsgi): Django's, with stored patient pages answered
before Django builds a request, by replaying what the whole site answered to the same request
(clinic.page_cache, "Answers replayed before Django's request handling")."""

from django.core.handlers.wsgi import WSGIHandler

from clinic import page_cache


class ClinicWSGIHandler(WSGIHandler):
    def __call__(self, environ, start_response):
        address = page_cache.replay_address(environ)
        if address is not None:
            answer = page_cache.replayed_answer(address)
            if answer is not None:
                start_response(answer.status, list(answer.headers))
                return [answer.body]
        response = super().__call__(environ, start_response)
        if address is not None:
            page_cache.remember_answer(address, response)
        return response
