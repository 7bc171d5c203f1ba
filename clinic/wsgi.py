import os

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "clinic.settings")

# As django.core.wsgi.get_wsgi_application(), with Django's handler replaced by ours, which answers
# stored patient pages before Django's request handling (clinic.handlers).
django.setup(set_prefix=False)

from clinic.handlers import ClinicWSGIHandler  # noqa: E402  (after setup: it loads the middleware)

application = ClinicWSGIHandler()
