# Two commands on a fresh machine: `make run` and `make test`. See README.md.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
MANAGE := $(BIN)/python manage.py

# This machine's own key for intake answers (clinic.encryption), made once, kept outside the database.
INTAKE_KEYS_FILE ?= $(CURDIR)/var/intake.keys

# Local development: DEBUG on, a throwaway key, plain-HTTP cookies, demo logins without the second sign-in step.
# Never used by `serve`. `run` and `serve` start the outbox worker (send_outbox --forever) in the
# background and stop it when the server stops, so each email lands in var/sent-mail/ within a second or two.
DEV_ENV := DEBUG=1 INTAKE_KEYS_FILE=$(INTAKE_KEYS_FILE) SECURE_COOKIES=0 STAFF_TWO_FACTOR_REQUIRED=0 SITE_URL=http://127.0.0.1:$(PORT) FRONT_DESK_EMAIL=frontdesk@practice.example \
	EMAIL_BACKEND=$${EMAIL_BACKEND:-django.core.mail.backends.filebased.EmailBackend} EMAIL_FILE_PATH=$(CURDIR)/var/sent-mail
# The production settings, served over plain HTTP on this machine only.
SERVE_ENV := DEBUG=0 INTAKE_KEYS_FILE=$(INTAKE_KEYS_FILE) SECRET_KEY=$${SECRET_KEY:-local-serve-$$(hostname)-not-for-the-internet-0123456789abcdef} \
	ALLOWED_HOSTS=$${ALLOWED_HOSTS:-127.0.0.1,localhost} SECURE_SSL_REDIRECT=$${SECURE_SSL_REDIRECT:-0} \
	SITE_URL=$${SITE_URL:-http://127.0.0.1:$(PORT)} FRONT_DESK_EMAIL=$${FRONT_DESK_EMAIL:-frontdesk@practice.example} \
	EMAIL_BACKEND=$${EMAIL_BACKEND:-django.core.mail.backends.filebased.EmailBackend} EMAIL_FILE_PATH=$(CURDIR)/var/sent-mail
TEST_ENV := SECRET_KEY=test-only-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz SECURE_SSL_REDIRECT=0 \
	INTAKE_KEYS=dGVzdC1vbmx5LWludGFrZS1rZXktbm90LXNlY3JldCE= \
	SITE_URL=https://clinic.test FRONT_DESK_EMAIL=frontdesk@clinic.test

.PHONY: run test test-suite serve bench loadtest admin setup setup-test static clean lint audit css css-check lighthouse

$(BIN)/.installed: requirements.txt requirements-dev.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $@

setup: $(BIN)/.installed $(INTAKE_KEYS_FILE)

# Made once and never again (order-only: new requirements must not replace it, or every answer
# sealed with it would stop opening); never overwritten, even by hand: `make` leaves an existing file.
$(INTAKE_KEYS_FILE): | $(BIN)/.installed
	mkdir -p $(dir $@)
	test -s $@ || { umask 077; $(BIN)/python -c "from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())" > $@.new && mv $@.new $@; }

static: setup
	DEBUG=1 $(MANAGE) collectstatic --noinput --verbosity 0

run: setup static
	$(DEV_ENV) $(MANAGE) migrate --noinput
	$(DEV_ENV) $(MANAGE) seed_demo --demo-logins
	@echo "Serving the demo practice at http://127.0.0.1:$(PORT)/ (admin: http://127.0.0.1:$(PORT)/admin/)"
	@echo "Emails are written to var/sent-mail/ by the outbox worker, running alongside"
	$(DEV_ENV) $(MANAGE) send_outbox --forever & worker=$$!; \
		trap 'kill $$worker 2>/dev/null; wait $$worker' EXIT; trap 'exit 130' INT TERM; \
		$(DEV_ENV) $(MANAGE) runserver 127.0.0.1:$(PORT)

admin: setup
	$(DEV_ENV) $(MANAGE) createsuperuser

# Debian's Chromium for the browser tests; tools that download their own browser cannot work here.
# Debian's nginx, for `nginx -t` on the shipped configuration (tests/ops/test_nginx_config.py).
setup-test: setup static
	@command -v chromium >/dev/null 2>&1 || { \
		echo "Installing Debian's chromium and chromium-driver for the browser tests"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver; }
	@test -x /usr/sbin/nginx || { \
		echo "Installing Debian's nginx-light to check deploy/nginx/clinic.conf"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nginx-light; }

test: setup-test test-suite

# Each run gets its own cache folder and SQLite test file, so two runs at once never meet.
test-suite:
	@cache_dir=$$(mktemp -d); $(TEST_ENV) CACHE_DIR=$$cache_dir TEST_SQLITE_FILE=$$cache_dir/test.sqlite3 \
		$(BIN)/pytest $(ARGS); status=$$?; \
		rm -rf $$cache_dir; exit $$status

serve: setup static
	$(SERVE_ENV) $(MANAGE) migrate --noinput
	@$(SERVE_ENV) $(MANAGE) shell -c "from clinic.models import Practice; raise SystemExit(0 if Practice.objects.exists() else 1)" \
		|| $(SERVE_ENV) $(MANAGE) seed_demo --demo-logins
	@echo "Production settings under gunicorn at http://127.0.0.1:$(PORT)/, with the outbox worker alongside"
	$(SERVE_ENV) $(MANAGE) send_outbox --forever & worker=$$!; \
		trap 'kill $$worker 2>/dev/null; wait $$worker' EXIT; trap 'exit 130' INT TERM; \
		$(SERVE_ENV) $(BIN)/gunicorn clinic.wsgi --bind 127.0.0.1:$(PORT) --workers 2 --access-logfile -

bench: setup static
	$(BIN)/python bench/run.py

clean:
	rm -rf $(VENV) staticfiles var frontend/node_modules

# The patient pages' stylesheet (README.md, "The stylesheet"): built by Node from frontend/ and committed
# as static/css/clinic.min.css, so `make run` and `make test` need no Node. `css-check` (CI) fails when the
# committed file is not what the sources build. Node 20 and npm; packages pinned by frontend/package-lock.json.
CRISPY_DIR = $$($(CURDIR)/$(BIN)/python -c "import crispy_bootstrap5, os; print(os.path.dirname(crispy_bootstrap5.__file__))")

frontend/node_modules/.installed-build: frontend/package-lock.json
	cd frontend && npm ci --omit=dev --no-audit --no-fund --loglevel=error
	touch $@

frontend/node_modules/.installed-all: frontend/package-lock.json
	cd frontend && npm ci --no-audit --no-fund --loglevel=error
	touch $@ frontend/node_modules/.installed-build

css: setup frontend/node_modules/.installed-build
	cd frontend && CRISPY_BOOTSTRAP5=$(CRISPY_DIR) node build.mjs

css-check: setup frontend/node_modules/.installed-build
	cd frontend && CRISPY_BOOTSTRAP5=$(CRISPY_DIR) node build.mjs --check

# Lighthouse (mobile, median of 3 runs) on the key patient pages, served as `make serve` serves them
# (gunicorn, production settings) on LIGHTHOUSE_PORT, with Debian's Chromium. Prints the four category
# scores and every failed audit of each page, after a bare control page with the site's headers; exits 1
# if a page scores under 100 or fails an audit the control passes, 2 if only the control's failures recur.
LIGHTHOUSE_PORT ?= 8010
lighthouse: setup static frontend/node_modules/.installed-all
	export SITE_URL=$${SITE_URL:-http://127.0.0.1:$(LIGHTHOUSE_PORT)}; $(SERVE_ENV) $(BIN)/python ops/lighthouse.py --port $(LIGHTHOUSE_PORT)

# Ruff with the security rules (ruff.toml), then the import rules (.importlinter); lint only, nothing is rewritten.
lint: setup
	$(BIN)/ruff check .
	$(BIN)/lint-imports --no-cache

# pip-audit lives in its own virtualenv so it never changes the app's packages. ops/audit.py fails on a
# known vulnerability (exit 1) and on a database it cannot reach (exit 3; 0 with AUDIT_ALLOW_OFFLINE=1).
AUDIT_VENV := .venv-audit

$(AUDIT_VENV)/.installed: requirements-audit.txt
	rm -rf $(AUDIT_VENV)
	$(PYTHON) -m venv $(AUDIT_VENV)
	$(AUDIT_VENV)/bin/pip install --quiet -r requirements-audit.txt
	touch $@

audit: $(AUDIT_VENV)/.installed
	$(AUDIT_VENV)/bin/python ops/audit.py

# Two app servers on PostgreSQL and Redis under load, a mail outage and a database
# restart (see loadtest/run.py and the README). Stops and starts the local PostgreSQL.
loadtest: setup static
	$(BIN)/python loadtest/run.py
